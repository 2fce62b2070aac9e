// Stand-ins for the recovery workflow's notification points, so webhooks and the metrics sink are
// tested through a real worker whatever stage the recovery workflow's own wiring is at.
import { CancellationScope, condition, defineSignal, isCancellation, proxyActivities, proxyLocalActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { Notifier } from '../../workflows/notify';
import { SA_OUTCOME, type RecoveryResult } from '../../workflows/types';
import type { FixtureActivities } from './fixture-activities';

const { touchInstances } = proxyActivities<FixtureActivities>({ startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 1 } });
export const finishSignal = defineSignal('finish');
const { holdCompletion } = proxyLocalActivities<FixtureActivities>({ startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 1 } });

export async function notifyingWorkflow(result: RecoveryResult, options: { awaitFinished: boolean }): Promise<RecoveryResult> {
  const notifier = new Notifier();
  void notifier.started();
  void notifier.phase('preflight', result.counts);
  await touchInstances({ instanceIds: result.targets.map((t) => t.instanceId) });
  void notifier.phase('release', result.counts);
  void notifier.released(result.backups);
  if (options.awaitFinished) await notifier.finished(result);
  else void notifier.finished(result);
  notifier.returning();
  return result;
}

/**
 * Like the recovery's end: report the result and return it, in the same workflow task as a local
 * activity (`holdCompletion`) that the test keeps open until it has cancelled the run. The server then
 * rejects that task's completion (UNHANDLED_COMMAND: a cancel arrived meanwhile) and the task runs again
 * with the cancel, producing a different result: `cancelled`. The outcome is also a search attribute,
 * so visibility can be compared with the counters.
 */
export async function racingCompletionWorkflow(result: RecoveryResult): Promise<RecoveryResult> {
  const notifier = new Notifier();
  void notifier.started();
  let final = result;
  try {
    await holdCompletion();
  } catch (err) {
    if (!isCancellation(err)) throw err;
    final = {
      ...result,
      outcome: 'cancelled',
      cancelRequested: true,
      targets: result.targets.map((t) => ({ ...t, status: 'cancelled' as const })),
      backups: result.backups.map((b) => ({ ...b, released: false, keptBecause: 'cancelled' as const })),
    };
  }
  upsertSearchAttributes([{ key: SA_OUTCOME, value: final.outcome }]);
  await CancellationScope.nonCancellable(() => notifier.finished(final));
  notifier.returning();
  return final;
}

/** Reports its start, then waits for `finish` (the test restarts the worker meanwhile) and returns the result. */
export async function finishOnSignalWorkflow(result: RecoveryResult): Promise<RecoveryResult> {
  const notifier = new Notifier();
  let finish = false;
  setHandler(finishSignal, () => void (finish = true));
  void notifier.started();
  await condition(() => finish);
  upsertSearchAttributes([{ key: SA_OUTCOME, value: result.outcome }]);
  await notifier.finished(result);
  notifier.returning();
  return result;
}
