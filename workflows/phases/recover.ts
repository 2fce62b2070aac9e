// Phases 4 and 5, recover and poll: submit RecoverApp for the leased targets in batches across backups,
// watch the vendor tasks with a few long-running polling activities, and send retryable failures back
// for another attempt until limits.maxAttemptsPerInstance.
import { CancellationScope } from '@temporalio/workflow';
import type { RecoveryGroup, TaskOutcome } from '../../activities/recovery/contract';
import type { FrozenRecoveryPlan } from '../freeze';
import { workflowNow } from '../clock';
import type { InFlightTask, RecoveryRun } from '../recovery-run';
import { activitiesFor, pollTasksFor } from './activities';
import { groupByLane, type Lane } from '../regions';
import { forEachWindowed } from './batching';
import { chunk, groupBy } from '../collections';
import { activityGaveUp } from './errors';
import { enterPhase, refreshDetails, waitWhilePaused } from './report';

export async function recoverTargets(run: RecoveryRun, plan: FrozenRecoveryPlan): Promise<void> {
  let due = run.pendingIds();
  for (;;) {
    if (due.length > 0) {
      enterPhase(run, 'recover');
      await submitAttempts(run, plan, due);
    }
    if (run.inFlightTasks().length === 0) return;
    enterPhase(run, 'poll');
    due = await pollRound(run, plan);
  }
}

/** One submit per batch of ≤ runSettings.targetsPerActivity targets; a batch never mixes attempt numbers or lanes. */
async function submitAttempts(run: RecoveryRun, plan: FrozenRecoveryPlan, instanceIds: string[]): Promise<void> {
  const byAttempt = groupBy(instanceIds, (id) => run.target(id).attempts + 1);
  for (const [attempt, attemptIds] of byAttempt) {
    for (const [lane, ids] of groupByLane(plan, attemptIds, (id) => id)) {
      for (const batch of chunk(ids, plan.runSettings.targetsPerActivity)) {
        await waitWhilePaused(run);
        await submitBatch(run, plan, attempt, batch, lane);
      }
    }
  }
}

async function submitBatch(run: RecoveryRun, plan: FrozenRecoveryPlan, attempt: number, batch: string[], lane: Lane): Promise<void> {
  const attemptStartedAt = workflowNow();
  run.beginAttempt(batch, attemptStartedAt);
  const groups: RecoveryGroup[] = [];
  for (const [backupFileId, ids] of groupBy(batch, (id) => run.target(id).backupFileId)) {
    const backup = run.backupFacts(backupFileId);
    if (!backup) throw new TypeError(`no preflight facts for ${backupFileId}`); // preflight skipped these targets
    groups.push({ backup, instanceIds: ids });
  }
  const { submitRecoveries } = activitiesFor(lane);
  let result: Awaited<ReturnType<typeof submitRecoveries>>;
  try {
    // Not cancellable: once RecoverApp may have been sent we must learn the task IDs, or a cancelled run
    // would leave vendor tasks nobody watches.
    result = await CancellationScope.nonCancellable(() =>
      submitRecoveries({
        groups,
        attempt,
        attemptStartedAt,
        chunkSize: plan.limits.recoverChunkSize,
        earlierTaskIds: batch.flatMap((id) => run.target(id).taskIds),
      }),
    );
  } catch (err) {
    const why = activityGaveUp(err);
    for (const id of batch) run.finish(id, 'failed', { reason: 'RecoverRejected', message: `RecoverApp could not be submitted: ${why}` });
    return;
  }
  for (const task of result.submitted) run.recordSubmitted(task.instanceId, task.taskId, attemptStartedAt);
  for (const rejected of result.rejected) {
    run.finish(rejected.instanceId, 'failed', {
      reason: 'RecoverRejected',
      message: rejected.message ?? 'the vendor rejected RecoverApp',
      evidence: rejected.evidence,
    });
  }
  const answered = new Set([...result.submitted.map((t) => t.instanceId), ...result.rejected.map((r) => r.instanceId)]);
  for (const id of batch) {
    if (!answered.has(id))
      run.finish(id, 'failed', { reason: 'RecoverRejected', message: 'RecoverApp returned no task for this instance' });
  }
  refreshDetails(run);
}

