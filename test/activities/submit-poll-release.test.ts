// Integration: snapshotApps, submitRecoveries (exactly once), pollTasks and releaseBackups against the
// real emulator over signed HTTP, with the emulator's fault injection.
import {
  DEMO_BACKUP_1,
  DEMO_BACKUP_2,
  DEMO_OTHER_IMAGE_TARGET,
  DEMO_STOPPED_TARGET,
  DEMO_TARGETS,
  DEMO_TARGET_WITH_OLD_NOTES,
  DEMO_UPLOAD_ENDPOINT,
} from '../../emulator/demo-seed';
import type { PollTasksRequest, SubmitRecoveriesRequest } from '../../activities/recovery/contract';
import type { SubmitCheckpoint } from '../../activities/recovery/submit';
import type { PollCheckpoint } from '../../activities/recovery/poll';
import { DEMO_BACKUP_1_FACTS, startActivityTestEnv, type ActivityTestEnv } from './emulator-env';

jest.setTimeout(30_000);

let t: ActivityTestEnv;
beforeAll(async () => {
  t = await startActivityTestEnv();
});
afterAll(async () => {
  await t?.close();
});
beforeEach(async () => {
  await t.reset();
});

const BACKUP_1 = DEMO_BACKUP_1_FACTS;

function submitRequest(instanceIds: string[], chunkSize = 50): SubmitRecoveriesRequest {
  return { groups: [{ backup: BACKUP_1, instanceIds }], attempt: 1, attemptStartedAt: new Date().toISOString(), chunkSize };
}

function pollRequest(submitted: { instanceId: string; taskId: string }[], over: Partial<PollTasksRequest> = {}): PollTasksRequest {
  const submittedAt = new Date().toISOString();
  return {
    tasks: submitted.map((s) => ({ ...s, submittedAt })),
    taskTimeoutMs: 5_000,
    pollIntervalMinMs: 10,
    pollIntervalMaxMs: 40,
    maxDurationMs: 10_000,
    ...over,
  };
}

async function recoverTaskCounts(): Promise<Record<string, number>> {
  return (await t.admin.stats()).recoveryTasksByInstance;
}

