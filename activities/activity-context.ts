// Helpers for code running inside a Temporal activity: which workflow it serves (for logs) and waiting
// without letting the heartbeat lapse.
import { activityInfo, CancelledFailure, Context, heartbeat, sleep } from '@temporalio/activity';

/** The calling workflow's ID, for log lines; undefined outside an activity (tests, scripts). */
export function workflowIdOf(): string | undefined {
  try {
    return activityInfo().workflowExecution?.workflowId;
  } catch {
    return undefined;
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

function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // outside an activity (tests, scripts)
  }
}

/** Each running activity's heartbeat, with its current details (its checkpoint). */
const heartbeats = new WeakMap<Context, () => void>();

/**
 * The activity's heartbeat function, sending `details()` each time. It is also registered for the
 * running activity, so shared code that waits on its behalf (the vendor rate limiter) can keep the
 * heartbeat alive without replacing the details, which are the activity's checkpoint.
 */
export function activityHeartbeat(details: () => unknown): () => void {
  const beat = (): void => heartbeat(details());
  const ctx = currentContext();
  if (ctx) heartbeats.set(ctx, beat);
  return beat;
}

/**
 * Waits for `pending` while heartbeating the current activity, then refuses to
 * go on if the activity was cancelled meanwhile. Without this, a long wait for a rate-limit token let the
 * heartbeat lapse: the server timed the attempt out and started the next one, and the superseded
 * attempt, still waiting, later sent its RecoverApp call too (a duplicate vendor task, docs/design.md
 * invariant 1).
 */
export async function waitBeating<T>(pending: Promise<T>): Promise<T> {
  const ctx = currentContext();
  const beat = ctx && heartbeats.get(ctx);
  // A third of the heartbeat timeout (the SDK throttles what it sends anyway), at most HEARTBEAT_SLICE_MS.
  const every = Math.min(HEARTBEAT_SLICE_MS, Math.max(100, (ctx?.info.heartbeatTimeoutMs ?? HEARTBEAT_SLICE_MS) / 3));
  const timer = beat ? setInterval(beat, every) : undefined;
  try {
    return await pending;
  } finally {
    if (timer) clearInterval(timer);
    if (ctx?.cancellationSignal.aborted) {
      const reason: unknown = ctx.cancellationSignal.reason;
      throw reason instanceof Error ? reason : new CancelledFailure('the activity was cancelled while it waited');
    }
  }
}
