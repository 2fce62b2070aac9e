// The worker process's side of the shared vendor budget: a member lease on the deployment's vendorBudget
// workflow, renewed every few seconds with update-with-start. Each reply sets this process's rate
// limiter to its granted share per action. The renewal loop belongs to the process (not to workflow
// code): its lease lives exactly as long as the process renews it, so a SIGKILLed worker's share goes
// back to the others after the TTL. docs/design.md (9) states the guarantee and the worst cases.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { RateLimiter } from '../activities/rate-limit';
import {
  VENDOR_BUDGET_ID_PREFIX,
  leaveBudgetUpdate,
  renewBudgetUpdate,
  vendorBudget,
  vendorBudgetWorkflowId,
  type BudgetGrant,
  type VendorBudgetInput,
} from '../workflows/vendor-budget';
import { DEMAND_HEADROOM, IDLE_SHARE_OF_EQUAL, type BudgetLimits } from '../workflows/vendor-budget-shares';
import { createDemandMeter } from './budget-demand';

export const DEFAULT_BUDGET_RENEW_MS = 5_000;
/** Three missed renewals. */
export const DEFAULT_BUDGET_TTL_MS = 15_000;
/**
 * A member whose callers queue while it holds less than an equal share renews early, at most this
 * often, so work that starts (a migration's first wave) gets its share in about a second, not a period.
 */
export const EAGER_RENEW_MIN_GAP_MS = 1_000;

export interface VendorBudgetMemberOptions {
  client: Client;
  /** The deployment's task queue: the budget workflow runs there and its ID names it. */
  taskQueue: string;
  /** What the vendor budget belongs to besides the deployment, e.g. the region. */
  budgetKey: string;
  limiter: RateLimiter;
  /** Every vendor action the process may call: each gets a grant before its first call. */
  actions: readonly string[];
  limits: BudgetLimits;
  renewEveryMs?: number;
  ttlMs?: number;
  /** Default: host, process ID and a random suffix. */
  memberId?: string;
  /** Tests: a unique budget per test. */
  workflowIdPrefix?: string;
  /** Tests: continue-as-new sooner. */
  budgetInput?: Pick<VendorBudgetInput, 'continueAsNewAfterUpdates'>;
  /** Called on each grant and when the lease lapses (logs, metrics, tests). */
  onGrant?: (event: BudgetEvent) => void;
  onError?: (err: unknown) => void;
}

export type BudgetEvent =
  | { kind: 'granted'; grants: Record<string, number>; members: number; sentAt: number; validUntil: number }
  | { kind: 'lapsed'; at: number };

export interface VendorBudgetMember {
  readonly memberId: string;
  /** Renews once now (also what the timer does); resolves with the grant, or undefined if it failed. */
  renew(): Promise<BudgetGrant | undefined>;
  /**
   * Stops renewing and gives the share back (best effort: otherwise it lapses after the TTL).
   * `leave: false` only stops renewing, which is what a crash looks like to the budget (tests).
   */
  stop(options?: { leave?: boolean }): Promise<void>;
}

