// Phase 6, verify: every recovered target is checked for the app (version) and its data against the
// source, plus the configured custom checks. Only a verified target counts towards releasing a backup.
import type { FrozenRecoveryPlan } from '../freeze';
import { workflowNow } from '../clock';
import type { RecoveryRun } from '../recovery-run';
import { activitiesFor } from './activities';
import { groupByLane } from '../regions';
import { forEachWindowed } from './batching';
import { chunk } from '../collections';
import { activityGaveUp } from './errors';
import { enterPhase, refreshDetails, waitWhilePaused } from './report';

export async function verifyRecoveredTargets(run: RecoveryRun, plan: FrozenRecoveryPlan): Promise<void> {
  const ids = run.recoveredIds();
  if (ids.length > 0) {
    enterPhase(run, 'verify');
    const expectations = run.expectations();
    const batches = groupByLane(plan, ids, (id) => id).flatMap(([lane, laneIds]) =>
      chunk(laneIds, plan.runSettings.targetsPerActivity).map((batch) => ({ verifyTargets: activitiesFor(lane).verifyTargets, batch })),
    );
    await forEachWindowed(
      batches,
      plan.runSettings.activityWindow,
      async ({ verifyTargets, batch }) => {
        const targets = batch.map((instanceId) => ({ instanceId, backupFileId: run.target(instanceId).backupFileId }));
        const backupIds = new Set(targets.map((t) => t.backupFileId));
        let outcomes: Awaited<ReturnType<typeof verifyTargets>>;
        try {
          outcomes = await verifyTargets({
            targets,
            expectations: Object.fromEntries(Object.entries(expectations).filter(([id]) => backupIds.has(id))),
            verification: plan.verification,
            chunkSize: plan.limits.verifyChunkSize,
            pollIntervalMs: plan.limits.pollIntervalMinMs,
          });
        } catch (err) {
          const why = activityGaveUp(err);
          for (const id of batch) run.finish(id, 'failed', { reason: 'VerificationError', message: `could not verify: ${why}` });
          return;
        }
        const now = workflowNow();
        const byId = new Map(outcomes.map((o) => [o.instanceId, o]));
        for (const id of batch) {
          run.recordVerdict(
            id,
            byId.get(id) ?? { ok: false, reason: 'VerificationError', message: 'verification returned no verdict' },
            now,
          );
        }
        refreshDetails(run);
      },
      () => waitWhilePaused(run),
    );
  }
  run.verificationComplete = true;
}
