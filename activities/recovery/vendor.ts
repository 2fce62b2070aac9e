// Plumbing shared by the recovery activities: a rate-limited view of the vendor client, throttling
// retries inside the activity, error → Temporal failure mapping, and bounded parallelism.
import { activityInfo, heartbeat, log, sleep } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { EcpError, isEcpError, type EcpClient } from '../ecp';
import type { CustomChecks } from '../commands/custom-checks';
import type { RateLimiter } from '../rate-limit';

export interface RecoveryDeps {
  /** Already rate-limited (see rateLimitedClient); the raw client must not be used directly. */
  ecp: EcpClient;
  limiter: RateLimiter;
  customChecks: CustomChecks;
  /** Parallel vendor calls inside one activity when the request does not say. */
  concurrency: number;
  throttleBackoff: { initialMs: number; maxMs: number };
  /** Injected for tests; wall clock otherwise. */
  now: () => number;
}

const ACTION_OF: Record<keyof EcpClient, string> = {
  recoverApp: 'RecoverApp',
  backupApp: 'BackupApp',
  describeBackupFiles: 'DescribeBackupFiles',
  deleteBackupFiles: 'DeleteBackupFile',
  describeTasks: 'DescribeTasks',
  describeAndroidInstances: 'DescribeAndroidInstances',
  runCommand: 'RunCommand',
  describeInvocations: 'DescribeInvocations',
  startAndroidInstances: 'StartAndroidInstance',
  stopAndroidInstances: 'StopAndroidInstance',
};

/** Every call takes a token from the shared per-action bucket first and reports throttling back. */
export function rateLimitedClient(ecp: EcpClient, limiter: RateLimiter): EcpClient {
  const wrap = <K extends keyof EcpClient>(key: K): EcpClient[K] => {
    const action = ACTION_OF[key];
    const fn = ecp[key] as (...args: unknown[]) => Promise<unknown>;
    return (async (...args: unknown[]) => {
      await limiter.acquire(action);
      try {
        const out = await fn.apply(ecp, args);
        limiter.onSuccess(action);
        return out;
      } catch (err) {
        if (isEcpError(err) && err.kind === 'throttled') limiter.onThrottled(action);
        throw err;
      }
    }) as EcpClient[K];
  };
  const out = {} as Record<keyof EcpClient, unknown>;
  for (const key of Object.keys(ACTION_OF) as (keyof EcpClient)[]) out[key] = wrap(key);
  return out as EcpClient;
}

export function workflowIdOf(): string | undefined {
  try {
    return activityInfo().workflowExecution?.workflowId;
  } catch {
    return undefined;
  }
}

/**
 * Runs a vendor call, retrying throttled replies (which were not applied) with exponential backoff
 * inside the activity. `beat` keeps heartbeats (with the caller's current details) flowing while we wait.
 */
export async function withThrottleRetry<T>(
  deps: Pick<RecoveryDeps, 'throttleBackoff'>,
  what: string,
  call: () => Promise<T>,
  beat: () => void,
  onThrottled?: () => void,
): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await call();
    } catch (err) {
      if (!(isEcpError(err) && err.kind === 'throttled')) throw err;
      onThrottled?.();
      const base = Math.min(deps.throttleBackoff.maxMs, deps.throttleBackoff.initialMs * 2 ** Math.min(n, 20));
      const delay = Math.round(base / 2 + Math.random() * (base / 2));
      log.info('vendor throttled the call; backing off', {
        workflowId: workflowIdOf(),
        call: what,
        requestId: err.requestId,
        delayMs: delay,
      });
      beat();
      await sleepWithHeartbeat(delay, beat);
    }
  }
}

/** Longest stretch without a heartbeat while an activity waits; keeps heartbeatTimeout independent of intervals. */
export const HEARTBEAT_SLICE_MS = 10_000;

/** Cancellation-aware sleep (activity `sleep`) that heartbeats at least every HEARTBEAT_SLICE_MS. */
export async function sleepWithHeartbeat(ms: number, beat: () => void): Promise<void> {
  let left = Math.max(0, ms);
  while (left > 0) {
    const slice = Math.min(left, HEARTBEAT_SLICE_MS);
    await sleep(slice);
    left -= slice;
    if (left > 0) beat();
  }
}

/** A request the activity cannot act on (a bug in the caller); never retried. */
export const INVALID_ACTIVITY_REQUEST = 'InvalidActivityRequest';

/** Failure types the workflow can match on (nonRetryableErrorTypes or explicit handling). */
export const FAILURE_TYPES = {
  auth: 'VendorAuthError',
  invalid: 'VendorInvalidRequest',
  notFound: 'VendorNotFound',
  throttled: 'VendorThrottled',
  transient: 'VendorTransientError',
  unknown: 'VendorUnknownError',
} as const;

/**
 * Maps anything thrown inside an activity to what Temporal should see. EcpError messages are already
 * scrubbed of signing material; the failure carries only the log-safe fields.
 */
export function toActivityFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (!isEcpError(err)) return err;
  const e: EcpError = err;
  const type = FAILURE_TYPES[e.kind];
  const nonRetryable = e.kind === 'auth' || e.kind === 'invalid' || e.kind === 'notFound';
  return ApplicationFailure.create({
    type,
    message: e.message,
    nonRetryable,
    details: [{ action: e.action, code: e.code, kind: e.kind, httpStatus: e.httpStatus, requestId: e.requestId }],
  });
}

/** Wraps an activity body so vendor errors leave as typed failures. */
export async function asActivity<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw toActivityFailure(err);
  }
}

/** Runs `fn` over items with at most `limit` in flight; results keep the input order. */
export async function mapBounded<I, O>(items: readonly I[], limit: number, fn: (item: I, index: number) => Promise<O>): Promise<O[]> {
  const out = new Array<O>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return out;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Heartbeat that never throws outside an activity context (pure helpers reuse activity code in tests). */
export function safeHeartbeat(details: unknown): void {
  try {
    heartbeat(details);
  } catch {
    // not in an activity context
  }
}
