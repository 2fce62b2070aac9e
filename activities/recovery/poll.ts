// pollTasks: one heartbeating activity watches a batch of vendor child tasks. DescribeTasks with ≤100
// IDs per call; adaptive interval (min → ×1.5 while nothing changes → max, never sleeping past the
// earliest task deadline); throttling only slows it down; resumes from heartbeat details after a crash.
import { activityInfo, log } from '@temporalio/activity';
import {
  describeTasksByIds,
  isEcpError,
  isKnownInstanceStatus,
  MAX_TASK_IDS_PER_CALL,
  parseVendorTime,
  TASK_STATUSES_FAILED,
  TASK_STATUSES_SUCCEEDED,
  type Task,
} from '../ecp';
import type { PolledTask, PollTasksRequest, PollTasksResult, TaskOutcome } from './contract';
import { chunk } from '../../workflows/collections';
import { activityHeartbeat, sleepWithHeartbeat, workflowIdOf } from '../activity-context';
import type { RecoveryDeps } from './deps';
import { failureNeedsObservation, isPermanentTaskFailureCode, judgeTaskFailure } from './observed-state';
import { readBackupStatus, readInstanceStatuses } from './observe';
import { BatchCadence, recoveryTaskDurations } from './poll-cadence';

/** The code-only verdict (the common case); codes the product does not know are judged from state in pollTasks. */
export function isRetryableFailure(code: string | undefined): boolean {
  return !isPermanentTaskFailureCode(code);
}

const lower = (list: readonly string[]): Set<string> => new Set(list.map((s) => s.toLowerCase()));
const TERMINAL_OK = lower(TASK_STATUSES_SUCCEEDED);
const TERMINAL_FAILED = lower(TASK_STATUSES_FAILED);

/** Consecutive rounds that all failed with a transient error before the activity gives up (Temporal retries). */
const MAX_FAILED_ROUNDS = 5;

export interface PollCheckpoint {
  v: 1;
  outcomes: Record<string, TaskOutcome>;
  intervalMs: number;
  describeCalls: number;
  throttled: number;
}

function readCheckpoint(raw: unknown, minMs: number): PollCheckpoint {
  const c = raw as Partial<PollCheckpoint> | undefined;
  if (c && c.v === 1 && c.outcomes && typeof c.outcomes === 'object') {
    return {
      v: 1,
      outcomes: { ...c.outcomes },
      intervalMs: c.intervalMs ?? minMs,
      describeCalls: c.describeCalls ?? 0,
      throttled: c.throttled ?? 0,
    };
  }
  return { v: 1, outcomes: {}, intervalMs: minMs, describeCalls: 0, throttled: 0 };
}

function isTerminal(o: TaskOutcome | undefined): boolean {
  return o !== undefined && o.status !== 'pending';
}

function toIso(vendorTime: string | undefined): string | undefined {
  if (!vendorTime) return undefined;
  return parseVendorTime(vendorTime)?.toISOString();
}

/** Maps one vendor task to an outcome; undefined while it is still running. Pure. */
export function outcomeOf(task: Task, ref: { instanceId: string; taskId: string }): TaskOutcome | undefined {
  const status = String(task.status).toLowerCase();
  const finishedAt = toIso(task.finishTime);
  if (TERMINAL_OK.has(status)) {
    return { instanceId: ref.instanceId, taskId: ref.taskId, status: 'finished', retryable: false, ...(finishedAt ? { finishedAt } : {}) };
  }
  if (TERMINAL_FAILED.has(status)) {
    const errorCode = task.errorCode ?? (status === 'failed' ? undefined : task.status);
    return {
      instanceId: ref.instanceId,
      taskId: ref.taskId,
      status: 'failed',
      retryable: isRetryableFailure(errorCode),
      ...(errorCode ? { errorCode } : {}),
      ...(task.errorMessage ? { errorMessage: task.errorMessage } : {}),
      ...(finishedAt ? { finishedAt } : {}),
    };
  }
  return undefined;
}

