// A stand-in for the recovery workflow's notification points, so webhooks and the metrics sink are
// tested through a real worker whatever stage the recovery workflow's own wiring is at.
import { proxyActivities } from '@temporalio/workflow';
import { Notifier } from '../../workflows/notify';
import type { RecoveryResult } from '../../workflows/types';
import type { FixtureActivities } from './fixture-activities';

const { touchInstances } = proxyActivities<FixtureActivities>({ startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 1 } });

export async function notifyingWorkflow(result: RecoveryResult, options: { awaitFinished: boolean }): Promise<string> {
  const notifier = new Notifier();
  void notifier.started();
  void notifier.phase('preflight', result.counts);
  await touchInstances({ instanceIds: result.targets.map((t) => t.instanceId) });
  void notifier.phase('release', result.counts);
  void notifier.released(result.backups);
  if (options.awaitFinished) await notifier.finished(result);
  else void notifier.finished(result);
  return 'done';
}
