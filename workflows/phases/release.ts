// Phase 7, release: delete a backup only when every one of its targets verified, the run was not
// cancelled and the policy allows it. Anything else keeps the backup, with the reason recorded; a
// failed delete keeps it too and never fails the run.
import { condition } from '@temporalio/workflow';
import type { FrozenRecoveryPlan } from '../freeze';
import type { RecoveryRun } from '../recovery-run';
import { activitiesFor } from './activities';
import { laneOf, type Lane } from '../regions';
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

  let outcomes: Awaited<ReturnType<ReturnType<typeof activitiesFor>['releaseBackups']>> = [];
  for (const [lane, backupFileIds] of backupsByLane(plan, releasable)) {
    try {
      outcomes = [...outcomes, ...(await activitiesFor(lane).releaseBackups({ backupFileIds }))];
    } catch (err) {
      activityGaveUp(err); // rethrows cancellation; a delete that gave up just keeps the backups
    }
  }
  const byId = new Map(outcomes.map((o) => [o.backupFileId, o]));
  for (const id of releasable) {
    const outcome = byId.get(id);
    if (outcome && (outcome.released || outcome.alreadyGone)) run.markReleased(id);
    else run.keepBackup(id, outcome?.keptBecause ?? 'release-failed');
  }
  void run.notifier.released(run.progress().backups);
}

/** A backup is deleted through the lane that preflight read it from (its first item's). */
function backupsByLane(plan: FrozenRecoveryPlan, backupFileIds: string[]): [Lane, string[]][] {
  const laneOfBackup = new Map<string, Lane>();
  for (const item of plan.items) if (!laneOfBackup.has(item.backupFileId)) laneOfBackup.set(item.backupFileId, laneOf(item));
  const groups = new Map<Lane, string[]>();
  for (const id of backupFileIds) {
    const lane = laneOfBackup.get(id);
    groups.set(lane, [...(groups.get(lane) ?? []), id]);
  }
  return [...groups];
}