/**
 * A failure with a code the product does not know: read the instance, the backup and the target's
 * earlier tasks, and let observed-state.ts decide whether a new attempt can pass. Undefined when the
 * reads failed transiently: the task is looked at again next round.
 */
async function judgeFromState(
  deps: RecoveryDeps,
  outcome: TaskOutcome,
  ref: PolledTask,
  beat: () => void,
): Promise<TaskOutcome | undefined> {
  try {
    const earlier = ref.earlierTaskIds?.length
      ? await describeTasksByIds(deps.ecp, ref.earlierTaskIds, { pageSize: MAX_TASK_IDS_PER_CALL })
      : [];
    const sameCodeBefore = earlier.some(
      (t) => t.taskId !== ref.taskId && TERMINAL_FAILED.has(String(t.status).toLowerCase()) && t.errorCode === outcome.errorCode,
    );
    const statuses = await readInstanceStatuses(deps, [ref.instanceId], beat);
    const backupStatus = ref.backupFileId ? await readBackupStatus(deps, ref.backupFileId, beat) : BACKUP_NOT_READ;
    const judged = judgeTaskFailure({
      errorCode: outcome.errorCode,
      instanceStatus: statuses.get(ref.instanceId),
      backupStatus: backupStatus === BACKUP_NOT_READ ? 'AVAILABLE' : backupStatus,
      observed: true,
      sameCodeBefore,
    });
    return { ...outcome, retryable: judged.retryable, ...(judged.basis ? { decidedBy: judged.basis } : {}) };
  } catch (err) {
    if (isEcpError(err) && (err.kind === 'throttled' || err.kind === 'transient')) return undefined;
    const judged = judgeTaskFailure({ errorCode: outcome.errorCode, observed: false, sameCodeBefore: false });
    return { ...outcome, retryable: judged.retryable, ...(judged.basis ? { decidedBy: judged.basis } : {}) };
  }
}

/** Requests of workflows started before backupFileId was sent: the backup was AVAILABLE at preflight. */
const BACKUP_NOT_READ = Symbol('backup not read');

