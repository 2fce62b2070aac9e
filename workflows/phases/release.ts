// Phase 7, release: delete a backup only when every one of its targets verified, the run was not
// cancelled and the policy allows it. Anything else keeps the backup, with the reason recorded; a
// failed delete keeps it too and never fails the run.
import { condition } from '@temporalio/workflow';
import type { FrozenRecoveryPlan } from '../freeze';
import type { RecoveryRun } from '../recovery-run';
import { releaseBackups } from './activities';
import { activityGaveUp } from './errors';
import { enterPhase, refreshDetails } from './report';

export async function releaseVerifiedBackups(run: RecoveryRun, plan: FrozenRecoveryPlan): Promise<void> {
  const releasable = run.releasableBackups();
  if (releasable.length === 0) return; // settleBackups() records 'not-all-verified' / 'preflight-failed'
  enterPhase(run, 'release');

  if (plan.releaseBackup === 'never') {
    for (const id of releasable) run.keepBackup(id, 'policy-never');
    return;
  }
  if (plan.releaseBackup === 'on-approval') {
    if (run.anyTargetNotVerified()) {
      // The approval validator refuses runs with unverified targets, so waiting could only time out.
      for (const id of releasable) run.keepBackup(id, 'approval-pending');
      return;
    }
    if (run.approval !== 'approved') {
      run.approval = 'waiting';
      refreshDetails(run);
      const approved = await condition(() => run.approval === 'approved', plan.limits.approvalTimeoutMs);
      if (!approved) {
        run.approval = 'closed';
        for (const id of releasable) run.keepBackup(id, 'approval-timeout');
        return;
      }
    }
  }

  let outcomes: Awaited<ReturnType<typeof releaseBackups>> = [];
  try {
    outcomes = await releaseBackups({ backupFileIds: releasable });
  } catch (err) {
    activityGaveUp(err); // rethrows cancellation; a delete that gave up just keeps the backups
  }
  const byId = new Map(outcomes.map((o) => [o.backupFileId, o]));
  for (const id of releasable) {
    const outcome = byId.get(id);
    if (outcome && (outcome.released || outcome.alreadyGone)) run.markReleased(id);
    else run.keepBackup(id, outcome?.keptBecause ?? 'release-failed');
  }
  void run.notifier.released(run.progress().backups);
}
