// Decisions from observed vendor state (docs/vendor-facts.md): the pure rules, then the activities
// against the real emulator speaking the unfamiliar dialect (renamed error codes, unknown task failure
// codes, an unknown transient instance status, failed recoveries back to RUNNING, backup status
// unchanged during restores). Assertions read the emulator's call log: what the vendor was asked.
import {
  backupBlocksRecovery,
  backupCondition,
  instanceCondition,
  judgeTaskFailure,
  needsRestart,
  releaseStep,
  stepAfterRejection,
} from '../../activities/recovery/observed-state';
import { pickAdoptable } from '../../activities/recovery/submit';
import { classifyError, isRefusal } from '../../activities/ecp';
import { restartRecoverFailed } from '../../activities/recovery/restart';
import type { PollTasksRequest, SubmitRecoveriesRequest, SubmittedTask } from '../../activities/recovery/contract';
import { DEMO_BACKUP_1, DEMO_STOPPED_TARGET, DEMO_TARGETS } from '../../emulator/demo-seed';
import { dialectRecoveryFailure } from '../../emulator/dialect';
import { DEMO_BACKUP_1_FACTS, startActivityTestEnv, type ActivityTestEnv } from './emulator-env';
import { waitFor } from '../harness/wait';

describe('observed-state rules (pure)', () => {
  it('never treats an unknown instance status as RUNNING, and restarts only the failed-recovery status', () => {
    expect(instanceCondition('RUNNING')).toBe('ready');
    expect(instanceCondition('RESTORING_APP')).toBe('unknown');
    expect(instanceCondition('RECOVERING')).toBe('settling');
    expect(instanceCondition('STOPPED')).toBe('stopped');
    expect(instanceCondition(undefined)).toBe('gone');
    expect(needsRestart('RECOVER_FAILED')).toBe(true);
    expect(needsRestart('RUNNING')).toBe(false);
    expect(needsRestart('STOPPED')).toBe(false);
    expect(needsRestart('RESTORING_APP')).toBe(false);
  });

  it('after a refused RecoverApp: adopts a task, never resends a non-RUNNING instance, resends only RUNNING ones', () => {
    expect(stepAfterRejection({ instanceId: 'a', status: 'RECOVERING', taskId: 't-1' })).toEqual({ kind: 'adopt', taskId: 't-1' });
    expect(stepAfterRejection({ instanceId: 'a', status: 'RESTORING_APP' })).toEqual({
      kind: 'not-ready',
      status: 'RESTORING_APP (a status the product does not know)',
    });
    expect(stepAfterRejection({ instanceId: 'a', status: undefined })).toEqual({ kind: 'not-ready', status: 'gone' });
    expect(stepAfterRejection({ instanceId: 'a', status: 'RUNNING' })).toEqual({ kind: 'resend' });
  });

  it('judges a backup-level problem by the backup status, not the code', () => {
    expect(backupBlocksRecovery('AVAILABLE')).toBe(false);
    expect(backupBlocksRecovery('RECOVERING')).toBe(false); // other restores from it are running
    expect(backupBlocksRecovery(undefined)).toBe(true);
    expect(backupBlocksRecovery('BACKUP_FAILED')).toBe(true);
    expect(backupBlocksRecovery('ARCHIVED')).toBe(true); // unknown
    expect(backupCondition('DELETED')).toBe('gone');
  });

  it('retries an unknown failure code only where observed state lets a retry pass, and only once', () => {
    const base = { errorCode: 'DiskOnFire', observed: true, sameCodeBefore: false };
    expect(judgeTaskFailure({ ...base, instanceStatus: 'RUNNING', backupStatus: 'AVAILABLE' }).retryable).toBe(true);
    expect(judgeTaskFailure({ ...base, instanceStatus: 'RECOVER_FAILED', backupStatus: 'RECOVERING' }).retryable).toBe(true);
    const again = judgeTaskFailure({ ...base, instanceStatus: 'RUNNING', backupStatus: 'AVAILABLE', sameCodeBefore: true });
    expect(again).toEqual({ retryable: false, basis: expect.stringContaining('same unrecognised code DiskOnFire') });
    expect(judgeTaskFailure({ ...base, instanceStatus: 'RESTORING_APP', backupStatus: 'AVAILABLE' })).toEqual({
      retryable: false,
      basis: expect.stringContaining('RESTORING_APP (a status the product does not know)'),
    });
    expect(judgeTaskFailure({ ...base, instanceStatus: 'RUNNING', backupStatus: undefined }).basis).toContain('backup is gone');
    expect(judgeTaskFailure({ ...base, observed: false }).retryable).toBe(false);
    // Known codes still decide the common case alone.
    expect(judgeTaskFailure({ errorCode: 'ImageMismatch', observed: false, sameCodeBefore: false })).toEqual({ retryable: false });
    expect(judgeTaskFailure({ errorCode: 'RecoverTimeout', observed: false, sameCodeBefore: true })).toEqual({ retryable: true });
  });

  it('release: keeps a backup in an unknown status, counts gone/DELETING/DELETED as released', () => {
    expect(releaseStep('AVAILABLE')).toEqual({ kind: 'delete' });
    expect(releaseStep(undefined)).toEqual({ kind: 'gone' });
    expect(releaseStep('DELETING')).toEqual({ kind: 'gone' });
    expect(releaseStep('DELETED')).toEqual({ kind: 'gone' });
    expect(releaseStep('ARCHIVED')).toEqual({
      kind: 'keep',
      why: expect.stringContaining('ARCHIVED (a status the product does not know)'),
    });
  });

  it('treats any 4xx vendor code as a refusal to settle from state, whatever its spelling', () => {
    const vendorError = (code: string, statusCode: number) => Object.assign(new Error(code), { code, statusCode, data: { Message: 'm' } });
    for (const code of [
      'OperationDenied.InstanceStatus',
      'Instance.StatusNotSupport',
      'BackupFile.NotExist',
      'IllegalParameter.BackupFilePath',
    ]) {
      expect(isRefusal(classifyError('RecoverApp', vendorError(code, 400)))).toBe(true);
    }
    expect(classifyError('RecoverApp', vendorError('EntityNotExist.BackupFile', 400)).kind).toBe('notFound');
    expect(isRefusal(classifyError('RecoverApp', vendorError('Throttling.User', 400)))).toBe(false);
    expect(isRefusal(classifyError('RecoverApp', vendorError('SignatureDoesNotMatch', 400)))).toBe(false);
    expect(isRefusal(classifyError('RecoverApp', vendorError('SomethingOdd', 503)))).toBe(false); // may have been applied
  });

  it('never adopts a task of an earlier attempt, however close in time', () => {
    const at = Date.parse('2026-01-01T10:00:00Z');
    const task = {
      taskId: 't-old',
      status: 'Failed',
      instanceId: 'acp-x',
      level: 2,
      startTime: '2026-01-01T09:59:59Z',
      finishTime: '2026-01-01T10:00:00Z',
    };
    expect(pickAdoptable([task], 'acp-x', at)?.taskId).toBe('t-old');
    expect(pickAdoptable([task], 'acp-x', at, new Set(['t-old']))).toBeUndefined();
  });
});