/** Starts renewing at once; the limiter's callers wait for the first grant (awaitGrant). */
export function startVendorBudgetMember(options: VendorBudgetMemberOptions): VendorBudgetMember {
  const renewEveryMs = options.renewEveryMs ?? DEFAULT_BUDGET_RENEW_MS;
  const ttlMs = options.ttlMs ?? DEFAULT_BUDGET_TTL_MS;
  if (!(ttlMs >= 2 * renewEveryMs)) throw new RangeError('vendor budget ttlMs must be at least twice renewEveryMs');
  const memberId = options.memberId ?? `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  const workflowId = vendorBudgetWorkflowId(options.taskQueue, options.budgetKey, options.workflowIdPrefix ?? VENDOR_BUDGET_ID_PREFIX);
  const { limiter, client } = options;
  let sequence = 0;
  let validUntil = 0;
  let lastMembers = 1;
  let lastSentAt = 0;
  /** The ceilings the limiter runs at now (awaitGrant: nothing until the first grant). */
  const using: Record<string, number> = Object.fromEntries(options.actions.map((a) => [a, 0]));
  let expiryTimer: NodeJS.Timeout | undefined;
  let lapsed = false;
  let stopped = false;
  let inFlight: Promise<BudgetGrant | undefined> | undefined;
  const eagerGapMs = Math.min(EAGER_RENEW_MIN_GAP_MS, renewEveryMs);
  /** Aborts the renewal in flight on stop (a renewal waiting on an unreachable server must not outlive the member). */
  const stopping = new AbortController();

  const demand = createDemandMeter(limiter, options.actions, eagerGapMs / 2);

  const apply = (grants: Record<string, number>): void => {
    for (const action of options.actions) {
      const qps = grants[action] ?? limiter.configuredQps(action);
      limiter.setCeiling(action, qps);
      if (Number.isFinite(qps)) using[action] = qps;
    }
  };

  /**
   * Past the lease the coordinator may hand our share to others at any moment, and it cannot tell a
   * process cut off from Temporal from a dead one: so a lapsed member makes no vendor calls at all
   * (callers wait) until a renewal gets through. Anything it kept would be unaccounted for while the
   * others are granted its share (docs/design.md, invariant 9).
   */
  const lapseIfExpired = (): void => {
    if (lapsed || stopped || validUntil === 0 || Date.now() < validUntil) return;
    lapsed = true;
    apply(Object.fromEntries(options.actions.map((a) => [a, 0])));
    options.onGrant?.({ kind: 'lapsed', at: Date.now() });
  };

  const renewOnce = async (): Promise<BudgetGrant | undefined> => {
    const sentAt = Date.now();
    lastSentAt = sentAt;
    // A renewal older than the lease is worthless: give up on it so the next one can go.
    const signal = AbortSignal.any([stopping.signal, AbortSignal.timeout(ttlMs)]);
    try {
      const grant = await client.withAbortSignal(signal, () => client.workflow.executeUpdateWithStart(renewBudgetUpdate, {
        args: [{ memberId, limits: options.limits, demand: demand.measure(), using: { ...using }, ttlMs }],
        updateId: `${memberId}/${++sequence}`,
        startWorkflowOperation: new WithStartWorkflowOperation(vendorBudget, {
          workflowId,
          taskQueue: options.taskQueue,
          args: [{ ...options.budgetInput }],
          workflowIdConflictPolicy: 'USE_EXISTING',
          staticSummary: `Vendor API budget of ${options.taskQueue} (${options.budgetKey})`,
        }),
      }));
      if (stopped) return grant;
      // The coordinator counts the lease from when it handled the renewal, which is after sentAt.
      validUntil = sentAt + ttlMs;
      lastMembers = grant.members;
      // Until the budget hears that we run at a lower rate, it still counts the higher one for us.
      const lowered = options.actions.some((a) => (grant.grants[a] ?? Infinity) < (using[a] ?? 0) - 1e-6);
      lapsed = false;
      clearTimeout(expiryTimer);
      expiryTimer = setTimeout(lapseIfExpired, Math.max(0, validUntil - Date.now()));
      expiryTimer.unref();
      apply(grant.grants);
      options.onGrant?.({ kind: 'granted', grants: grant.grants, members: grant.members, sentAt, validUntil });
      if (lowered) setImmediate(() => void renew());
      return grant;
    } catch (err) {
      if (!stopped) options.onError?.(err);
      lapseIfExpired();
      return undefined;
    }
  };

  const renew = (): Promise<BudgetGrant | undefined> => {
    // One renewal at a time: a slow server must not pile updates onto the budget workflow.
    inFlight ??= renewOnce().finally(() => (inFlight = undefined));
    return inFlight;
  };

  /**
   * Worth renewing before the period ends (at most once per eager gap): callers queue and it does not
   * hold the whole limit yet (others may have gone idle since), or this process holds clearly more than
   * it now uses while other members may be queueing for it. A member alone renews early only to grow
   * its share: each renewal is an update in the budget's history, and alone it can neither get more
   * than the limit nor give anything to anyone (a joining worker is seen at the next periodic renewal).
   */
  const sharesOff = (): boolean =>
    options.actions.some((a) => {
      const { perSecond, queued } = demand.current(a);
      const held = using[a] ?? 0;
      if (queued) return held < limiter.configuredQps(a) - 1e-6;
      const equal = limiter.configuredQps(a) / Math.max(1, lastMembers);
      return lastMembers > 1 && held > 1.5 * Math.max(perSecond * DEMAND_HEADROOM, equal * IDLE_SHARE_OF_EQUAL);
    });
  const timer = setInterval(() => {
    lapseIfExpired();
    const since = Date.now() - lastSentAt;
    if (since >= renewEveryMs - eagerGapMs / 2 || (since >= eagerGapMs && sharesOff())) void renew();
  }, eagerGapMs / 2);
  timer.unref();
  void renew();

  return {
    memberId,
    renew,
    async stop({ leave: leaving = true } = {}) {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      clearTimeout(expiryTimer);
      stopping.abort();
      await inFlight;
      if (!leaving) return;
      // Bounded: a worker stopping while Temporal is unreachable must not hang; the lease then lapses.
      await client
        .withAbortSignal(AbortSignal.timeout(renewEveryMs), () =>
          client.workflow.getHandle(workflowId).executeUpdate(leaveBudgetUpdate, { args: [memberId], updateId: `${memberId}/leave` }),
        )
        .catch((err: unknown) => options.onError?.(err));
    },
  };
}
