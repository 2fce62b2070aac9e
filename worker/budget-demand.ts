// What a vendor budget member reports it wants, per action, from what its rate limiter saw: calls per
// second since the last renewal, or null when callers queued for tokens (it could use more than it has).
import type { RateLimiter } from '../activities/rate-limit';
import type { MemberDemand } from '../workflows/vendor-budget-shares';

export interface DemandMeter {
  /** Demand since the previous measure; starts a new window (see minWindowMs). */
  measure(): MemberDemand;
  /** The current window so far, without ending it. */
  current(action: string): { perSecond: number; queued: boolean };
}

/**
 * A window shorter than `minWindowMs` (a renewal right after a lowered grant) shows no calls and would
 * read as idle: the grant would drop, and drop again at the renewal after it. Such a measure resends
 * the previous one, marked as wanting more where callers queue now, and keeps the window open.
 */
export function createDemandMeter(
  limiter: Pick<RateLimiter, 'takeDemand' | 'peekDemand'>,
  actions: readonly string[],
  minWindowMs: number,
  now: () => number = Date.now,
): DemandMeter {
  let windowStart = now();
  let last: MemberDemand | undefined;
  const seconds = (): number => Math.max(0.001, (now() - windowStart) / 1000);

  return {
    measure() {
      if (last && now() - windowStart < minWindowMs) {
        const queued = limiter.peekDemand();
        return Object.fromEntries(Object.entries(last).map(([action, d]) => [action, (queued[action]?.waiting ?? 0) > 0 ? null : d]));
      }
      const elapsed = seconds();
      windowStart = now();
      const seen = limiter.takeDemand();
      const demand: MemberDemand = {};
      for (const action of actions) {
        const d = seen[action];
        demand[action] = d && (d.waiting > 0 || d.waited > d.calls / 10) ? null : (d?.calls ?? 0) / elapsed;
      }
      last = demand;
      return demand;
    },
    current(action) {
      const d = limiter.peekDemand()[action];
      return { perSecond: (d?.calls ?? 0) / seconds(), queued: (d?.waiting ?? 0) > 0 };
    },
  };
}