describe('submitRecoveries', () => {
  it('splits a chunk around a rejected instance and submits the rest in chunks', async () => {
    const ids = [DEMO_TARGETS[0], DEMO_STOPPED_TARGET, DEMO_TARGETS[1], DEMO_TARGETS[2]];
    const { result, heartbeats } = await t.run(t.activities.submitRecoveries, [submitRequest(ids, 2)]);
    expect(result.submitted.map((s) => s.instanceId)).toEqual([DEMO_TARGETS[0], DEMO_TARGETS[1], DEMO_TARGETS[2]]);
    expect(result.submitted.every((s) => !s.adopted && s.taskId.startsWith('t-'))).toBe(true);
    expect(result.rejected).toEqual([
      expect.objectContaining({
        instanceId: DEMO_STOPPED_TARGET,
        ok: false,
        reason: 'RecoverRejected',
        evidence: expect.objectContaining({ detail: 'IncorrectInstanceStatus' }),
      }),
    ]);
    expect(await recoverTaskCounts()).toEqual({ [DEMO_TARGETS[0]]: 1, [DEMO_TARGETS[1]]: 1, [DEMO_TARGETS[2]]: 1 });
    // every accepted chunk was checkpointed
    const last = heartbeats.at(-1) as SubmitCheckpoint;
    expect(Object.keys(last.submitted).sort()).toEqual([DEMO_TARGETS[0], DEMO_TARGETS[1], DEMO_TARGETS[2]].sort());
  });

  it('adopts the task of a RecoverApp whose response was lost instead of creating a second one', async () => {
    await t.admin.patchConfig({ lostResponseRate: 1, faultActions: ['RecoverApp'] });
    const ids = [DEMO_TARGETS[0], DEMO_TARGETS[1]];
    const { result } = await t.run(t.activities.submitRecoveries, [submitRequest(ids)]);
    expect(result.rejected).toEqual([]);
    expect(result.submitted.map((s) => [s.instanceId, s.adopted])).toEqual([
      [DEMO_TARGETS[0], true],
      [DEMO_TARGETS[1], true],
    ]);
    const stats = await t.admin.stats();
    expect(stats.duplicateRecoveryTasks).toBe(0);
    expect(stats.recoveryTasksByInstance).toEqual({ [DEMO_TARGETS[0]]: 1, [DEMO_TARGETS[1]]: 1 });
    expect(stats.callsByAction.RecoverApp).toMatchObject({ lost: 1, ok: 0 });
  });

  it('a retried activity (worker crash, no checkpoint) reconciles and adopts instead of re-submitting', async () => {
    // Attempt 1: the RecoverApp lands but its reply is lost, and so is the reconciliation: the activity fails.
    await t.admin.patchConfig({ lostResponseRate: 1, faultActions: ['RecoverApp', 'DescribeTasks'] });
    const req = submitRequest([DEMO_TARGETS[0], DEMO_TARGETS[1]]);
    await expect(t.run(t.activities.submitRecoveries, [req])).rejects.toMatchObject({ type: 'VendorTransientError', nonRetryable: false });
    await t.admin.patchConfig({ lostResponseRate: 0, faultActions: [] });

    // Attempt 2 without heartbeat details (as after a worker crash).
    const { result } = await t.run(t.activities.submitRecoveries, [req], { attempt: 2 });
    expect(result.submitted.map((s) => s.adopted)).toEqual([true, true]);
    const stats = await t.admin.stats();
    expect(stats.duplicateRecoveryTasks).toBe(0);
    expect(stats.recoveryTasksByInstance).toEqual({ [DEMO_TARGETS[0]]: 1, [DEMO_TARGETS[1]]: 1 });
    // Exactly one RecoverApp reached the vendor in total.
    expect(await t.callsSince(0, 'RecoverApp')).toHaveLength(1);
  });

  it('attempt 2 skips chunks recorded in heartbeat details and submits only the rest', async () => {
    const req = submitRequest([DEMO_TARGETS[0], DEMO_TARGETS[1], DEMO_TARGETS[2], DEMO_TARGETS[3]], 2);
    // Attempt 1 got as far as the first chunk (real tasks), then the worker died.
    const first = await t.run(t.activities.submitRecoveries, [
      { ...req, groups: [{ backup: BACKUP_1, instanceIds: [DEMO_TARGETS[0], DEMO_TARGETS[1]] }] },
    ]);
    const checkpoint = first.heartbeats.at(-1) as SubmitCheckpoint;
    const mark = await t.mark();

    const { result } = await t.run(t.activities.submitRecoveries, [req], { attempt: 2, heartbeatDetails: checkpoint });
    expect(result.submitted.map((s) => s.instanceId)).toEqual([DEMO_TARGETS[0], DEMO_TARGETS[1], DEMO_TARGETS[2], DEMO_TARGETS[3]]);
    expect(result.submitted.slice(0, 2).map((s) => s.taskId)).toEqual(first.result.submitted.map((s) => s.taskId));
    const recoverCalls = await t.callsSince(mark, 'RecoverApp');
    expect(recoverCalls).toHaveLength(1);
    expect(recoverCalls[0].params.AndroidInstanceIdList).toEqual([DEMO_TARGETS[2], DEMO_TARGETS[3]]);
    // reconciliation looked only at the unrecorded instances
    const describes = await t.callsSince(mark, 'DescribeTasks');
    expect(describes.map((c) => c.params.InstanceId).sort()).toEqual([DEMO_TARGETS[2], DEMO_TARGETS[3]]);
    expect((await t.admin.stats()).duplicateRecoveryTasks).toBe(0);
  });

  it('retries throttled RecoverApp calls inside the activity instead of failing', async () => {
    await t.admin.patchConfig({ throttleRate: 0.6, faultActions: ['RecoverApp'], randomSeed: 7 });
    const ids = DEMO_TARGETS.slice(0, 4);
    const { result } = await t.run(t.activities.submitRecoveries, [submitRequest([...ids], 1)]);
    expect(result.submitted).toHaveLength(4);
    const stats = await t.admin.stats();
    expect(stats.callsByAction.RecoverApp.throttled).toBeGreaterThan(0);
    expect(stats.callsByAction.RecoverApp.ok).toBe(4);
    expect(stats.duplicateRecoveryTasks).toBe(0);
  });
});

