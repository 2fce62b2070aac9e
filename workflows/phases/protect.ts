// Phase 3, protect: before overwriting an app a target already has, snapshot it with BackupApp. No
// snapshot, no overwrite: a target whose snapshot fails is skipped.
import { needsSnapshot } from '../existing-app';
import type { FrozenRecoveryPlan } from '../freeze';
import type { RecoveryRun } from '../recovery-run';
import { activitiesFor } from './activities';
import { targetLanes } from '../regions';
import { forEachWindowed } from './batching';
import { chunk, groupBy } from '../collections';

import { activityGaveUp } from './errors';
import { enterPhase, refreshDetails, waitWhilePaused } from './report';

export async function protectExistingApps(run: RecoveryRun, plan: FrozenRecoveryPlan): Promise<void> {
  const toSnapshot = run.pendingTargets().filter((t) => needsSnapshot(plan.existingApp, run.existingApps(t.instanceId)));
  if (toSnapshot.length === 0) return;
  enterPhase(run, 'protect');

  // One BackupApp destination per (directory, endpoint, lane): default is next to the backup being restored.
  const lanes = targetLanes(plan);
  const destinations = groupBy(toSnapshot, (t) => {
    const facts = run.backupFacts(t.backupFileId);
    const lane = lanes.get(t.instanceId);
    return `${plan.snapshotDirectory ?? directoryOf(facts?.backupFilePath ?? '')}\n${facts?.uploadEndpoint ?? ''}${lane === undefined ? '' : `\n${lane}`}`;
  });
  const calls = [...destinations].flatMap(([key, targets]) => {
    const [directory, endpoint, lane] = key.split('\n') as [string, string, string | undefined];
    return chunk(targets, plan.runSettings.targetsPerActivity).map((batch) => ({ directory, endpoint, lane, batch }));
  });

  await forEachWindowed(
    calls,
    plan.runSettings.activityWindow,
    async ({ directory, endpoint, lane, batch }) => {
      let outcomes: Awaited<ReturnType<ReturnType<typeof activitiesFor>['snapshotApps']>>;
      try {
        outcomes = await activitiesFor(lane).snapshotApps({
          targets: batch.map((t) => ({ instanceId: t.instanceId, packages: run.existingApps(t.instanceId) })),
          directory,
          uploadEndpoint: endpoint || undefined,
          pollIntervalMs: plan.limits.pollIntervalMinMs,
          timeoutMs: plan.limits.taskTimeoutMs,
        });
      } catch (err) {
        const why = activityGaveUp(err);
        for (const t of batch) run.finish(t.instanceId, 'skipped', { reason: 'SnapshotFailed', message: `snapshot failed: ${why}` });
        return;
      }
      const byId = new Map(outcomes.map((o) => [o.instanceId, o]));
      for (const t of batch) {
        const outcome = byId.get(t.instanceId);
        if (outcome?.ok && outcome.backupFileId) run.recordSnapshot(t.instanceId, outcome.backupFileId);
        else
          run.skip(
            t.instanceId,
            { ok: false, reason: 'SnapshotFailed', message: outcome?.message ?? 'no snapshot was made', evidence: outcome?.evidence },
            'SnapshotFailed',
          );
      }
      refreshDetails(run);
    },
    () => waitWhilePaused(run),
  );
}

/** `oss://bucket/dir/file.zip` → `oss://bucket/dir/`. */
export function directoryOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/') + 1);
}
