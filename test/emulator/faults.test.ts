import { DEMO_BACKUP_1, DEMO_BACKUP_1_PATH, DEMO_BACKUP_2, DEMO_TARGETS } from '../../emulator/demo-seed';
import { describeTasksSchema, errorBodySchema, recoverAppSchema } from './helpers/contract';
import { rawRequest, signedV3 } from './helpers/raw-request';
import { useEmulatorLab } from './helpers/lab';
import { sleep } from './helpers/vendor-client';
import { waitFor } from '../harness/wait';

const lab = useEmulatorLab();

const recoverQuery = (ids: string[]) => ({
  AndroidInstanceIdList: ids,
  BackupFileId: DEMO_BACKUP_1,
  BackupFilePath: DEMO_BACKUP_1_PATH,
  UploadType: 'OSS',
});

const childTask = async (taskId: string) => describeTasksSchema.parse(await lab.client.call('DescribeTasks', { TaskIds: [taskId] })).Data[0];

const untilTerminal = (taskId: string) =>
  waitFor('the task to end', async () => {
    const task = await childTask(taskId);
    return ['Finished', 'Failed'].includes(task.TaskStatus) ? task : undefined;
  });

describe('throttling', () => {
  it.each([400, 429] as const)('answers Throttling.User with HTTP %i beyond the per-action QPS', async (status) => {
    // A bucket of 2 refilling 2 per second: at least 10 of 20 concurrent calls are throttled unless they
    // take more than 4 s to arrive, so a slow machine does not change the outcome.
    await lab.admin.patchConfig({ qpsPerAction: 2, throttleStatus: status });
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        lab.client.call('DescribeTasks').then(
          () => undefined,
          (e: { code?: string; statusCode?: number }) => e,
        ),
      ),
    );
    const throttled = results.filter((r) => r !== undefined);
    expect(throttled.length).toBeGreaterThanOrEqual(10);
    expect(throttled.every((e) => e?.code === 'Throttling.User' && e.statusCode === status)).toBe(true);
    // Another action has its own bucket.
    await lab.client.call('DescribeAndroidInstances', { MaxResults: 1 });
    // The bucket refills at QPS per second: one token after 500 ms.
    await sleep(600);
    await lab.client.call('DescribeTasks');
    const stats = await lab.admin.stats();
    expect(stats.callsByAction.DescribeTasks.throttled).toBe(throttled.length);
  });

  it('honours qpsOverrides per action, and 0 = unlimited', async () => {
    await lab.admin.patchConfig({ qpsPerAction: 0, qpsOverrides: { DescribeTasks: 1 } });
    await lab.client.call('DescribeTasks');
    expect((await lab.client.fail('DescribeTasks')).code).toBe('Throttling.User');
    await Promise.all(Array.from({ length: 30 }, () => lab.client.call('DescribeAndroidInstances', { MaxResults: 1 })));
  });

  it('injects random Throttling.User with throttleRate', async () => {
    await lab.admin.patchConfig({ throttleRate: 1 });
    const error = await lab.client.fail('DescribeAndroidInstances');
    expect([error.code, error.statusCode]).toEqual(['Throttling.User', 400]);
    expect(error.message).toContain('Request was denied due to user flow control.');
  });
});