/** Polls every in-flight task once (one activity per pollChunkSize tasks); returns targets due for retry. */
async function pollRound(run: RecoveryRun, plan: FrozenRecoveryPlan): Promise<string[]> {
  const retry: string[] = [];
  const { pollRoundMs, pollWindow } = plan.runSettings;
  const chunks = groupByLane(plan, run.inFlightTasks(), (t) => t.instanceId).flatMap(([lane, tasks]) =>
    chunk(tasks, plan.limits.pollChunkSize).map((c) => ({ pollTasks: pollTasksFor(pollRoundMs, lane), tasks: c })),
  );
  await forEachWindowed(chunks, pollWindow, async ({ pollTasks, tasks }) => {
    let outcomes: TaskOutcome[];
    try {
      ({ outcomes } = await pollTasks(pollRequest(run, plan, tasks, pollRoundMs)));
    } catch (err) {
      const why = activityGaveUp(err);
      for (const t of tasks) {
        run.finish(t.instanceId, 'failed', {
          reason: 'TaskFailed',
          message: `could not watch vendor task ${t.taskId}: ${why}`,
          evidence: { found: t.taskId },
        });
      }
      return;
    }
    const now = workflowNow();
    for (const outcome of outcomes) {
      if (run.recordTaskOutcome(outcome, plan.limits.maxAttemptsPerInstance, now) === 'retry') retry.push(outcome.instanceId);
    }
    failOverdue(run, plan, tasks, now);
    refreshDetails(run);
  });
  return retry;
}

/** Backstop against an activity that keeps answering 'pending': the workflow enforces taskTimeoutMs too. */
function failOverdue(run: RecoveryRun, plan: FrozenRecoveryPlan, tasks: InFlightTask[], now: string): void {
  const limit = plan.limits.taskTimeoutMs + plan.runSettings.pollRoundMs;
  for (const task of tasks) {
    const stillWatched = run.inFlightTasks().some((t) => t.taskId === task.taskId);
    if (stillWatched && Date.parse(now) - Date.parse(task.submittedAt) > limit) {
      run.finish(task.instanceId, 'failed', {
        reason: 'TaskTimeout',
        message: `vendor task ${task.taskId} did not finish in time`,
        evidence: { found: task.taskId },
      });
    }
  }
}

function pollRequest(run: RecoveryRun, plan: FrozenRecoveryPlan, tasks: InFlightTask[], maxDurationMs: number) {
  return {
    // The backup and the earlier attempts' tasks let the activity judge a failure whose code it does not
    // know from observed state (activity input only: the commands of a run do not change).
    tasks: tasks.map((t) => {
      const target = run.target(t.instanceId);
      return {
        instanceId: t.instanceId,
        taskId: t.taskId,
        submittedAt: t.submittedAt,
        backupFileId: target.backupFileId,
        earlierTaskIds: target.taskIds.filter((id) => id !== t.taskId),
      };
    }),
    taskTimeoutMs: plan.limits.taskTimeoutMs,
    pollIntervalMinMs: plan.limits.pollIntervalMinMs,
    pollIntervalMaxMs: plan.limits.pollIntervalMaxMs,
    maxDurationMs,
  };
}

/**
 * After a cancel: give vendor tasks already running one bounded poll so the leases are not let go while
 * a task still writes to an instance, then mark every unfinished target cancelled with its task ID.
 * Call inside a non-cancellable scope.
 */
export async function settleAfterCancel(run: RecoveryRun, plan: FrozenRecoveryPlan): Promise<void> {
  const lastKnown = new Map<string, TaskOutcome>();
  const tasks = run.inFlightTasks();
  if (tasks.length > 0) {
    const { cancelSettleMs, pollRoundMs, pollWindow } = plan.runSettings;
    const maxDurationMs = Math.min(cancelSettleMs, plan.limits.taskTimeoutMs);
    const chunks = groupByLane(plan, tasks, (t) => t.instanceId).flatMap(([lane, laneTasks]) =>
      chunk(laneTasks, plan.limits.pollChunkSize).map((c) => ({ pollTasks: pollTasksFor(pollRoundMs, lane), batch: c })),
    );
    await forEachWindowed(chunks, pollWindow, async ({ pollTasks, batch }) => {
      try {
        const { outcomes } = await pollTasks(pollRequest(run, plan, batch, maxDurationMs));
        for (const outcome of outcomes) lastKnown.set(outcome.instanceId, outcome);
      } catch {
        // Best effort: the targets are marked cancelled with their task IDs either way.
      }
    });
  }
  run.cancelRemaining(lastKnown);
}
