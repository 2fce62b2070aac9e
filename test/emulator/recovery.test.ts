import { createHash } from 'node:crypto';
import { EmulatorAdmin } from '../../emulator/admin-client';
import {
  DEMO_BACKUP_1,
  DEMO_BACKUP_1_PATH,
  DEMO_NOTES,
  DEMO_OTHER_IMAGE_TARGET,
  DEMO_OTHER_SERVER_TYPE_TARGET,
  DEMO_STOPPED_TARGET,
  DEMO_TARGET_WITH_OLD_NOTES,
  DEMO_TARGETS,
} from '../../emulator/demo-seed';
import { startEmulator, type RunningEmulator } from '../../emulator/server';
import { describeAndroidInstancesSchema, describeBackupFilesSchema, describeTasksSchema, recoverAppSchema } from './helpers/contract';
import { vendorClient, type VendorClient } from './helpers/vendor-client';
import { waitFor } from '../harness/wait';

let emulator: RunningEmulator;
let client: VendorClient;
let admin: EmulatorAdmin;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, config: { timeScale: 0.001, qpsPerAction: 0 } });
  client = vendorClient(emulator);
  admin = new EmulatorAdmin(emulator.url);
});
beforeEach(async () => {
  await admin.reset('demo');
  await admin.patchConfig({ timeScale: 0.001, recoverDurationMs: 30_000, instanceOverrides: {} });
});
afterAll(() => emulator.close());

const recover = async (ids: string[]) =>
  recoverAppSchema.parse(
    await client.call('RecoverApp', {
      AndroidInstanceIdList: ids,
      BackupFileId: DEMO_BACKUP_1,
      BackupFilePath: DEMO_BACKUP_1_PATH,
      UploadType: 'OSS',
    }),
  );

const childTask = async (taskId: string) => describeTasksSchema.parse(await client.call('DescribeTasks', { TaskIds: [taskId] })).Data[0];

const untilTerminal = (taskId: string) =>
  waitFor('the task to end', async () => {
    const task = await childTask(taskId);
    return ['Finished', 'Failed'].includes(task.TaskStatus) ? task : undefined;
  });

const instanceModel = async (id: string) =>
  describeAndroidInstancesSchema.parse(await client.call('DescribeAndroidInstances', { AndroidInstanceIds: [id] })).InstanceModel[0];

