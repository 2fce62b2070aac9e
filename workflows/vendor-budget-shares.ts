// How the vendor budget is divided (pure, deterministic; used by the vendorBudget workflow and its unit
// tests). docs/design.md "9. The vendor's rate limit belongs to the account and region" explains why
// a grant is capped by the headroom the other members' held rates leave: the sum of the rates that
// live members may be using never exceeds the limit, even while shares move.

export interface BudgetLimits {
  /** Requests per second for actions not listed. */
  defaultQps: number;
  perActionQps: Record<string, number>;
}

/** What one member asked for in its latest renewal, per action: calls per second, or null = more than it had. */
export type MemberDemand = Record<string, number | null>;

export interface BudgetMember {
  limits: BudgetLimits;
  demand: MemberDemand;
  /** The rates this member was last told it may use, per action. */
  grants: Record<string, number>;
  /**
   * What the member may be using until it renews again: the larger of what it said it was using when it
   * renewed and what it was granted (the reply may still be on its way, or lost). Others get only the rest.
   */
  held: Record<string, number>;
  /** Workflow time (ms) after which the member is gone unless it renewed. */
  expiresAt: number;
}

/**
 * Each member is offered this part of an equal share however idle it looks: demand seen in one renewal
 * window is bursty (Temporal hands activities to whichever worker polls), so an idle-looking member
 * keeps enough to start its next burst at once, and the busy ones still get the rest.
 */
export const IDLE_SHARE_OF_EQUAL = 0.5;
/** Room to grow between renewals: a member that used r calls/s is offered up to r × this. */
export const DEMAND_HEADROOM = 1.5;

export function limitOf(limits: BudgetLimits, action: string): number {
  return limits.perActionQps[action] ?? limits.defaultQps;
}

/** Max-min fair division of `capacity` among wants (Infinity = as much as possible). */
export function waterFill(capacity: number, wants: number[]): number[] {
  const order = wants.map((want, i) => ({ want, i })).sort((a, b) => a.want - b.want);
  const out = new Array<number>(wants.length).fill(0);
  let left = capacity;
  order.forEach(({ want, i }, k) => {
    const fair = left / (order.length - k);
    out[i] = Math.min(want, fair);
    left -= out[i]!;
  });
  return out;
}

/**
 * The rate per action member `memberId` may use from now on. `members` holds the live members (the
 * caller has dropped expired ones) with this member's latest demand already recorded; actions are the
 * ones it asked about.
 */
export function grantFor(memberId: string, members: ReadonlyMap<string, BudgetMember>, actions: readonly string[]): Record<string, number> {
  const ids = [...members.keys()].sort();
  const self = ids.indexOf(memberId);
  if (self < 0) throw new Error(`member ${memberId} is not live`);
  const grants: Record<string, number> = {};
  for (const action of actions) {
    // Members may be configured differently during a roll-out: the strictest limit wins.
    const limit = Math.min(...ids.map((id) => limitOf(members.get(id)!.limits, action)));
    if (!Number.isFinite(limit)) continue; // unlimited: nothing to share (and JSON has no Infinity)
    const idle = (limit / ids.length) * IDLE_SHARE_OF_EQUAL;
    const wants = ids.map((id) => {
      const d = members.get(id)!.demand[action];
      return d === null ? Number.POSITIVE_INFINITY : Math.max(idle, (d ?? 0) * DEMAND_HEADROOM);
    });
    const target = waterFill(limit, wants)[self]!;
    const heldByOthers = ids.reduce((sum, id) => (id === memberId ? sum : sum + (members.get(id)!.held[action] ?? 0)), 0);
    // Rounded down so that floating-point sums of grants stay at or below the limit.
    grants[action] = Math.max(0, Math.floor(Math.min(target, limit - heldByOthers) * 1e6) / 1e6);
  }
  return grants;
}