describe('pollTasks', () => {
  it('finishes, reports failures with retryable flags and times out a stuck task', async () => {
    await t.admin.patchConfig({
      instanceOverrides: {
        [DEMO_TARGETS[1]]: { taskFailure: 'always', failureCode: 'RecoverTimeout' },
        [DEMO_TARGETS[2]]: { stuck: true },
      },
    });
    const submit = await t.run(t.activities.submitRecoveries, [
      {
        ...submitRequest([DEMO_TARGETS[0], DEMO_TARGETS[1], DEMO_TARGETS[2]]),
        groups: [{ backup: BACKUP_1, instanceIds: [DEMO_TARGETS[0], DEMO_TARGETS[1], DEMO_TARGETS[2], DEMO_OTHER_IMAGE_TARGET] }],
      },
    ]);
    expect(submit.result.submitted).toHaveLength(4);
    const started = Date.now();
    const { result, heartbeats } = await t.run(t.activities.pollTasks, [pollRequest(submit.result.submitted, { taskTimeoutMs: 600 })]);
    const by = Object.fromEntries(result.outcomes.map((o) => [o.instanceId, o]));
    expect(by[DEMO_TARGETS[0]]).toMatchObject({ status: 'finished' });
    expect(by[DEMO_TARGETS[0]].finishedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(by[DEMO_TARGETS[1]]).toMatchObject({ status: 'failed', errorCode: 'RecoverTimeout', retryable: true });
    expect(by[DEMO_OTHER_IMAGE_TARGET]).toMatchObject({ status: 'failed', errorCode: 'ImageMismatch', retryable: false });
    expect(by[DEMO_TARGETS[2]]).toMatchObject({ status: 'timeout' });
    // returned at the stuck task's deadline, not at maxDurationMs
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(result.describeCalls).toBeGreaterThan(1);
    expect(result.throttled).toBe(0);
    expect(heartbeats.length).toBeGreaterThan(1);
    // ≤100 task IDs per call, never more
    for (const c of await t.callsSince(0, 'DescribeTasks'))
      expect((c.params.TaskIds as string[] | undefined)?.length ?? 0).toBeLessThanOrEqual(100);
  });

  it('survives heavy throttling without failing and counts it', async () => {
    // Tasks long enough (600 ms real) that polling takes many rounds, whatever the machine's load.
    const slow = { recoverDurationMs: 600_000 };
    await t.admin.patchConfig({ instanceOverrides: { [DEMO_TARGETS[0]]: slow, [DEMO_TARGETS[1]]: slow } });
    const submit = await t.run(t.activities.submitRecoveries, [submitRequest([DEMO_TARGETS[0], DEMO_TARGETS[1]])]);
    await t.admin.patchConfig({ throttleRate: 0.5, faultActions: ['DescribeTasks'], randomSeed: 3 });
    const { result } = await t.run(t.activities.pollTasks, [pollRequest(submit.result.submitted, { pollIntervalMaxMs: 80 })]);
    expect(result.outcomes.map((o) => o.status)).toEqual(['finished', 'finished']);
    expect(result.throttled).toBeGreaterThan(0);
    expect((await t.admin.stats()).callsByAction.DescribeTasks.throttled).toBe(result.throttled);
  });

  it('resumes from heartbeat details: known outcomes are not asked again', async () => {
    const submit = await t.run(t.activities.submitRecoveries, [submitRequest([DEMO_TARGETS[0], DEMO_TARGETS[1]])]);
    const [a, b] = submit.result.submitted;
    const details: PollCheckpoint = {
      v: 1,
      outcomes: {
        [a.taskId]: {
          instanceId: a.instanceId,
          taskId: a.taskId,
          status: 'finished',
          retryable: false,
          finishedAt: '2026-01-01T00:00:00.000Z',
        },
      },
      intervalMs: 10,
      describeCalls: 5,
      throttled: 1,
    };
    const mark = await t.mark();
    const { result } = await t.run(t.activities.pollTasks, [pollRequest([a, b])], { attempt: 2, heartbeatDetails: details });
    expect(result.outcomes[0]).toEqual(details.outcomes[a.taskId]);
    expect(result.outcomes[1]).toMatchObject({ status: 'finished' });
    const calls = await t.callsSince(mark, 'DescribeTasks');
    expect(calls.every((c) => JSON.stringify(c.params.TaskIds) === JSON.stringify([b.taskId]))).toBe(true);
    expect(result.describeCalls).toBe(5 + calls.length);
    expect(result.throttled).toBe(1);
  });

  it('returns pending tasks after maxDurationMs', async () => {
    await t.admin.patchConfig({ instanceOverrides: { [DEMO_TARGETS[0]]: { stuck: true } } });
    const submit = await t.run(t.activities.submitRecoveries, [submitRequest([DEMO_TARGETS[0]])]);
    const { result } = await t.run(t.activities.pollTasks, [
      pollRequest(submit.result.submitted, { maxDurationMs: 150, taskTimeoutMs: 60_000 }),
    ]);
    expect(result.outcomes[0]).toMatchObject({ status: 'pending' });
  });
});

describe('snapshotApps', () => {
  it('backs up the existing app of a target and returns the new backup file', async () => {
    const { result, heartbeats } = await t.run(t.activities.snapshotApps, [
      {
        targets: [
          { instanceId: DEMO_TARGET_WITH_OLD_NOTES, packages: ['com.example.notes'] },
          { instanceId: DEMO_STOPPED_TARGET, packages: ['com.example.notes'] },
          { instanceId: 'acp-doesnotexist0001', packages: ['com.example.notes'] },
        ],
        directory: 'oss://cloudphone-saved-bucket-cn-shanghai-demo/snapshots/',
        uploadEndpoint: DEMO_UPLOAD_ENDPOINT,
        pollIntervalMs: 10,
        timeoutMs: 5_000,
      },
    ]);
    expect(result[0]).toMatchObject({ instanceId: DEMO_TARGET_WITH_OLD_NOTES, ok: true, backupFileId: expect.stringMatching(/^bf-/) });
    // The stopped target has no such app: its backup task fails. The unknown one is isolated and reported.
    expect(result[1]).toMatchObject({
      instanceId: DEMO_STOPPED_TARGET,
      ok: false,
      reason: 'SnapshotFailed',
      evidence: { detail: 'AppNotFound' },
    });
    expect(result[2]).toMatchObject({ ok: false, reason: 'SnapshotFailed', evidence: { detail: 'InvalidParameter.InstanceId' } });
    const snap = await t.admin.backup(result[0].backupFileId as string);
    expect(snap).toMatchObject({
      status: 'AVAILABLE',
      sourceInstanceId: DEMO_TARGET_WITH_OLD_NOTES,
      sourceAppInfoList: ['com.example.notes'],
    });
    expect(snap.packages[0]).toMatchObject({ versionName: '2.0.0' });

    // A retry with those heartbeat details does not back up again.
    const mark = await t.mark();
    const again = await t.run(
      t.activities.snapshotApps,
      [
        {
          targets: [{ instanceId: DEMO_TARGET_WITH_OLD_NOTES, packages: ['com.example.notes'] }],
          directory: 'oss://cloudphone-saved-bucket-cn-shanghai-demo/snapshots/',
          uploadEndpoint: DEMO_UPLOAD_ENDPOINT,
          pollIntervalMs: 10,
          timeoutMs: 5_000,
        },
      ],
      { attempt: 2, heartbeatDetails: heartbeats.at(-1) },
    );
    expect(again.result[0].backupFileId).toBe(result[0].backupFileId);
    expect(await t.callsSince(mark, 'BackupApp')).toHaveLength(0);
  });
});

describe('releaseBackups', () => {
  it.each(['error', 'succeed'] as const)('treats a repeated delete as released (repeatDelete: %s)', async (repeatDelete) => {
    await t.admin.patchConfig({ repeatDelete });
    const first = await t.run(t.activities.releaseBackups, [{ backupFileIds: [DEMO_BACKUP_1] }]);
    expect(first.result).toEqual([{ backupFileId: DEMO_BACKUP_1, released: true, alreadyGone: false }]);
    expect((await t.admin.state()).backups.find((b) => b.id === DEMO_BACKUP_1)?.status ?? 'gone').toMatch(/DELETING|gone/);

    // A retried release, in one batch with a backup not yet deleted.
    const second = await t.run(t.activities.releaseBackups, [{ backupFileIds: [DEMO_BACKUP_1, DEMO_BACKUP_2] }]);
    expect(second.result).toEqual([
      { backupFileId: DEMO_BACKUP_1, released: true, alreadyGone: true },
      { backupFileId: DEMO_BACKUP_2, released: true, alreadyGone: false },
    ]);
    // Each backup is read before its delete, so the released one is recognised without a second delete.
    const deletes = await t.callsSince(0, 'DeleteBackupFile');
    expect(deletes.map((d) => d.outcome)).toEqual(['ok', 'ok']);
    expect(deletes[1].params.BackupFileIdList).toEqual([DEMO_BACKUP_2]);
  });

  it('keeps (does not report released) a backup the vendor refuses to delete', async () => {
    await t.admin.patchBackup(DEMO_BACKUP_2, { status: 'RECOVERING' });
    const { result } = await t.run(t.activities.releaseBackups, [{ backupFileIds: [DEMO_BACKUP_2] }]);
    expect(result[0]).toMatchObject({ released: false, alreadyGone: false, error: expect.stringContaining('IncorrectBackupFileStatus') });
  });
});
