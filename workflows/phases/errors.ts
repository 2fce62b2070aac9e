// Activity failures a phase absorbs into target results (the run goes on for the others); anything
// else, cancellation above all, propagates.
import { ActivityFailure, isCancellation } from '@temporalio/workflow';

/** The failure's message when `err` is an activity that gave up; rethrows everything else. */
export function activityGaveUp(err: unknown): string {
  if (isCancellation(err) || !(err instanceof ActivityFailure)) throw err;
  return err.cause?.message ?? err.message;
}
