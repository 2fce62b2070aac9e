// bulkMigration: restores thousands of targets by running recoverApp children over chunks of whole
// items, a sliding window of children at a time, in waves that pause on a high failure rate.
// History cost per chunk is one child start and one child result; continue-as-new carries only the
// remaining chunks, counts and compact rows.
import {
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  makeContinueAsNewFunc,
  patched,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { invalidInputFailure } from './failures';
import { runSettingsForUnfrozenInput } from './freeze';
import type { RecoverAppInput } from './input';
import { MAX_WINDOW, countTargets, parseMigrationPlan, type MigrationOptions, type MigrationPlanInput } from './plan';
import { MIGRATION_KIND, RECOVER_APP_WORKFLOW, recoveryStartSearchAttributes, type RecoveryResult } from './types';
import { announceMigrationOutcome, markKindBeforeValidation } from './visibility';
import { buildSchedule, type Chunk } from './bulk/chunks';
import { cancelMigrationUpdate, migrationProgressQuery, pauseUpdate, resumeUpdate, setWindowUpdate } from './bulk/messages';
import { MigrationTracker, initialSnapshot, type TrackerSnapshot } from './bulk/tracker';
import type { MigrationResult } from './bulk/types';

/** The shape of the child; declared here so this file never imports the recovery workflow's code. */
type RecoverAppWorkflow = (input: RecoverAppInput) => Promise<RecoveryResult>;

/** What a continue-as-new hands the next run: options, the chunks not yet started, the bookkeeping. */
export interface MigrationContinuation {
  continuation: { options: MigrationOptions; remaining: Chunk[]; tracker: TrackerSnapshot };
}

export type BulkMigrationInput = MigrationPlanInput | MigrationContinuation;

export async function bulkMigration(input: BulkMigrationInput): Promise<MigrationResult> {
  const { options, remaining, tracker } = start(input);
  const migrationId = workflowInfo().workflowId;
  let finished = false;

  setHandler(migrationProgressQuery, () => tracker.progress(migrationId, finished));
  setHandler(
    setWindowUpdate,
    (window) => {
      tracker.setWindow(window);
      return { window };
    },
    {
      validator: (window) => {
        if (!Number.isInteger(window) || window < 1 || window > MAX_WINDOW) throw new Error(`window must be a whole number from 1 to ${MAX_WINDOW}`);
        rejectWhenCancelling(tracker);
      },
    },
  );
  setHandler(
    pauseUpdate,
    (req) => {
      tracker.pause({ by: 'operator', reason: req?.reason ?? 'paused by operator' });
      return { paused: true };
    },
    { validator: (_req?: { reason?: string }) => rejectWhenCancelling(tracker) },
  );
  setHandler(
    resumeUpdate,
    () => {
      tracker.resume();
      return { paused: false };
    },
    { validator: () => rejectWhenCancelling(tracker) },
  );

  // Children start inside this scope, so the cancel update and a workflow cancellation both reach them.
  const childrenScope = new CancellationScope();
  setHandler(
    cancelMigrationUpdate,
    (req) => {
      tracker.cancelRequested = true;
      tracker.cancelReason = req?.reason;
      childrenScope.cancel();
      return { cancelling: true as const, running: tracker.running };
    },
    { validator: (_req?: { reason?: string }) => rejectWhenCancelling(tracker) },
  );

  const launch = (chunk: Chunk): void => {
    tracker.launched(chunk);
    void runChild(migrationId, chunk, options, tracker);
  };

  let next = 0;
  try {
    await childrenScope.run(async () => {
      for (; next < remaining.length; next++) {
        const chunk = remaining[next]!;
        await closeWavesBefore(chunk.wave, tracker, options);
        await condition(() => !tracker.paused && tracker.running < tracker.window);
        const movesToNewBuild = newBuildIsCurrent();
        if (movesToNewBuild || shouldContinueAsNew(tracker, options)) {
          // Children must not outlive this run: their parent-close policy would cancel them.
          await condition(() => tracker.running === 0);
          await condition(allHandlersFinished);
          log.info('bulk migration continues as new', { remainingChunks: remaining.length - next, movesToNewBuild });
          const continuation: MigrationContinuation = { continuation: { options, remaining: remaining.slice(next), tracker: tracker.snapshot() } };
          if (movesToNewBuild) await makeContinueAsNewFunc<typeof bulkMigration>({ initialVersioningBehavior: 'AUTO_UPGRADE' })(continuation);
          await continueAsNew<typeof bulkMigration>(continuation);
        }
        launch(chunk);
      }
      await condition(() => tracker.running === 0);
      for (let w = 0; w < tracker.s.waves.length; w++) tracker.closeWave(w, Number.POSITIVE_INFINITY);
    });
  } catch (err) {
    if (!isCancellation(err)) throw err;
    tracker.cancelRequested = true;
    // Whether the cancel update or a workflow cancellation: wait until every child has cleaned up.
    await CancellationScope.nonCancellable(async () => {
      await condition(() => tracker.running === 0);
      tracker.notStarted(remaining.slice(next));
    });
    for (let w = 0; w < tracker.s.waves.length; w++) tracker.closeWave(w, Number.POSITIVE_INFINITY);
    if (CancellationScope.current().consideredCancelled) {
      finished = true;
      throw err; // the workflow itself was cancelled: close as cancelled
    }
  }
  finished = true;
  await condition(allHandlersFinished);
  const result = tracker.result(migrationId);
  announceMigrationOutcome(result.outcome);
  return result;
}

function start(input: BulkMigrationInput): { options: MigrationOptions; remaining: Chunk[]; tracker: MigrationTracker } {
  if ('continuation' in input) {
    const { options, remaining, tracker } = input.continuation;
    return { options, remaining, tracker: new MigrationTracker(tracker) };
  }
  // Marked first, so a plan rejected here still lists as a failed migration.
  markKindBeforeValidation(MIGRATION_KIND);
  const parsed = parseMigrationPlan(input);
  if (!parsed.ok) {
    throw invalidInputFailure('invalid migration plan', parsed.issues);
  }
  const { items } = parsed.plan;
  // Every child gets the same run settings, whenever it starts (docs/versioning.md).
  const options = { ...parsed.plan.options, runSettings: parsed.plan.options.runSettings ?? runSettingsForUnfrozenInput() };
  const schedule = buildSchedule(items, options);
  return { options, remaining: schedule.chunks, tracker: new MigrationTracker(initialSnapshot(schedule.waves, countTargets(parsed.plan), options.maxConcurrentChildren)) };
}

/** Wave barrier: a wave starts only when the ones before it finished and did not trip the failure threshold. */
async function closeWavesBefore(wave: number, tracker: MigrationTracker, options: MigrationOptions): Promise<void> {
  for (let w = 0; w < wave; w++) {
    const state = tracker.s.waves[w]?.state;
    if (state === 'done') continue;
    await condition(() => tracker.waveFinished(w));
    if (tracker.closeWave(w, options.waves.pauseOnFailureRate)) {
      const closed = tracker.s.waves[w]!;
      closed.pausedMigration = true;
      const rate = Math.round((closed.failureRate ?? 0) * 1000) / 10;
      tracker.pause({
        by: 'failure-rate',
        reason: `${closed.kind} ${w} failure rate ${rate}% (${closed.failed} of ${closed.verified + closed.failed + closed.skipped}) is above ${options.waves.pauseOnFailureRate * 100}%; resume to continue`,
      });
      log.warn('bulk migration paused on failure rate', { wave: w, failureRate: closed.failureRate });
    }
  }
}

/**
 * A pinned migration runs for days; when a new build of its Worker Deployment becomes current, it
 * continues as new onto that build at the next chunk boundary, once its running children (pinned to the
 * old build) have finished (docs/versioning.md). Behind patched(): it adds a continue-as-new that runs
 * started before this release never issued.
 */
function newBuildIsCurrent(): boolean {
  return workflowInfo().targetWorkerDeploymentVersionChanged && patched('migration-moves-to-current-build');
}

function shouldContinueAsNew(tracker: MigrationTracker, options: MigrationOptions): boolean {
  if (workflowInfo().continueAsNewSuggested) return true;
  return options.continueAsNewAfterChildren !== undefined && tracker.startedThisRun >= options.continueAsNewAfterChildren;
}

async function runChild(migrationId: string, chunk: Chunk, options: MigrationOptions, tracker: MigrationTracker): Promise<void> {
  try {
    const child = await startChild<RecoverAppWorkflow>(RECOVER_APP_WORKFLOW, {
      workflowId: `${migrationId}/${chunk.index}`,
      args: [childInput(chunk, options)],
      parentClosePolicy: 'REQUEST_CANCEL',
      // Wait for the child's own cleanup (leases, snapshots) before counting it as cancelled.
      cancellationType: 'WAIT_CANCELLATION_COMPLETED',
      // The same attributes a recovery started by an operator gets, so children show in recovery lists.
      typedSearchAttributes: recoveryStartSearchAttributes(
        chunk.items.map((item) => item.backupFileId),
        chunk.targets,
      ),
    });
    tracker.chunkFinished(chunk, await child.result());
  } catch (err) {
    if (!isCancellation(err)) log.warn('recovery child failed', { chunk: chunk.index, error: err instanceof Error ? err.message : String(err) });
    tracker.chunkAborted(chunk, isCancellation(err) ? 'cancelled' : 'failed');
  }
}

function childInput(chunk: Chunk, options: MigrationOptions): RecoverAppInput {
  const { itemsPerChild: _c, maxConcurrentChildren: _w, waves: _v, continueAsNewAfterChildren: _n, ...recovery } = options;
  return { schemaVersion: 1, ...recovery, items: chunk.items };
}

function rejectWhenCancelling(tracker: MigrationTracker): void {
  if (tracker.cancelRequested) throw new Error('the migration is being cancelled');
}
