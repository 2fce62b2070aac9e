// Phase 1, preflight: read-only checks of every backup and target before anything is changed. A target
// that cannot be recovered safely is skipped with the reason, never attempted.
import type { TargetPreflight } from '../../activities/recovery/contract';
import { refusalForExistingApp } from '../existing-app';
import type { FrozenRecoveryPlan } from '../freeze';
import type { RecoveryRun } from '../recovery-run';
import { describeLeases, preflight } from './activities';
import { enterPhase } from './report';

export interface Checked {
  /**
   * Targets that looked unusable only because another recovery is working on them (they hold its
   * lease): the lease phase waits for them or reports them busy, and then checks them again.
   */
  deferred: Set<string>;
}

export async function checkTargets(run: RecoveryRun, plan: FrozenRecoveryPlan): Promise<Checked> {
  enterPhase(run, 'preflight');
  const result = await preflight({ items: plan.items, verification: plan.verification });

  const reported = new Set(result.backups.map((b) => b.backupFileId));
  for (const backup of result.backups) {
    const usable = backup.ok && backup.facts !== undefined;
    run.recordBackupPreflight(
      backup.backupFileId,
      usable ? backup : { ...backup, ok: false, reason: backup.reason ?? 'BackupNotAvailable' },
    );
  }
  for (const backupFileId of run.backupIds()) {
    if (!reported.has(backupFileId)) {
      run.recordBackupPreflight(backupFileId, {
        ok: false,
        reason: 'BackupNotAvailable',
        message: 'preflight returned no verdict for this backup',
      });
    }
  }

  const checked: Checked = { deferred: new Set() };
  const verdicts = new Map(result.targets.map((t) => [t.instanceId, t]));
  const notRunning = run
    .pendingTargets()
    .filter((t) => verdicts.get(t.instanceId)?.reason === 'InstanceNotRunning')
    .map((t) => t.instanceId);
  if (notRunning.length > 0) {
    const holders = await describeLeases({ instanceIds: notRunning, shards: plan.runSettings.leaseShards });
    for (const holder of holders) if (holder.holderWorkflowId !== run.workflowId) checked.deferred.add(holder.instanceId);
  }
  for (const target of run.pendingTargets()) {
    if (checked.deferred.has(target.instanceId)) {
      run.target(target.instanceId).message = 'another recovery holds this instance; decided in the lease phase';
      continue;
    }
    applyTargetVerdict(run, plan, target.instanceId, verdicts.get(target.instanceId));
  }
  return checked;
}

/** Preflight again for targets that changed hands while we waited for their leases. */
export async function recheckTargets(run: RecoveryRun, plan: FrozenRecoveryPlan, instanceIds: string[]): Promise<void> {
  const ids = new Set(instanceIds.filter((id) => run.target(id).status === 'pending'));
  if (ids.size === 0) return;
  const items = plan.items
    .map((item) => ({ ...item, instanceIds: item.instanceIds.filter((id) => ids.has(id)) }))
    .filter((item) => item.instanceIds.length > 0);
  const result = await preflight({ items, verification: plan.verification });
  const verdicts = new Map(result.targets.map((t) => [t.instanceId, t]));
  for (const id of ids) {
    run.target(id).message = undefined;
    applyTargetVerdict(run, plan, id, verdicts.get(id));
  }
}

function applyTargetVerdict(run: RecoveryRun, plan: FrozenRecoveryPlan, instanceId: string, verdict: TargetPreflight | undefined): void {
  if (!verdict) {
    run.finish(instanceId, 'skipped', { reason: 'InstanceNotFound', message: 'preflight returned no verdict for this instance' });
    return;
  }
  if (!verdict.ok) {
    run.skip(instanceId, verdict, 'InstanceNotFound');
    return;
  }
  const refusal = refusalForExistingApp(plan.existingApp, verdict.existingPackages);
  if (refusal) run.finish(instanceId, 'skipped', refusal);
  else run.recordExistingApps(instanceId, verdict.existingPackages);
}
