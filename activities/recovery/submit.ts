// submitRecoveries: RecoverApp for every target, with at most ONE vendor recovery task per target per
// attempt (docs/design.md, invariant 1) whatever is retried. RecoverApp has no client token, so safety
// comes from:
//  1. recording every returned task ID in heartbeat details at once (a retried activity skips them);
//  2. reconciling before any re-submit — on activity attempt > 1, or after an ambiguous failure (the
//     call may have been applied) — by listing the instance's level-2 tasks since the attempt started
//     and adopting a recovery task found there;
//  3. retrying throttled calls (never applied) inside the activity instead of failing;
//  4. after a refused call, reading the backup and every instance (status, tasks) before splitting,
//     re-sending or giving up, instead of trusting the error code (observed-state.ts).
// On a workflow retry attempt, instances a failed task left RECOVER_FAILED are started first, and
// instances in a passing or unknown status are waited for (restart.ts): RecoverApp needs RUNNING.
import { activityInfo, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  BACKUP_LEVEL_REJECTION_CODES,
  BACKUP_READY,
  INSTANCE_READY,
  isEcpError,
  isKnownBackupFileStatus,
  isKnownInstanceStatus,
  isRefusal,
  type EcpError,
  type Task,
} from '../ecp';
import type { RecoveryGroup, SubmitRecoveriesRequest, SubmitRecoveriesResult, SubmittedTask, Verdict } from './contract';
import { chunk } from '../../workflows/collections';
import { FailureType } from '../../workflows/failures';
import { activityHeartbeat, sleepWithHeartbeat, workflowIdOf } from '../activity-context';
import { mapBounded } from '../concurrency';
import { withThrottleRetry } from '../vendor-calls';
import type { RecoveryDeps } from './deps';
import { backupBlocksRecovery, describeStatus, instanceCondition, stepAfterRejection } from './observed-state';
import { readBackupStatus, readInstanceStatuses, readInstanceTasks, vendorTimeMs } from './observe';
import { restartRecoverFailed } from './restart';

/**
 * Vendor task StartTime has whole-second resolution and the vendor's clock is not ours. A task counts
 * as this attempt's when it started no earlier than attemptStartedAt minus this allowance. Kept small on
 * purpose: an earlier attempt's task is additionally excluded when it finished before the attempt began
 * (a task of this attempt cannot have), which covers the fast-failure case a larger window would open.
 */
export const CLOCK_SKEW_ALLOWANCE_MS = 5_000;

/** TaskTypes that are certainly not an app recovery (ours or anyone's). Unknown types are adopted. */
const NON_RECOVERY_TASK_TYPES = new Set([
  'RunCommand',
  'BackupApp',
  'BackupFile',
  'StartInstance',
  'StopInstance',
  'RebootInstance',
  'ResetInstance',
  'InstallApp',
  'UninstallApp',
  'StartApp',
  'StopApp',
  'RestartApp',
  'SendFile',
  'FetchFile',
  'Screenshot',
  'UpdateGroupImage',
]);

const MAX_AMBIGUOUS_RETRIES = 3;

type Rejection = { instanceId: string } & Verdict;

/** Heartbeat details: everything submitted or rejected so far, keyed by instance. */
export interface SubmitCheckpoint {
  v: 1;
  attemptStartedAt: string;
  submitted: Record<string, { taskId: string; adopted: boolean }>;
  rejected: Record<string, Omit<Rejection, 'instanceId'>>;
}

function readCheckpoint(raw: unknown, attemptStartedAt: string): SubmitCheckpoint {
  const c = raw as Partial<SubmitCheckpoint> | undefined;
  // Details of another workflow attempt (different start) must not be reused.
  if (c && c.v === 1 && c.attemptStartedAt === attemptStartedAt && c.submitted && c.rejected) {
    return { v: 1, attemptStartedAt, submitted: { ...c.submitted }, rejected: { ...c.rejected } };
  }
  return { v: 1, attemptStartedAt, submitted: {}, rejected: {} };
}

export function looksLikeRecovery(taskType: string | undefined): boolean {
  if (!taskType) return true;
  return /recover/i.test(taskType) || !NON_RECOVERY_TASK_TYPES.has(taskType);
}