describe('request-level faults', () => {
  it('serverErrorRate answers 500 InternalError or 503 ServiceUnavailable as JSON, without applying the call', async () => {
    await lab.admin.patchConfig({ serverErrorRate: 1 });
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const error = await lab.client.fail('RecoverApp', recoverQuery([DEMO_TARGETS[0]]));
      seen.add(`${error.statusCode} ${error.code}`);
    }
    expect([...seen].sort()).toEqual(['500 InternalError', '503 ServiceUnavailable']);
    expect((await lab.admin.state()).tasks).toHaveLength(0);
  });

  it('htmlErrorRate sends an HTML 503 the client cannot parse', async () => {
    await lab.admin.patchConfig({ htmlErrorRate: 1 });
    const error = await lab.client.fail('DescribeTasks');
    expect(error.name).toBe('SyntaxError');
    expect(error.code).toBeUndefined();
    const raw = await signedV3(lab.emulator, 'DescribeTasks', {});
    expect(raw.status).toBe(503);
    expect(raw.headers['content-type']).toContain('text/html');
  });

  it('slowReplyRate delays the reply by slowReplyMs', async () => {
    await lab.admin.patchConfig({ slowReplyRate: 1, slowReplyMs: 300 });
    const started = Date.now();
    await lab.client.call('DescribeTasks');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('lostResponseRate applies the operation, then drops the connection without a reply', async () => {
    await lab.admin.patchConfig({ lostResponseRate: 1, faultActions: ['RecoverApp'] });
    const error = await lab.client.fail('RecoverApp', recoverQuery([DEMO_TARGETS[0]]));
    expect(error.statusCode).toBeUndefined();
    expect(String(error.code ?? error.message)).toMatch(/ECONNRESET|socket hang up/);
    const { calls } = await lab.admin.calls({ action: 'RecoverApp' });
    expect(calls[0]).toMatchObject({ outcome: 'lost', httpStatus: 200 });
    const taskId = calls[0].effects?.recoveryTasks?.[0].taskId as string;
    expect(calls[0].effects?.recoveryTasks?.[0].instanceId).toBe(DEMO_TARGETS[0]);
    const state = await lab.admin.state();
    expect(state.tasks.map((t) => t.id)).toContain(taskId);
    // The product's way out: look the task up before retrying.
    const found = describeTasksSchema.parse(await lab.client.call('DescribeTasks', { InstanceId: DEMO_TARGETS[0], Level: 2 }));
    expect(found.Data.map((t) => t.TaskId)).toEqual([taskId]);
    expect((await lab.admin.stats()).callsByAction.RecoverApp.lost).toBe(1);
  });

  it('faultActions limits request faults to the listed actions', async () => {
    await lab.admin.patchConfig({ serverErrorRate: 1, faultActions: ['RecoverApp'] });
    await lab.client.call('DescribeTasks');
    expect((await lab.client.fail('RecoverApp', recoverQuery([DEMO_TARGETS[0]]))).statusCode).toBeGreaterThanOrEqual(500);
  });

  it('the same randomSeed injects the same faults', async () => {
    const pattern = async (): Promise<string> => {
      await lab.admin.reset('demo');
      await lab.admin.patchConfig({ serverErrorRate: 0.5, randomSeed: 42 });
      let out = '';
      for (let i = 0; i < 16; i++)
        out += await lab.client.call('DescribeTasks').then(
          () => '.',
          () => 'x',
        );
      await lab.admin.patchConfig({ randomSeed: 1 });
      return out;
    };
    const first = await pattern();
    expect(first).toMatch(/x/);
    expect(first).toMatch(/\./);
    expect(await pattern()).toBe(first);
  });

  it('error bodies are JSON with the five gateway fields', async () => {
    const response = await rawRequest(lab.emulator, { headers: { 'x-acs-action': 'DescribeTasks', 'x-acs-version': '2023-09-30' } });
    errorBodySchema.parse(response.json());
  });
});

describe('task-level faults', () => {
  it('taskFailureRate fails the child recovery with the retryable RecoverTimeout', async () => {
    await lab.admin.patchConfig({ taskFailureRate: 1 });
    const body = recoverAppSchema.parse(await lab.client.call('RecoverApp', recoverQuery([DEMO_TARGETS[0]])));
    const task = await untilTerminal(body.Data[0].TaskId);
    expect([task.TaskStatus, task.ErrorCode]).toEqual(['Failed', 'RecoverTimeout']);
    expect((await lab.admin.instance(DEMO_TARGETS[0])).status).toBe('RECOVER_FAILED');
    expect((await lab.admin.backup(DEMO_BACKUP_1)).status).toBe('AVAILABLE');
  });

  it('backupStatusAfterFailedRecovery can show RECOVERY_FAILED, and recovery can still be retried from it', async () => {
    await lab.admin.patchConfig({ taskFailureRate: 1, backupStatusAfterFailedRecovery: 'RECOVERY_FAILED' });
    const body = recoverAppSchema.parse(await lab.client.call('RecoverApp', recoverQuery([DEMO_TARGETS[0]])));
    await untilTerminal(body.Data[0].TaskId);
    expect((await lab.admin.backup(DEMO_BACKUP_1)).status).toBe('RECOVERY_FAILED');
    await lab.admin.patchConfig({ taskFailureRate: 0 });
    const retry = recoverAppSchema.parse(await lab.client.call('RecoverApp', recoverQuery([DEMO_TARGETS[1]])));
    expect((await untilTerminal(retry.Data[0].TaskId)).TaskStatus).toBe('Finished');
  });

  it('stuckTaskRate leaves the task Processing forever', async () => {
    await lab.admin.patchConfig({ stuckTaskRate: 1 });
    const body = recoverAppSchema.parse(await lab.client.call('RecoverApp', recoverQuery([DEMO_TARGETS[0]])));
    // By the emulator's own clock: a normal task of the same duration, created later, has finished.
    await lab.admin.patchConfig({ stuckTaskRate: 0 });
    const later = recoverAppSchema.parse(await lab.client.call('RecoverApp', recoverQuery([DEMO_TARGETS[1]])));
    expect((await untilTerminal(later.Data[0].TaskId)).TaskStatus).toBe('Finished');
    expect((await childTask(body.Data[0].TaskId)).TaskStatus).toBe('Processing');
    const instance = await lab.admin.instance(DEMO_TARGETS[0]);
    expect([instance.status, instance.rate]).toEqual(['RECOVERING', 99]);
  });

  it('corruptionRate alters one restored data file after a successful recovery', async () => {
    await lab.admin.patchConfig({ corruptionRate: 1 });
    const body = recoverAppSchema.parse(await lab.client.call('RecoverApp', recoverQuery([DEMO_TARGETS[0]])));
    expect((await untilTerminal(body.Data[0].TaskId)).TaskStatus).toBe('Finished');
    const restored = (await lab.admin.instance(DEMO_TARGETS[0])).packages;
    const backup = await lab.admin.backup(DEMO_BACKUP_1);
    const differing = backup.packages.flatMap((pkg) =>
      Object.keys(pkg.data).filter((path) => restored[pkg.packageName].data[path] !== pkg.data[path]),
    );
    expect(differing).toHaveLength(1);
  });

  it('instanceOverrides force failure codes, stuck tasks, corruption and durations per instance', async () => {
    await lab.admin.patchConfig({
      taskFailureRate: 1,
      instanceOverrides: {
        [DEMO_TARGETS[0]]: { taskFailure: 'always', failureCode: 'DiskFull' },
        [DEMO_TARGETS[1]]: { taskFailure: 'never', corrupt: true },
        [DEMO_TARGETS[2]]: { taskFailure: 'never', stuck: true },
        [DEMO_TARGETS[3]]: { taskFailure: 'never', recoverDurationMs: 3_000_000 },
      },
    });
    const body = recoverAppSchema.parse(await lab.client.call('RecoverApp', recoverQuery(DEMO_TARGETS.slice(0, 5))));
    const [t0, t1, t2, t3, t4] = body.Data.map((d) => d.TaskId);
    expect((await untilTerminal(t0)).ErrorCode).toBe('DiskFull');
    expect((await untilTerminal(t1)).TaskStatus).toBe('Finished');
    expect((await untilTerminal(t4)).ErrorCode).toBe('RecoverTimeout');
    expect(['Waiting', 'Processing']).toContain((await childTask(t3)).TaskStatus); // 3 s, not 30 ms
    expect((await untilTerminal(t3)).TaskStatus).toBe('Finished');
    expect((await childTask(t2)).TaskStatus).toBe('Processing');
    const restored = Object.values((await lab.admin.instance(DEMO_TARGETS[1])).packages).flatMap((pkg) => Object.values(pkg.data));
    expect(restored.filter((content) => content.includes('corrupted'))).toHaveLength(1);
  });
});

describe('DeleteBackupFile edge cases', () => {
  it("repeatDelete 'error' (default): a repeat or unknown ID is 400 InvalidParameter.BackupFileId", async () => {
    await lab.client.call('DeleteBackupFile', { BackupFileIdList: [DEMO_BACKUP_2] });
    expect((await lab.client.fail('DeleteBackupFile', { BackupFileIdList: [DEMO_BACKUP_2] })).code).toBe('InvalidParameter.BackupFileId');
    await waitFor('the deleted backup to disappear', async () => ((await lab.admin.state()).backups.some((b) => b.id === DEMO_BACKUP_2) ? undefined : true));
    const error = await lab.client.fail('DeleteBackupFile', { BackupFileIdList: [DEMO_BACKUP_2] });
    expect([error.statusCode, error.code]).toEqual([400, 'InvalidParameter.BackupFileId']);
    expect((await lab.client.fail('DeleteBackupFile', { BackupFileIdList: ['bf-neverexisted'] })).code).toBe('InvalidParameter.BackupFileId');
  });

  it("repeatDelete 'succeed': repeats and unknown IDs succeed quietly", async () => {
    await lab.admin.patchConfig({ repeatDelete: 'succeed' });
    await lab.client.call('DeleteBackupFile', { BackupFileIdList: [DEMO_BACKUP_2] });
    await lab.client.call('DeleteBackupFile', { BackupFileIdList: [DEMO_BACKUP_2] });
    await waitFor('the deleted backup to disappear', async () => ((await lab.admin.state()).backups.some((b) => b.id === DEMO_BACKUP_2) ? undefined : true));
    await lab.client.call('DeleteBackupFile', { BackupFileIdList: [DEMO_BACKUP_2, 'bf-neverexisted'] });
  });

  it('refuses to delete a backup that is RECOVERING or BACKUPING', async () => {
    await lab.admin.patchConfig({ timeScale: 1 }); // 30 s recovery: still RECOVERING at the delete
    await lab.client.call('RecoverApp', recoverQuery([DEMO_TARGETS[0]]));
    const error = await lab.client.fail('DeleteBackupFile', { BackupFileIdList: [DEMO_BACKUP_1] });
    expect([error.statusCode, error.code]).toEqual([400, 'IncorrectBackupFileStatus']);
    await lab.admin.patchBackup(DEMO_BACKUP_2, { status: 'BACKUPING' });
    expect((await lab.client.fail('DeleteBackupFile', { BackupFileIdList: [DEMO_BACKUP_2] })).code).toBe('IncorrectBackupFileStatus');
  });
});
