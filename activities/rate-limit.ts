// One per-action token bucket per worker process, shared by every recovery activity, so the worker as a
// whole stays inside its part of the vendor's API rate limits however many activities run at once.
// The bucket's ceiling is either the configured rate (CPR_VENDOR_BUDGET=local) or this process's share
// of the deployment-wide budget, granted by the vendorBudget workflow (worker/vendor-budget.ts,
// docs/design.md "Vendor budget"). Throttled replies shrink the rate below the ceiling
// (multiplicative decrease) and successes grow it back (additive increase): a bulk migration converges
// on what the vendor really allows.

export interface RateLimiterOptions {
  /** Requests per second per action, e.g. { RunCommand: 5 }. */
  perActionQps?: Record<string, number>;
  /** Rate for actions not listed. */
  defaultQps: number;
  /** Bucket size in requests; default max(1, ceiling): at most one second's worth of burst. */
  burst?: number;
  /** Lowest rate AIMD may fall to, as a fraction of the ceiling. Default 0.05. */
  minFraction?: number;
  /**
   * Shared budget: every action starts with ceiling 0 (callers wait) until setCeiling grants a share,
   * and the bucket starts empty, so a joining process never spends more than its grant.
   */
  awaitGrant?: boolean;
  /** Injected for tests. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** What one action's callers asked for since the previous takeDemand(). */
export interface ActionDemand {
  /** acquire() calls. */
  calls: number;
  /** Of those, calls that had to wait for a token. */
  waited: number;
  /** Callers waiting right now. */
  waiting: number;
}

export interface RateLimiter {
  /** Resolves when the caller may send one request for `action`. */
  acquire(action: string): Promise<void>;
  /** The vendor throttled a call: halve this action's rate. */
  onThrottled(action: string): void;
  /** A call went through: creep back towards the ceiling. */
  onSuccess(action: string): void;
  /** Current rate, for logs and tests. */
  currentQps(action: string): number;
  /** The account's configured rate for `action` (before any sharing). */
  configuredQps(action: string): number;
  /** This process's share of `action`'s rate (shared budget); never above the configured rate. */
  setCeiling(action: string, qps: number): void;
  /** Demand per action since the last call (the shared budget weighs shares by it). */
  takeDemand(): Record<string, ActionDemand>;
  /** Demand per action since the last takeDemand(), without resetting it. */
  peekDemand(): Record<string, ActionDemand>;
}

interface Bucket {
  configured: number;
  /** What this process may use: the configured rate, or its granted share. */
  ceiling: number;
  /** Current rate: AIMD keeps it in [ceiling × minFraction, ceiling]. */
  qps: number;
  /** May go negative: each waiting caller reserves a token, so waiters are served in order. */
  tokens: number;
  /** Callers sleeping on a token reserved under the current epoch (each holds -1 of `tokens`). */
  reserved: number;
  updatedAt: number;
  /** Bumped when the rate falls (or rises from a grant): reservations made before are void. */
  epoch: number;
  rateChanged: Promise<void>;
  signalRateChanged: () => void;
  demand: ActionDemand;
}

/** No eds-aic QPS is published; 10/s per action keeps well under the usual Alibaba defaults. */
export const DEFAULT_VENDOR_QPS = 10;

// Additive step per successful call, as a fraction of the ceiling: ~20 good calls undo one halving.
const INCREASE_FRACTION = 0.05;

export function createRateLimiter(opts: RateLimiterOptions): RateLimiter {
  const now = opts.now ?? (() => Date.now());
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const minFraction = opts.minFraction ?? 0.05;
  const buckets = new Map<string, Bucket>();

  for (const [action, qps] of Object.entries(opts.perActionQps ?? {})) validQps(qps, action);
  validQps(opts.defaultQps, 'defaultQps');

  const configuredOf = (action: string): number => opts.perActionQps?.[action] ?? opts.defaultQps;
  const rate = (b: Bucket): number => b.qps;
  const capacity = (b: Bucket): number => (b.ceiling > 0 ? (opts.burst ?? Math.max(1, b.ceiling)) : 0);

  const bucket = (action: string): Bucket => {
    let b = buckets.get(action);
    if (!b) {
      const configured = configuredOf(action);
      const ceiling = opts.awaitGrant ? 0 : configured;
      b = { configured, ceiling, qps: ceiling, tokens: 0, reserved: 0, updatedAt: now(), epoch: 0, rateChanged: Promise.resolve(), signalRateChanged: () => undefined, demand: { calls: 0, waited: 0, waiting: 0 } };
      b.tokens = opts.awaitGrant ? 0 : capacity(b);
      armRateChanged(b);
      buckets.set(action, b);
    }
    return b;
  };

  const refill = (b: Bucket): void => {
    const t = now();
    b.tokens = Math.min(capacity(b), b.tokens + ((t - b.updatedAt) / 1000) * rate(b));
    b.updatedAt = t;
  };

  /**
   * Applies a new rate from now on. Sleeping callers wake and reserve again under the new rate, so a
   * lower rate holds at once instead of after the queue booked at the old one has drained. What accrued
   * towards their reservations is kept (a shared-budget member's share changes every few seconds: without
   * it, each change cost up to one call interval).
   */
  const changeRate = (b: Bucket, apply: () => void, dropBurst: boolean): void => {
    refill(b);
    apply();
    b.tokens = dropBurst ? 0 : Math.min(capacity(b), Math.max(0, b.tokens + b.reserved));
    b.reserved = 0; // cancelled: their callers reserve again under the new rate
    b.updatedAt = now();
    b.epoch++;
    const wake = b.signalRateChanged;
    armRateChanged(b);
    wake();
  };

  return {
    async acquire(action) {
      const b = bucket(action);
      if (!Number.isFinite(b.configured)) return;
      b.demand.calls++;
      let waited = false;
      for (;;) {
        refill(b);
        const epoch = b.epoch;
        const changed = b.rateChanged;
        const perSecond = rate(b);
        let wait: Promise<unknown> = changed; // no grant yet: wait for one
        let reserving = false;
        if (perSecond > 0) {
          b.tokens -= 1;
          if (b.tokens >= 0) break;
          reserving = true;
          wait = Promise.race([sleep(Math.ceil((-b.tokens / perSecond) * 1000)), changed]);
        }
        waited = true;
        b.demand.waiting++;
        if (reserving) b.reserved++;
        try {
          await wait;
        } finally {
          b.demand.waiting--;
          if (reserving && b.epoch === epoch) b.reserved--;
        }
        if (b.epoch === epoch) break; // the reserved token is ours
      }
      if (waited) b.demand.waited++;
    },
    onThrottled(action) {
      const b = bucket(action);
      if (!Number.isFinite(b.configured)) return;
      // Also drops any saved-up burst: the vendor just told us we are too fast.
      changeRate(b, () => (b.qps = Math.max(b.ceiling * minFraction, b.qps / 2)), true);
    },
    onSuccess(action) {
      const b = bucket(action);
      if (!Number.isFinite(b.configured) || b.qps >= b.ceiling) return;
      refill(b);
      // Rising needs no re-booking: callers already waiting are merely a little late.
      b.qps = Math.min(b.ceiling, b.qps + b.ceiling * INCREASE_FRACTION);
    },
    currentQps(action) {
      return rate(bucket(action));
    },
    configuredQps(action) {
      return configuredOf(action);
    },
    setCeiling(action, qps) {
      const b = bucket(action);
      if (!Number.isFinite(b.configured)) return;
      const ceiling = Math.min(b.configured, Math.max(0, qps));
      if (ceiling === b.ceiling) return;
      // AIMD's position carries over: a throttled process stays as cautious within its new share.
      const fraction = b.ceiling > 0 ? b.qps / b.ceiling : 1;
      changeRate(
        b,
        () => {
          b.ceiling = ceiling;
          b.qps = ceiling * fraction;
        },
        false,
      );
    },
    peekDemand() {
      return Object.fromEntries([...buckets].map(([action, b]) => [action, { ...b.demand }]));
    },
    takeDemand() {
      const out: Record<string, ActionDemand> = {};
      for (const [action, b] of buckets) {
        out[action] = { ...b.demand };
        b.demand.calls = 0;
        b.demand.waited = 0;
      }
      return out;
    },
  };
}

function armRateChanged(b: Bucket): void {
  b.rateChanged = new Promise<void>((resolve) => (b.signalRateChanged = resolve));
}

function validQps(qps: number, what: string): void {
  if (!(qps > 0)) throw new RangeError(`rate limit for ${what} must be > 0 requests per second (Infinity = unlimited)`);
}