/** Picks the task this attempt created on the instance, if any (pure; exported for tests). */
export function pickAdoptable(
  tasks: readonly Task[],
  instanceId: string,
  attemptStartedAtMs: number,
  earlierTaskIds: ReadonlySet<string> = new Set(),
): Task | undefined {
  const since = attemptStartedAtMs - CLOCK_SKEW_ALLOWANCE_MS;
  const candidates = tasks.filter((t) => {
    // A task of an earlier attempt of this run is never this attempt's, however close in time.
    if (earlierTaskIds.has(t.taskId)) return false;
    if (t.instanceId !== undefined && t.instanceId !== instanceId) return false;
    if (t.level !== undefined && t.level !== 2) return false;
    if (!looksLikeRecovery(t.taskType)) return false;
    const started = timeOf(t.startTime);
    if (started === undefined || started < since) return false;
    const finished = timeOf(t.finishTime);
    // +1 s: FinishTime is truncated to whole seconds, so a task of this attempt may show a slightly earlier one.
    if (finished !== undefined && finished + 1000 < attemptStartedAtMs) return false;
    return true;
  });
  // The earliest one: if there ever were two, the first is what the instance is running.
  return candidates.sort((a, b) => (timeOf(a.startTime) ?? 0) - (timeOf(b.startTime) ?? 0))[0];
}

const timeOf = vendorTimeMs;

