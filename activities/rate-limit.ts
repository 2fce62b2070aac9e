// One per-action token bucket per worker process, shared by every recovery activity, so the worker as a
// whole stays inside the vendor's API rate limits however many activities run at once. Throttled
// replies shrink the bucket's rate (multiplicative decrease) and successes grow it back (additive
// increase) up to the configured rate: a bulk migration converges on what the vendor really allows.

export interface RateLimiterOptions {
  /** Requests per second per action, e.g. { RunCommand: 5 }. */
  perActionQps?: Record<string, number>;
  /** Rate for actions not listed. */
  defaultQps: number;
  /** Bucket size in requests; default max(1, qps): at most one second's worth of burst. */
  burst?: number;
  /** Lowest rate AIMD may fall to, as a fraction of the configured rate. Default 0.05. */
  minFraction?: number;
  /** Injected for tests. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface RateLimiter {
  /** Resolves when the caller may send one request for `action`. */
  acquire(action: string): Promise<void>;
  /** The vendor throttled a call: halve this action's rate. */
  onThrottled(action: string): void;
  /** A call went through: creep back towards the configured rate. */
  onSuccess(action: string): void;
  /** Current rate, for logs and tests. */
  currentQps(action: string): number;
}

interface Bucket {
  configured: number;
  qps: number;
  capacity: number;
  /** May go negative: each waiting caller reserves a token, so waiters are served in order. */
  tokens: number;
  updatedAt: number;
}

/** No eds-aic QPS is published; 10/s per action keeps well under the usual Alibaba defaults. */
export const DEFAULT_VENDOR_QPS = 10;

// Additive step per successful call, as a fraction of the configured rate: ~20 good calls undo one halving.
const INCREASE_FRACTION = 0.05;

export function createRateLimiter(opts: RateLimiterOptions): RateLimiter {
  const now = opts.now ?? (() => Date.now());
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const minFraction = opts.minFraction ?? 0.05;
  const buckets = new Map<string, Bucket>();

  for (const [action, qps] of Object.entries(opts.perActionQps ?? {})) validQps(qps, action);
  validQps(opts.defaultQps, 'defaultQps');

  const bucket = (action: string): Bucket => {
    let b = buckets.get(action);
    if (!b) {
      const configured = opts.perActionQps?.[action] ?? opts.defaultQps;
      const capacity = opts.burst ?? Math.max(1, configured);
      b = { configured, qps: configured, capacity, tokens: capacity, updatedAt: now() };
      buckets.set(action, b);
    }
    return b;
  };

  const refill = (b: Bucket): void => {
    const t = now();
    b.tokens = Math.min(b.capacity, b.tokens + ((t - b.updatedAt) / 1000) * b.qps);
    b.updatedAt = t;
  };

  return {
    async acquire(action) {
      const b = bucket(action);
      if (!Number.isFinite(b.configured)) return;
      refill(b);
      b.tokens -= 1;
      if (b.tokens >= 0) return;
      await sleep(Math.ceil((-b.tokens / b.qps) * 1000));
    },
    onThrottled(action) {
      const b = bucket(action);
      if (!Number.isFinite(b.configured)) return;
      refill(b);
      b.qps = Math.max(b.configured * minFraction, b.qps / 2);
      // Drop any saved-up burst: the vendor just told us we are too fast.
      b.tokens = Math.min(b.tokens, 0);
    },
    onSuccess(action) {
      const b = bucket(action);
      if (!Number.isFinite(b.configured) || b.qps >= b.configured) return;
      refill(b);
      b.qps = Math.min(b.configured, b.qps + b.configured * INCREASE_FRACTION);
    },
    currentQps(action) {
      return bucket(action).qps;
    },
  };
}

function validQps(qps: number, what: string): void {
  if (!(qps > 0)) throw new RangeError(`rate limit for ${what} must be > 0 requests per second (Infinity = unlimited)`);
}
