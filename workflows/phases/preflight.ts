// Phase 1, preflight: read-only checks of every backup and target before anything is changed. A target
// that cannot be recovered safely is skipped with the reason, never attempted.
import type { TargetPreflight } from '../../activities/recovery/contract';
import { refusalForExistingApp } from '../existing-app';
import type { FrozenRecoveryPlan } from '../freeze';
import type { RecoveryRun } from '../recovery-run';
import { activitiesFor, describeLeases } from './activities';
import { activityGaveUp } from './errors';
import { enterPhase } from './report';
import { crossRegionRefusal, laneOf } from '../regions';
import type { RecoveryItem } from '../input';

export interface Checked {
  /**
   * Targets that looked unusable only because another recovery is working on them (they hold its
   * lease): the lease phase waits for them or reports them busy, and then checks them again.
   */
  deferred: Set<string>;
}

export async function checkTargets(run: RecoveryRun, plan: FrozenRecoveryPlan): Promise<Checked> {
  enterPhase(run, 'preflight');
  refuseCrossRegion(run, plan);
  const result = await preflightPerLane(
    run,
    plan,
    plan.items.filter((item) => !crossRegionRefusal(item)),
  );

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
  const result = await preflightPerLane(run, plan, items);
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

/** Targets whose backup lives in another region without a reachable upload endpoint are never attempted. */
function refuseCrossRegion(run: RecoveryRun, plan: FrozenRecoveryPlan): void {
  for (const item of plan.items) {
    const why = crossRegionRefusal(item);
    if (why) for (const id of item.instanceIds) run.finish(id, 'skipped', { reason: 'CrossRegionUnreachable', message: why });
  }
}

type PreflightResult = Awaited<ReturnType<ReturnType<typeof activitiesFor>['preflight']>>;

/**
 * One preflight per lane (region / account), run side by side; without regions this is the one call it
 * always was. A region lane no worker answers for skips its targets (RegionUnavailable); the default
 * lane's failures fail the run as before.
 */
async function preflightPerLane(run: RecoveryRun, plan: FrozenRecoveryPlan, items: RecoveryItem[]): Promise<PreflightResult> {
  const lanes = new Map<string | undefined, RecoveryItem[]>();
  for (const item of items) lanes.set(laneOf(item), [...(lanes.get(laneOf(item)) ?? []), item]);
  if (lanes.size === 0) return { backups: [], targets: [] };
  const results = await Promise.all(
    [...lanes].map(async ([lane, laneItems]): Promise<PreflightResult> => {
      const request = { items: laneItems, verification: plan.verification };
      if (lane === undefined) return activitiesFor(lane).preflight(request);
      try {
        return await activitiesFor(lane).preflight(request);
      } catch (err) {
        const why = activityGaveUp(err);
        const region = laneItems[0]?.region ?? lane;
        for (const item of laneItems) {
          for (const id of item.instanceIds) {
            run.finish(id, 'skipped', {
              reason: 'RegionUnavailable',
              message: `no worker answered for region ${lane}: is ${region} in the worker's regions file (CPR_REGIONS_FILE)? ${why}`,
            });
          }
        }
        return { backups: [], targets: [] };
      }
    }),
  );
  return { backups: results.flatMap((r) => r.backups), targets: results.flatMap((r) => r.targets) };
}