export async function submitRecoveries(deps: RecoveryDeps, req: SubmitRecoveriesRequest): Promise<SubmitRecoveriesResult> {
  const info = activityInfo();
  const startedAtMs = Date.parse(req.attemptStartedAt);
  if (!Number.isFinite(startedAtMs)) {
    throw ApplicationFailure.nonRetryable('attemptStartedAt must be an ISO timestamp', FailureType.InvalidActivityRequest);
  }
  const chunkSize = Math.max(1, Math.min(50, Math.floor(req.chunkSize)));
  const earlierTaskIds = new Set(req.earlierTaskIds ?? []);
  const state = readCheckpoint(info.heartbeatDetails, req.attemptStartedAt);
  const beat = activityHeartbeat(() => state);
  const wf = workflowIdOf();
  // A retried activity may have sent calls whose replies (and heartbeats) never arrived.
  const retried = info.attempt > 1;

  const seen = new Set<string>();
  const work: { group: RecoveryGroup; ids: string[] }[] = [];
  for (const group of req.groups) {
    const ids = group.instanceIds.filter((id) => !seen.has(id) && (seen.add(id), true));
    const pending = ids.filter((id) => !state.submitted[id] && !state.rejected[id]);
    for (const c of chunk(pending, chunkSize)) work.push({ group, ids: c });
  }
  if (retried)
    log.info('submitRecoveries retried; reconciling unrecorded targets before any RecoverApp', {
      workflowId: wf,
      attempt: info.attempt,
      unrecorded: work.reduce((n, w) => n + w.ids.length, 0),
    });

  const adoptFor = async (ids: string[]): Promise<string[]> => {
    const left: string[] = [];
    await mapBounded(ids, deps.concurrency, async (instanceId) => {
      const tasks = await readInstanceTasks(deps, instanceId, beat);
      const found = pickAdoptable(tasks, instanceId, startedAtMs, earlierTaskIds);
      if (found) {
        state.submitted[instanceId] = { taskId: found.taskId, adopted: true };
        log.info('adopted an existing recovery task instead of re-submitting', {
          workflowId: wf,
          instanceId,
          taskId: found.taskId,
          taskType: found.taskType,
        });
        beat();
      } else {
        left.push(instanceId);
      }
    });
    return left;
  };

  const reject = (ids: string[], err: EcpError): void => {
    for (const instanceId of ids) {
      state.rejected[instanceId] = {
        ok: false,
        reason: 'RecoverRejected',
        message: `RecoverApp rejected for ${instanceId}: ${err.code}: ${err.vendorMessage}`,
        evidence: { detail: err.code, found: err.vendorMessage },
      };
    }
    beat();
  };

  /** Not sent again: the instance is not RUNNING (or gone). The vendor's code and words and the raw status are kept. */
  const rejectNotReady = (instanceId: string, rawStatus: string | undefined, err: EcpError): void => {
    const status = describeStatus(rawStatus, isKnownInstanceStatus);
    state.rejected[instanceId] = {
      ok: false,
      reason: 'RecoverRejected',
      message: `RecoverApp not sent to ${instanceId} again: it is ${status}, not RUNNING (after ${err.code}: ${err.vendorMessage})`,
      evidence: { detail: err.code, expected: INSTANCE_READY, found: rawStatus ?? 'gone' },
    };
  };

  /**
   * After a refused RecoverApp: look at the backup and at every instance before splitting, resending or
   * giving up. A task this attempt already created is adopted; an instance that is not RUNNING is not
   * sent again; a backup that is gone or unusable fails the whole call. Only RUNNING instances without a
   * task are sent again, and only once the instances that explain the refusal are out of the call.
   */
  const afterRefusal = async (group: RecoveryGroup, ids: string[], err: EcpError, ambiguousLeft: number): Promise<void> => {
    const b = group.backup;
    const left = await adoptFor(ids);
    if (left.length === 0) return;
    const backupStatus = await readBackupStatus(deps, b.backupFileId, beat);
    if (backupBlocksRecovery(backupStatus)) {
      const status = describeStatus(backupStatus, isKnownBackupFileStatus);
      for (const instanceId of left) {
        state.rejected[instanceId] = {
          ok: false,
          reason: 'RecoverRejected',
          message: `RecoverApp rejected for ${instanceId}: backup ${b.backupFileId} is ${status} (${err.code}: ${err.vendorMessage})`,
          evidence: { detail: err.code, expected: BACKUP_READY, found: backupStatus ?? 'gone' },
        };
      }
      beat();
      return;
    }
    if (BACKUP_LEVEL_REJECTION_CODES.includes(err.code)) {
      log.info('a backup-level rejection code, but the backup looks usable; judging per instance', {
        workflowId: wf,
        code: err.code,
        backupStatus,
      });
    }
    const statuses = await readInstanceStatuses(deps, left, beat);
    const resend: string[] = [];
    for (const instanceId of left) {
      const step = stepAfterRejection({ instanceId, status: statuses.get(instanceId) });
      if (step.kind === 'not-ready') rejectNotReady(instanceId, statuses.get(instanceId), err);
      else resend.push(instanceId);
    }
    beat();
    if (resend.length === 0) return;
    if (resend.length < ids.length) return send(group, resend, ambiguousLeft);
    // Every instance is RUNNING without a task and the backup is usable: the vendor's reason is not
    // visible in state. Give up on a single instance; isolate it in a larger call.
    if (resend.length === 1) return reject(resend, err);
    const named = resend.filter((id) => err.vendorMessage.includes(id));
    if (named.length === 1) {
      reject(named, err);
      return send(
        group,
        resend.filter((id) => id !== named[0]),
        ambiguousLeft,
      );
    }
    const mid = Math.ceil(resend.length / 2);
    await send(group, resend.slice(0, mid), ambiguousLeft);
    return send(group, resend.slice(mid), ambiguousLeft);
  };

  /**
   * After a RecoverApp whose outcome is unknown: wait a moment, adopt what landed, and send again only to
   * RUNNING instances without a task. An instance that is not RUNNING may be running a recovery whose
   * task is not listed yet: it is looked at again (bounded), then given up naming its status.
   */
  const afterAmbiguous = async (group: RecoveryGroup, ids: string[], err: EcpError, triesLeft: number): Promise<void> => {
    await sleepWithHeartbeat(deps.throttleBackoff.initialMs, beat);
    // Only a request we know was never sent can be re-sent without looking.
    if (!err.mayHaveSucceeded) return send(group, ids, triesLeft);
    const left = await adoptFor(ids);
    if (left.length === 0) return;
    const statuses = await readInstanceStatuses(deps, left, beat);
    const ready = left.filter((id) => instanceCondition(statuses.get(id)) === 'ready');
    const notReady = left.filter((id) => !ready.includes(id));
    if (notReady.length > 0) {
      if (triesLeft > 0) await afterAmbiguous(group, notReady, err, triesLeft - 1);
      else {
        for (const id of notReady) rejectNotReady(id, statuses.get(id), err);
        beat();
      }
    }
    return send(group, ready, triesLeft);
  };

  /** Sends one RecoverApp for `ids`; refusals and unknown outcomes are settled by reading vendor state. */
  const send = async (group: RecoveryGroup, ids: string[], ambiguousLeft = MAX_AMBIGUOUS_RETRIES): Promise<void> => {
    if (ids.length === 0) return;
    const b = group.backup;
    try {
      const res = await withThrottleRetry(
        deps,
        'RecoverApp',
        () =>
          deps.ecp.recoverApp({
            instanceIds: ids,
            backupFileId: b.backupFileId,
            backupFilePath: b.backupFilePath,
            uploadType: b.uploadType,
            uploadEndpoint: b.uploadEndpoint,
          }),
        beat,
      );
      for (const t of res.tasks) {
        if (ids.includes(t.instanceId)) state.submitted[t.instanceId] = { taskId: t.taskId, adopted: false };
      }
      beat(); // record before anything else can go wrong
      log.info('RecoverApp submitted', {
        workflowId: wf,
        requestId: res.requestId,
        batchTaskId: res.batchTaskId,
        backupFileId: b.backupFileId,
        instances: ids.length,
      });
      const missing = ids.filter((id) => !state.submitted[id]);
      if (missing.length > 0) {
        // Accepted but without a task for some instance: look before anything else.
        const left = await adoptFor(missing);
        for (const id of left) {
          state.rejected[id] = {
            ok: false,
            reason: 'RecoverRejected',
            message: `RecoverApp returned no task for ${id}`,
            evidence: { detail: 'NoTaskReturned', found: res.requestId },
          };
        }
        beat();
      }
    } catch (err) {
      if (!isEcpError(err)) throw err;
      if (err.kind === 'transient' || (err.kind === 'unknown' && err.mayHaveSucceeded)) {
        if (ambiguousLeft <= 0) throw err;
        log.warn('RecoverApp outcome unknown; reconciling before re-submitting', {
          workflowId: wf,
          code: err.code,
          requestId: err.requestId,
          instances: ids.length,
        });
        return afterAmbiguous(group, ids, err, ambiguousLeft - 1);
      }
      if (isRefusal(err)) {
        log.info('RecoverApp refused; reading instance and backup state before deciding', {
          workflowId: wf,
          code: err.code,
          requestId: err.requestId,
          instances: ids.length,
        });
        return afterRefusal(group, ids, err, ambiguousLeft);
      }
      throw err; // auth and the rest: the activity fails (mapped to a typed failure by the caller)
    }
  };

  // Chunks may run side by side: they touch disjoint instances, and the rate limiter bounds the pace.
  // Order: adopt what an earlier activity attempt created, restart what a failed task left RECOVER_FAILED,
  // then send. Each step reads vendor state first, so a retried activity repeats none of them.
  let chunks = work;
  if (retried) {
    chunks = await mapBounded(work, deps.concurrency, async ({ group, ids }) => ({ group, ids: await adoptFor(ids) }));
  }
  if (req.attempt > 1) {
    // One pass over the whole batch, so the wait for RUNNING is bounded once, not once per chunk.
    const { proceed, rejected } = await restartRecoverFailed(
      deps,
      chunks.flatMap((w) => w.ids),
      beat,
    );
    for (const { instanceId, ...verdict } of rejected) state.rejected[instanceId] = verdict;
    if (rejected.length > 0) beat();
    const ready = new Set(proceed);
    chunks = chunks.map(({ group, ids }) => ({ group, ids: ids.filter((id) => ready.has(id)) }));
  }
  await mapBounded(chunks, deps.concurrency, ({ group, ids }) => send(group, ids));

  const order = req.groups.flatMap((g) => g.instanceIds);
  const unique = [...new Set(order)];
  const submitted: SubmittedTask[] = unique.flatMap((instanceId) => {
    const s = state.submitted[instanceId];
    return s ? [{ instanceId, taskId: s.taskId, adopted: s.adopted }] : [];
  });
  const rejected = unique.flatMap((instanceId) => {
    const r = state.rejected[instanceId];
    return r && !state.submitted[instanceId] ? [{ instanceId, ...r }] : [];
  });
  return { submitted, rejected };
}