export async function pollTasks(deps: RecoveryDeps, req: PollTasksRequest): Promise<PollTasksResult> {
  const min = Math.max(1, req.pollIntervalMinMs);
  const max = Math.max(min, req.pollIntervalMaxMs);
  const state = readCheckpoint(activityInfo().heartbeatDetails, min);
  const beat = activityHeartbeat(() => state);
  const started = deps.now();
  const stopAt = started + req.maxDurationMs;
  const refs = new Map(req.tasks.map((t) => [t.taskId, t]));
  const deadlineOf = (t: PollTasksRequest['tasks'][number]): number => Date.parse(t.submittedAt) + req.taskTimeoutMs;
  const countingClient = {
    describeTasks: (r: Parameters<RecoveryDeps['ecp']['describeTasks']>[0]) => {
      state.describeCalls++;
      return deps.ecp.describeTasks(r);
    },
  };
  let failedRounds = 0;
  // Cadence (poll-cadence.ts): the first look waits for the learned time until a batch is all done,
  // counted from when this activity was scheduled (right after the batch's last RecoverApp call);
  // a retried activity's tasks may be older, so it looks at once.
  const fresh = activityInfo().attempt === 1 && Object.keys(state.outcomes).length === 0;
  const cadence = new BatchCadence(
    recoveryTaskDurations.of(workflowIdOf()),
    fresh ? activityInfo().currentAttemptScheduledTimestampMs : undefined,
    deps.now(),
  );
  await sleepWithHeartbeat(cadence.firstLookDelayMs(deps.now()), beat);

  for (;;) {
    const pending = [...refs.values()].filter((t) => !isTerminal(state.outcomes[t.taskId]));
    if (pending.length === 0) break;
    const lookAt = deps.now();

    let changed = false;
    let throttledThisRound = false;
    let transientError: unknown;
    for (const ids of chunk(
      pending.map((t) => t.taskId),
      MAX_TASK_IDS_PER_CALL,
    )) {
      let tasks: Task[];
      try {
        tasks = await describeTasksByIds(countingClient, ids, { pageSize: MAX_TASK_IDS_PER_CALL });
      } catch (err) {
        if (isEcpError(err) && err.kind === 'throttled') {
          state.throttled++;
          throttledThisRound = true;
          break; // the rest of this round would be throttled too
        }
        if (isEcpError(err) && err.kind === 'transient') {
          transientError = err;
          log.warn('DescribeTasks failed; will retry next round', { workflowId: workflowIdOf(), code: err.code, requestId: err.requestId });
          break;
        }
        throw err;
      }
      for (const task of tasks) {
        const ref = refs.get(task.taskId);
        if (!ref || isTerminal(state.outcomes[task.taskId])) continue;
        let outcome = outcomeOf(task, ref);
        if (!outcome && task.instanceStatus && !isKnownInstanceStatus(task.instanceStatus)) {
          // Reported, never decided on: while the task runs, its own status decides.
          log.info('instance shows a status the product does not know while its task runs', {
            workflowId: workflowIdOf(),
            instanceId: ref.instanceId,
            taskId: ref.taskId,
            instanceStatus: task.instanceStatus,
          });
        }
        if (outcome?.status === 'failed' && failureNeedsObservation(outcome.errorCode)) {
          outcome = await judgeFromState(deps, outcome, ref, beat);
        }
        if (outcome) {
          state.outcomes[task.taskId] = outcome;
          changed = true;
          if (outcome.status === 'failed') {
            log.info('recovery task failed', {
              workflowId: workflowIdOf(),
              instanceId: ref.instanceId,
              taskId: ref.taskId,
              errorCode: outcome.errorCode,
              retryable: outcome.retryable,
              decidedBy: outcome.decidedBy,
            });
          }
        }
      }
    }
    if (!transientError && !throttledThisRound)
      cadence.looked(
        lookAt,
        [...refs.values()].every((t) => isTerminal(state.outcomes[t.taskId])),
      );
    failedRounds = transientError ? failedRounds + 1 : 0;
    if (failedRounds >= MAX_FAILED_ROUNDS) {
      beat();
      throw transientError;
    }

    // Past their deadline, still-running tasks are reported as timed out (the workflow decides what next).
    const now = deps.now();
    for (const t of pending) {
      if (!isTerminal(state.outcomes[t.taskId]) && now >= deadlineOf(t)) {
        state.outcomes[t.taskId] = {
          instanceId: t.instanceId,
          taskId: t.taskId,
          status: 'timeout',
          retryable: true,
          errorCode: 'TaskTimeout',
          errorMessage: `still running ${req.taskTimeoutMs} ms after submission`,
        };
        changed = true;
      }
    }

    if (throttledThisRound) state.intervalMs = Math.min(max, state.intervalMs * 2);
    else if (changed) state.intervalMs = min;
    else state.intervalMs = Math.min(max, Math.round(state.intervalMs * 1.5));
    beat();

    const stillPending = [...refs.values()].filter((t) => !isTerminal(state.outcomes[t.taskId]));
    if (stillPending.length === 0 || now >= stopAt) break;
    const earliestDeadline = Math.min(...stillPending.map(deadlineOf));
    const wait = Math.max(0, Math.min(state.intervalMs, cadence.nextLookWithinMs(now), earliestDeadline - now, stopAt - now));
    await sleepWithHeartbeat(Math.max(1, wait), beat);
  }

  const outcomes = req.tasks.map(
    (t) => state.outcomes[t.taskId] ?? { instanceId: t.instanceId, taskId: t.taskId, status: 'pending' as const, retryable: true },
  );
  return { outcomes, describeCalls: state.describeCalls, throttled: state.throttled };
}