describe('RecoverApp semantics', () => {
  it('uninstalls the existing copy first, then installs the backed-up version with a copy of its data', async () => {
    const before = await admin.instance(DEMO_TARGET_WITH_OLD_NOTES);
    expect(before.packages['com.example.notes'].versionName).toBe('2.0.0');
    const body = await recover([DEMO_TARGET_WITH_OLD_NOTES]);
    expect((await untilTerminal(body.Data[0].TaskId)).TaskStatus).toBe('Finished');
    const after = await admin.instance(DEMO_TARGET_WITH_OLD_NOTES);
    expect(after.status).toBe('RUNNING');
    expect(after.packages['com.example.notes']).toEqual(DEMO_NOTES); // the 2.0.0-only file legacy.txt is gone
    expect(after.packages['com.example.chat'].versionName).toBe('5.0.0');
    // The restored data is a copy: changing the instance does not change the backup.
    await admin.patchInstance(DEMO_TARGET_WITH_OLD_NOTES, { packages: [] });
    const backup = await admin.backup(DEMO_BACKUP_1);
    expect(backup.packages.find((p) => p.packageName === 'com.example.notes')?.data).toEqual(DEMO_NOTES.data);
  });

  it('the verification hashes match sha256 of the restored file bytes', async () => {
    const body = await recover([DEMO_TARGETS[0]]);
    await untilTerminal(body.Data[0].TaskId);
    const reply = await client.call('RunSyncCommand', {
      InstanceIds: [DEMO_TARGETS[0]],
      CommandContent: 'find /data/data/com.example.notes -type f -exec sha256sum {} +',
    });
    const output = (reply.Data as { Output: string }[])[0].Output;
    const expected = Object.entries(DEMO_NOTES.data ?? {})
      .map(
        ([path, content]) =>
          `${createHash('sha256').update(Buffer.from(content, 'utf8')).digest('hex')}  /data/data/com.example.notes/${path}`,
      )
      .sort((a, b) => (a.slice(66) < b.slice(66) ? -1 : 1));
    expect(output).toBe(`${expected.join('\n')}\n`);
  });

  it('shows RECOVERING with a rising Rate, the backup RECOVERING, and honours the scaled duration', async () => {
    // 30 s → 3 s: the mid-recovery checks below have seconds to spare even on a loaded machine.
    await admin.patchConfig({ timeScale: 0.1 });
    const started = Date.now();
    const body = await recover([DEMO_TARGETS[0]]);
    const early = await instanceModel(DEMO_TARGETS[0]);
    const mid = await waitFor('Rate above 15', async () => {
      const model = await instanceModel(DEMO_TARGETS[0]);
      return model.Rate > 15 && model;
    });
    expect(mid.AndroidInstanceStatus).toBe('RECOVERING');
    expect(mid.Rate).toBeGreaterThan(early.Rate);
    expect(mid.Rate).toBeLessThan(100);
    expect((await childTask(body.Data[0].TaskId)).TaskStatus).toBe('Processing');
    const backup = describeBackupFilesSchema.parse(await client.call('DescribeBackupFiles', { BackupFileId: DEMO_BACKUP_1 }));
    expect(backup.Data[0].Status).toBe('RECOVERING');
    const done = await untilTerminal(body.Data[0].TaskId);
    expect(done.TaskStatus).toBe('Finished');
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_000);
    const task = await admin.task(body.Data[0].TaskId);
    expect(task.finishedAt! - task.createdAt).toBeCloseTo(3_000, 5);
    expect((await instanceModel(DEMO_TARGETS[0])).AndroidInstanceStatus).toBe('RUNNING');
    const after = describeBackupFilesSchema.parse(await client.call('DescribeBackupFiles', { BackupFileId: DEMO_BACKUP_1 }));
    expect(after.Data[0].Status).toBe('AVAILABLE');
  });

  it('starts Waiting, then Processing', async () => {
    await admin.patchConfig({ timeScale: 1 }); // Waiting lasts 5% of 30 s = 1.5 s
    const body = await recover([DEMO_TARGETS[0]]);
    expect((await childTask(body.Data[0].TaskId)).TaskStatus).toBe('Waiting');
    const next = await waitFor('the task to leave Waiting', async () => {
      const task = await childTask(body.Data[0].TaskId);
      return task.TaskStatus !== 'Waiting' && task;
    });
    expect(next.TaskStatus).toBe('Processing');
  });

  it('rejects synchronously a target that is not RUNNING', async () => {
    const error = await client.fail('RecoverApp', {
      AndroidInstanceIdList: [DEMO_TARGETS[0], DEMO_STOPPED_TARGET],
      BackupFileId: DEMO_BACKUP_1,
      BackupFilePath: DEMO_BACKUP_1_PATH,
      UploadType: 'OSS',
    });
    expect([error.statusCode, error.code]).toEqual([400, 'IncorrectInstanceStatus']);
    expect(error.message).toContain('STOPPED');
    expect((await admin.state()).tasks).toHaveLength(0); // nothing started for the other target either
  });

  it('a second RecoverApp on a RECOVERING target is rejected and fails the running recovery (InstanceBusy)', async () => {
    await admin.patchConfig({ timeScale: 1 }); // 30 s recovery: still running when the second call lands
    const first = await recover([DEMO_TARGETS[0]]);
    expect((await instanceModel(DEMO_TARGETS[0])).AndroidInstanceStatus).toBe('RECOVERING');
    const error = await client.fail('RecoverApp', {
      AndroidInstanceIdList: [DEMO_TARGETS[0]],
      BackupFileId: DEMO_BACKUP_1,
      BackupFilePath: DEMO_BACKUP_1_PATH,
      UploadType: 'OSS',
    });
    expect(error.code).toBe('IncorrectInstanceStatus');
    const task = await childTask(first.Data[0].TaskId);
    expect([task.TaskStatus, task.ErrorCode]).toEqual(['Failed', 'InstanceBusy']);
    const model = await instanceModel(DEMO_TARGETS[0]);
    expect([model.AndroidInstanceStatus, model.ErrorCode]).toEqual(['RECOVER_FAILED', 'InstanceBusy']);
  });

  it('RunCommand during RECOVERING is rejected and fails the recovery; the call log records it', async () => {
    await admin.patchConfig({ timeScale: 0.1 }); // 3 s recovery, 150 ms Waiting
    const first = await recover([DEMO_TARGET_WITH_OLD_NOTES]);
    // Past Waiting the old copy has already been uninstalled.
    await waitFor('the task to be Processing', async () => (await childTask(first.Data[0].TaskId)).TaskStatus === 'Processing');
    const error = await client.fail('RunCommand', { InstanceIds: [DEMO_TARGET_WITH_OLD_NOTES], CommandContent: 'ls /data/data' });
    expect([error.statusCode, error.code]).toEqual([400, 'IncorrectInstanceStatus']);
    const task = await childTask(first.Data[0].TaskId);
    expect([task.TaskStatus, task.ErrorCode]).toEqual(['Failed', 'InstanceBusy']);
    expect((await admin.instance(DEMO_TARGET_WITH_OLD_NOTES)).packages['com.example.notes']).toBeUndefined();
    const calls = await admin.calls({ action: 'RunCommand' });
    expect(calls.calls[0].effects?.interruptedRecoveries).toEqual([
      { instanceId: DEMO_TARGET_WITH_OLD_NOTES, taskId: first.Data[0].TaskId },
    ]);
    // RECOVER_FAILED can be started again, which brings it back to RUNNING.
    await client.call('StartAndroidInstance', { AndroidInstanceIds: [DEMO_TARGET_WITH_OLD_NOTES] });
    await waitFor('the instance to be RUNNING', async () =>
      (await instanceModel(DEMO_TARGET_WITH_OLD_NOTES)).AndroidInstanceStatus === 'RUNNING' ? true : undefined,
    );
  });

  it.each([
    ['image version', DEMO_OTHER_IMAGE_TARGET],
    ['server type', DEMO_OTHER_SERVER_TYPE_TARGET],
  ])('a different %s fails the child task with ImageMismatch and leaves data alone', async (_what, target) => {
    await admin.patchInstance(target, {
      packages: [{ packageName: 'com.example.notes', versionName: '1.0', versionCode: 1, data: { a: 'x' } }],
    });
    const body = await recover([target, DEMO_TARGETS[0]]);
    const failed = await untilTerminal(body.Data[0].TaskId);
    expect([failed.TaskStatus, failed.ErrorCode]).toEqual(['Failed', 'ImageMismatch']);
    await untilTerminal(body.Data[1].TaskId);
    const batch = await childTask(body.TaskId);
    expect(batch).toMatchObject({ TaskStatus: 'PartFinished', SuccessChildCount: 1, FailedChildCount: 1 });
    const instance = await admin.instance(target);
    expect([instance.status, instance.errorCode]).toEqual(['RECOVER_FAILED', 'ImageMismatch']);
    expect(instance.packages['com.example.notes'].data).toEqual({ a: 'x' });
  });

  it('counts recovery tasks per instance and duplicates per (instance, backup)', async () => {
    const first = await recover([DEMO_TARGETS[0]]);
    await untilTerminal(first.Data[0].TaskId);
    expect((await admin.stats()).duplicateRecoveryTasks).toBe(0);
    const second = await recover([DEMO_TARGETS[0]]);
    await untilTerminal(second.Data[0].TaskId);
    const stats = await admin.stats();
    expect(stats.recoveryTasksByInstance[DEMO_TARGETS[0]]).toBe(2);
    expect(stats.duplicateRecoveryTasks).toBe(1);
  });

  it('a retry after a failed recovery is not a duplicate', async () => {
    await admin.patchInstance(DEMO_TARGETS[0], { overrides: { taskFailure: 'always' } });
    const first = await recover([DEMO_TARGETS[0]]);
    expect((await untilTerminal(first.Data[0].TaskId)).ErrorCode).toBe('RecoverTimeout');
    await admin.patchInstance(DEMO_TARGETS[0], { status: 'RUNNING', overrides: null });
    const second = await recover([DEMO_TARGETS[0]]);
    expect((await untilTerminal(second.Data[0].TaskId)).TaskStatus).toBe('Finished');
    expect((await admin.stats()).duplicateRecoveryTasks).toBe(0);
  });

  it('filters DescribeTasks by InstanceId + Level 2 to find existing recoveries', async () => {
    const body = await recover([DEMO_TARGETS[0], DEMO_TARGETS[1]]);
    const found = describeTasksSchema.parse(
      await client.call('DescribeTasks', { InstanceId: DEMO_TARGETS[1], Level: 2, TaskType: 'RecoverApp' }),
    );
    expect(found.Data.map((t) => t.TaskId)).toEqual([body.Data[1].TaskId]);
    const byParent = describeTasksSchema.parse(await client.call('DescribeTasks', { ParentTaskId: body.TaskId }));
    expect(byParent.TotalCount).toBe(2);
    const byRequest = describeTasksSchema.parse(await client.call('DescribeTasks', { InvokeId: body.RequestId, Level: 1 }));
    expect(byRequest.Data.map((t) => t.TaskId)).toEqual([body.TaskId]);
  });
});
