// Helpers for code running inside a Temporal activity: which workflow it serves (for logs) and waiting
// without letting the heartbeat lapse.
import { activityInfo, sleep } from '@temporalio/activity';

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