describe('activities in the unfamiliar dialect (real emulator)', () => {
  jest.setTimeout(30_000);
  let t: ActivityTestEnv;
  beforeAll(async () => {
    t = await startActivityTestEnv();
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await t.reset({ dialect: 'unfamiliar', throttleRetryAfter: 'none' });
  });

  const submitReq = (instanceIds: string[], attempt: number, earlierTaskIds: string[] = []): SubmitRecoveriesRequest => ({
    groups: [{ backup: DEMO_BACKUP_1_FACTS, instanceIds }],
    attempt,
    attemptStartedAt: new Date().toISOString(),
    chunkSize: 50,
    earlierTaskIds,
  });
  const pollReq = (submitted: SubmittedTask[], earlier: Record<string, string[]> = {}): PollTasksRequest => ({
    tasks: submitted.map((s) => ({
      instanceId: s.instanceId,
      taskId: s.taskId,
      submittedAt: new Date().toISOString(),
      backupFileId: DEMO_BACKUP_1,
      earlierTaskIds: earlier[s.instanceId] ?? [],
    })),
    taskTimeoutMs: 5_000,
    pollIntervalMinMs: 10,
    pollIntervalMaxMs: 40,
    maxDurationMs: 5_000,
  });
  const askedFor = (calls: { params: Record<string, unknown> }[]): string[] =>
    calls.flatMap((c) => (c.params.AndroidInstanceIdList as string[] | undefined) ?? []);

  it('a refused RecoverApp under a renamed code: RUNNING targets get one task, the stopped one is not resent', async () => {
    const targets = [DEMO_TARGETS[0], DEMO_STOPPED_TARGET, DEMO_TARGETS[1]];
    const { result } = await t.run(t.activities.submitRecoveries, [submitReq(targets, 1)]);

    expect(result.submitted.map((s) => s.instanceId).sort()).toEqual([DEMO_TARGETS[0], DEMO_TARGETS[1]].sort());
    expect(result.rejected).toEqual([
      expect.objectContaining({
        instanceId: DEMO_STOPPED_TARGET,
        reason: 'RecoverRejected',
        evidence: expect.objectContaining({ expected: 'RUNNING', found: 'STOPPED' }),
      }),
    ]);
    const code = String(result.rejected[0].evidence?.detail);
    expect(code).not.toBe('IncorrectInstanceStatus'); // the dialect's own name, kept in the reason
    expect(result.rejected[0].message).toContain(code);
    const recovers = await t.callsSince(0, 'RecoverApp');
    // The refused call, then one call for the RUNNING instances only: the stopped one was asked once.
    expect(recovers.map((c) => c.outcome)).toEqual(['error', 'ok']);
    expect(askedFor(recovers).filter((id) => id === DEMO_STOPPED_TARGET)).toHaveLength(1);
    expect((await t.admin.stats()).duplicateRecoveryTasks).toBe(0);
    expect(await t.callsSince(0, 'StartAndroidInstance')).toHaveLength(0);
  });

  it('a backup-level refusal is confirmed by DescribeBackupFiles and fails the call without splitting it', async () => {
    await t.admin.patchBackup(DEMO_BACKUP_1, { status: 'BACKUP_FAILED' });
    const targets = DEMO_TARGETS.slice(0, 4);
    const { result } = await t.run(t.activities.submitRecoveries, [submitReq(targets, 1)]);
    expect(result.submitted).toEqual([]);
    expect(result.rejected.map((r) => r.evidence)).toEqual(
      targets.map(() => expect.objectContaining({ expected: 'AVAILABLE', found: 'BACKUP_FAILED' })),
    );
    expect(await t.callsSince(0, 'RecoverApp')).toHaveLength(1);
    expect(await t.callsSince(0, 'DescribeBackupFiles')).toHaveLength(1);
  });

  it('an unknown permanent failure: retried once (instance back to RUNNING, not restarted), then failed with the vendor code', async () => {
    // Under dialect seed 1 this instance's first injected failure is a permanent one with an unknown code.
    const target = DEMO_TARGETS[0];
    const injected = dialectRecoveryFailure(1, `${target}#0`);
    expect(injected.permanent).toBe(true);
    await t.admin.patchConfig({ instanceOverrides: { [target]: { taskFailure: 'always' } } });

    const first = await t.run(t.activities.submitRecoveries, [submitReq([target], 1)]);
    const polled1 = await t.run(t.activities.pollTasks, [pollReq(first.result.submitted)]);
    expect(polled1.result.outcomes[0]).toMatchObject({
      status: 'failed',
      retryable: true,
      errorCode: injected.code,
      decidedBy: expect.stringContaining('retrying once'),
    });
    expect((await t.admin.instance(target)).status).toBe('RUNNING'); // the dialect's failed recovery

    const firstTaskId = first.result.submitted[0].taskId;
    const second = await t.run(t.activities.submitRecoveries, [submitReq([target], 2, [firstTaskId])]);
    expect(second.result.submitted).toEqual([expect.objectContaining({ instanceId: target, adopted: false })]);
    const polled2 = await t.run(t.activities.pollTasks, [pollReq(second.result.submitted, { [target]: [firstTaskId] })]);
    expect(polled2.result.outcomes[0]).toMatchObject({
      status: 'failed',
      retryable: false,
      errorCode: injected.code,
      errorMessage: injected.message,
      decidedBy: expect.stringContaining(`same unrecognised code ${injected.code}`),
    });
    expect(await t.callsSince(0, 'StartAndroidInstance')).toHaveLength(0);
    expect((await t.admin.stats()).recoveryTasksByInstance[target]).toBe(2);
  });

  it('an unknown failure on an instance whose status is unknown is not retried', async () => {
    const target = DEMO_TARGETS[2]; // first injected failure: a transient unknown code
    await t.admin.patchConfig({ instanceOverrides: { [target]: { taskFailure: 'always' } } });
    const first = await t.run(t.activities.submitRecoveries, [submitReq([target], 1)]);
    await waitFor('the task to fail', () => t.admin.task(first.result.submitted[0].taskId), { until: (x) => x.status === 'Failed' });
    // Someone else's recovery now runs on it and shows the dialect's unknown transient status.
    await t.admin.patchConfig({ instanceOverrides: { [target]: { taskFailure: 'never', recoverDurationMs: 3_600_000 } } });
    await t.ecp.recoverApp({
      instanceIds: [target],
      backupFileId: DEMO_BACKUP_1,
      backupFilePath: DEMO_BACKUP_1_FACTS.backupFilePath,
      uploadType: 'OSS',
    });
    expect((await t.admin.instance(target)).status).toBe('RECOVERING'); // admin view; the API shows RESTORING_APP
    const polled = await t.run(t.activities.pollTasks, [pollReq(first.result.submitted)]);
    expect(polled.result.outcomes[0]).toMatchObject({
      status: 'failed',
      retryable: false,
      decidedBy: expect.stringContaining('RESTORING_APP (a status the product does not know)'),
    });
  });

  it('before a retry, an instance in an unknown status is waited for (bounded), never started or sent RecoverApp', async () => {
    const target = DEMO_TARGETS[1];
    await t.admin.patchConfig({ instanceOverrides: { [target]: { recoverDurationMs: 3_600_000 } } });
    await t.ecp.recoverApp({
      instanceIds: [target],
      backupFileId: DEMO_BACKUP_1,
      backupFilePath: DEMO_BACKUP_1_FACTS.backupFilePath,
      uploadType: 'OSS',
    });
    const mark = await t.mark();
    const deps = { ecp: t.ecp, throttleBackoff: { initialMs: 10, maxMs: 100 }, now: () => Date.now() };
    const started = Date.now();
    const { result } = await t.run(restartRecoverFailed, [
      deps,
      [target, DEMO_TARGETS[0]],
      () => undefined,
      { timeoutMs: 300, pollMinMs: 20, pollMaxMs: 50 },
    ]);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result.proceed).toEqual([DEMO_TARGETS[0]]);
    expect(result.rejected).toEqual([
      expect.objectContaining({
        instanceId: target,
        message: expect.stringContaining('RESTORING_APP (a status the product does not know)'),
        evidence: { detail: 'NotRunningBeforeRetry', expected: 'RUNNING', found: 'RESTORING_APP' },
      }),
    ]);
    // Only reads: touching a recovering instance would break its recovery.
    const calls = await t.callsSince(mark);
    expect([...new Set(calls.map((c) => c.action))]).toEqual(['DescribeAndroidInstances']);
    expect(calls.length).toBeGreaterThan(1); // it waited, looking more than once
  });

  it('release: a backup whose status never changed during restores is released once; a repeat is judged by re-reading it', async () => {
    const first = await t.run(t.activities.releaseBackups, [{ backupFileIds: [DEMO_BACKUP_1] }]);
    expect(first.result).toEqual([{ backupFileId: DEMO_BACKUP_1, released: true, alreadyGone: false }]);
    const again = await t.run(t.activities.releaseBackups, [{ backupFileIds: [DEMO_BACKUP_1] }]);
    expect(again.result).toEqual([{ backupFileId: DEMO_BACKUP_1, released: true, alreadyGone: true }]);
    expect(await t.callsSince(0, 'DeleteBackupFile')).toHaveLength(1);
  });

  it('release: a refused delete under a renamed code keeps the backup with the vendor code and the observed status', async () => {
    await t.admin.patchBackup(DEMO_BACKUP_1, { status: 'RECOVERING' });
    const { result } = await t.run(t.activities.releaseBackups, [{ backupFileIds: [DEMO_BACKUP_1] }]);
    const deletes = await t.callsSince(0, 'DeleteBackupFile');
    expect(deletes.map((d) => d.outcome)).toEqual(['error']);
    expect(result[0]).toMatchObject({
      released: false,
      alreadyGone: false,
      error: expect.stringMatching(/refused \(\S+: .*still RECOVERING/),
    });
    expect(result[0].error).not.toContain('IncorrectBackupFileStatus');
  });
});
