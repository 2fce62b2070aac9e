import { EmulatorAdmin } from '../../emulator/admin-client';
import {
  DEMO_BACKUP_1,
  DEMO_BACKUP_1_PATH,
  DEMO_BACKUP_2,
  DEMO_SOURCE_1,
  DEMO_STOPPED_TARGET,
  DEMO_TARGETS,
} from '../../emulator/demo-seed';
import { startEmulator, type RunningEmulator } from '../../emulator/server';
import {
  backupAppSchema,
  describeAndroidInstancesSchema,
  describeBackupFilesSchema,
  describeInvocationsSchema,
  describeTasksSchema,
  recoverAppSchema,
  requestIdOnlySchema,
  runCommandSchema,
  runSyncCommandSchema,
} from './helpers/contract';
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
beforeEach(() => admin.reset('demo'));
afterAll(() => emulator.close());

const recoverQuery = (ids: string[]) => ({
  AndroidInstanceIdList: ids,
  BackupFileId: DEMO_BACKUP_1,
  BackupFilePath: DEMO_BACKUP_1_PATH,
  UploadType: 'OSS',
  UploadEndpoint: 'oss-cn-shanghai-internal.aliyuncs.com',
});

async function tasksUntilTerminal(taskIds: string[]) {
  return waitFor('every task to end', async () => {
    const body = describeTasksSchema.parse(await client.call('DescribeTasks', { TaskIds: taskIds, MaxResults: 100 }));
    return body.Data.every((t) => ['Finished', 'Failed', 'PartFinished'].includes(t.TaskStatus)) ? body : undefined;
  });
}

describe('operations: happy paths and response contracts', () => {
  it('RecoverApp returns a batch task and one child per instance, all tracked by DescribeTasks', async () => {
    const body = recoverAppSchema.parse(await client.call('RecoverApp', recoverQuery([DEMO_TARGETS[0], DEMO_TARGETS[1]])));
    expect(body.Count).toBe(2);
    expect(body.Data.map((d) => d.AndroidInstanceId)).toEqual([DEMO_TARGETS[0], DEMO_TARGETS[1]]);
    const done = await tasksUntilTerminal([body.TaskId, ...body.Data.map((d) => d.TaskId)]);
    const batch = done.Data.find((t) => t.TaskId === body.TaskId);
    expect(batch).toMatchObject({
      Level: 1,
      TaskType: 'RecoverApp',
      TaskStatus: 'Finished',
      TotalChildCount: 2,
      SuccessChildCount: 2,
      FailedChildCount: 0,
      RunningChildCount: 0,
      InvokeId: body.RequestId,
    });
    const child = done.Data.find((t) => t.TaskId === body.Data[0].TaskId);
    expect(child).toMatchObject({
      Level: 2,
      ParentTaskId: body.TaskId,
      InstanceId: DEMO_TARGETS[0],
      ResourceId: DEMO_TARGETS[0],
      InstanceStatus: 'RUNNING',
    });
    expect(child?.FinishTime).toBeDefined();
  });

  it('BackupApp creates one BACKUPING backup file per instance that becomes AVAILABLE', async () => {
    // 2 s of real time (not 20 ms): still BACKUPING when it is first described, even on a loaded machine.
    await admin.patchConfig({ backupDurationMs: 2_000_000 });
    try {
      await backupAndWatch();
    } finally {
      await admin.patchConfig({ backupDurationMs: 20_000 });
    }
  });

  async function backupAndWatch(): Promise<void> {
    const body = backupAppSchema.parse(
      await client.call('BackupApp', {
        AndroidInstanceIdList: [DEMO_SOURCE_1],
        SourceAppList: ['com.example.notes'],
        BackupFilePath: 'oss://cloudphone-saved-bucket-test/dir',
        UploadEndpoint: 'oss-cn-shanghai-internal.aliyuncs.com',
        BackupFileName: 'MyBackup',
      }),
    );
    const backupFileId = body.Data[0].BackupFileId;
    const first = describeBackupFilesSchema.parse(await client.call('DescribeBackupFiles', { BackupFileId: backupFileId }));
    expect(first.Data[0]).toMatchObject({
      Status: 'BACKUPING',
      BackupFileName: 'MyBackup',
      BackupFilePath: `oss://cloudphone-saved-bucket-test/dir/${backupFileId}.ab`,
      TaskId: body.Data[0].TaskId,
    });
    await tasksUntilTerminal([body.Data[0].TaskId]);
    const after = describeBackupFilesSchema.parse(await client.call('DescribeBackupFiles', { BackupFileId: backupFileId }));
    expect(after.Data[0]).toMatchObject({
      Status: 'AVAILABLE',
      SourceAppInfoList: ['com.example.notes'],
      AndroidInstanceId: DEMO_SOURCE_1,
    });
    expect(after.Data[0].FileSize).toBeGreaterThan(0);
    const frozen = await admin.backup(backupFileId);
    expect(frozen.packages[0]).toMatchObject({ packageName: 'com.example.notes', versionName: '2.3.1', versionCode: 231 });
  }

  it('DescribeBackupFiles reports the SDK types (MaxResults as a string) and filters', async () => {
    const body = describeBackupFilesSchema.parse(await client.call('DescribeBackupFiles', { StatusList: ['AVAILABLE'] }));
    expect(body.TotalCount).toBe(2);
    expect(body.MaxResults).toBe('10');
    expect(body.NextToken).toBe('');
    const one = describeBackupFilesSchema.parse(await client.call('DescribeBackupFiles', { BackupFileId: DEMO_BACKUP_1 }));
    expect(one.Data[0].SourceAppInfoList.sort()).toEqual(['com.example.chat', 'com.example.notes']);
    const byName = describeBackupFilesSchema.parse(await client.call('DescribeBackupFiles', { BackupFileName: 'demo-chat' }));
    expect(byName.Data.map((b) => b.BackupFileId)).toEqual([DEMO_BACKUP_2]);
    const none = describeBackupFilesSchema.parse(await client.call('DescribeBackupFiles', { StatusList: ['DELETING'] }));
    expect(none.TotalCount).toBe(0);
  });

  it('DeleteBackupFile marks DELETING then removes the file after the delay', async () => {
    requestIdOnlySchema.parse(await client.call('DeleteBackupFile', { BackupFileIdList: [DEMO_BACKUP_2] }));
    await waitFor('the deleted backup to disappear', async () => {
      const body = describeBackupFilesSchema.parse(await client.call('DescribeBackupFiles', { BackupFileId: DEMO_BACKUP_2 }));
      return body.TotalCount === 0 ? true : undefined;
    });
  });

  it('DeleteBackupFile shows DELETING in between', async () => {
    await admin.patchConfig({ deleteDelayMs: 60_000_000 });
    await client.call('DeleteBackupFile', { BackupFileIdList: [DEMO_BACKUP_2] });
    const body = describeBackupFilesSchema.parse(await client.call('DescribeBackupFiles', { BackupFileId: DEMO_BACKUP_2 }));
    expect(body.Data[0].Status).toBe('DELETING');
    await admin.patchConfig({ deleteDelayMs: 2000 });
  });

  it('DescribeAndroidInstances returns InstanceModel with the documented fields', async () => {
    const body = describeAndroidInstancesSchema.parse(await client.call('DescribeAndroidInstances', {}));
    expect(body.TotalCount).toBe(11);
    expect(body.InstanceModel).toHaveLength(11); // default MaxResults is 100
    const stopped = describeAndroidInstancesSchema.parse(await client.call('DescribeAndroidInstances', { Status: 'STOPPED' }));
    expect(stopped.InstanceModel.map((i) => i.AndroidInstanceId)).toEqual([DEMO_STOPPED_TARGET]);
  });

  it('RunCommand + DescribeInvocations + DescribeTasks Result carry the output', async () => {
    const body = runCommandSchema.parse(
      await client.call('RunCommand', { InstanceIds: [DEMO_SOURCE_1], CommandContent: 'pm list packages com.example' }),
    );
    const invocation = await waitFor('the invocation to succeed', async () => {
      const result = describeInvocationsSchema.parse(
        await client.call('DescribeInvocations', { InstanceIds: [DEMO_SOURCE_1], InvocationId: body.InvokeId }),
      );
      return result.Data[0]?.InvocationStatus === 'SUCCESS' ? result : undefined;
    });
    expect(invocation.TotalCount).toBe('1');
    expect(invocation.Data[0].Output).toBe('package:com.example.chat\npackage:com.example.notes\n');
    const tasks = describeTasksSchema.parse(await client.call('DescribeTasks', { TaskIds: [body.RunCommandInfos[0].ChildTaskId] }));
    expect(tasks.Data[0]).toMatchObject({
      TaskType: 'RunCommand',
      TaskStatus: 'Finished',
      InvokeId: body.InvokeId,
      Result: invocation.Data[0].Output,
    });
    const byInvoke = describeTasksSchema.parse(await client.call('DescribeTasks', { InvokeId: body.InvokeId }));
    expect(byInvoke.TotalCount).toBe(2);
  });

  it('RunSyncCommand answers with the output in the reply', async () => {
    const body = runSyncCommandSchema.parse(
      await client.call('RunSyncCommand', {
        InstanceIds: [DEMO_SOURCE_1, DEMO_TARGETS[0]],
        CommandContent: 'ls /data/data',
        WaitTime: 1000,
      }),
    );
    expect(body.TotalCount).toBe('2');
    expect(body.Data.map((d) => [d.InvocationStatus, d.Output])).toEqual([
      ['SUCCESS', 'com.example.chat\ncom.example.notes\n'],
      ['SUCCESS', ''],
    ]);
  });

  it('RunSyncCommand reports RUNNING when the command outlasts WaitTime', async () => {
    await admin.patchConfig({ commandDurationMs: 600_000 });
    const body = runSyncCommandSchema.parse(
      await client.call('RunSyncCommand', { InstanceIds: [DEMO_SOURCE_1], CommandContent: 'echo hi', WaitTime: 500 }),
    );
    expect(body.Data[0].Output).toBe('');
    expect(['PENDING', 'RUNNING']).toContain(body.Data[0].InvocationStatus); // Waiting lasts 5% of the duration
    await admin.patchConfig({ commandDurationMs: 1000 });
  });

  it('Stop and Start go through STOPPING/STARTING tasks', async () => {
    await admin.patchConfig({ startStopDurationMs: 2_000_000 }); // 2 s real: STOPPING is observed even on a loaded machine
    requestIdOnlySchema.parse(await client.call('StopAndroidInstance', { AndroidInstanceIds: [DEMO_TARGETS[0]] }));
    const stopping = describeAndroidInstancesSchema.parse(
      await client.call('DescribeAndroidInstances', { AndroidInstanceIds: [DEMO_TARGETS[0]] }),
    );
    expect(stopping.InstanceModel[0].AndroidInstanceStatus).toBe('STOPPING');
    const stopTasks = describeTasksSchema.parse(
      await client.call('DescribeTasks', { ResourceIds: [DEMO_TARGETS[0]], TaskType: 'StopInstance', Level: 2 }),
    );
    expect(stopTasks.Data).toHaveLength(1);
    await tasksUntilTerminal([stopTasks.Data[0].TaskId]);
    const instance = await admin.instance(DEMO_TARGETS[0]);
    expect(instance.status).toBe('STOPPED');
    await client.call('StartAndroidInstance', { AndroidInstanceIds: [DEMO_TARGETS[0]] });
    await waitFor('the instance to be RUNNING', async () => ((await admin.instance(DEMO_TARGETS[0])).status === 'RUNNING' ? true : undefined));
    const wrong = await client.fail('StartAndroidInstance', { AndroidInstanceIds: [DEMO_TARGETS[1]] });
    expect(wrong.code).toBe('IncorrectInstanceStatus');
    await admin.patchConfig({ startStopDurationMs: 5000 });
  });
});

describe('paging', () => {
  it('DescribeTasks pages with NextToken in creation order and rejects a token reused with another filter', async () => {
    for (let i = 0; i < 3; i++) await client.call('RunCommand', { InstanceIds: DEMO_TARGETS.slice(0, 4), CommandContent: 'echo hi' });
    const seen: string[] = [];
    let nextToken = '';
    let pages = 0;
    do {
      const page = describeTasksSchema.parse(
        await client.call('DescribeTasks', { Level: 2, MaxResults: 5, NextToken: nextToken || undefined }),
      );
      expect(page.TotalCount).toBe(12);
      seen.push(...page.Data.map((t) => t.TaskId));
      nextToken = page.NextToken;
      pages += 1;
    } while (nextToken);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(12);
    const all = await admin.state();
    expect(seen).toEqual(all.tasks.filter((t) => t.level === 2).map((t) => t.id));
    const first = describeTasksSchema.parse(await client.call('DescribeTasks', { Level: 2, MaxResults: 5 }));
    const misuse = await client.fail('DescribeTasks', { Level: 1, MaxResults: 5, NextToken: first.NextToken });
    expect([misuse.statusCode, misuse.code]).toEqual([400, 'InvalidParameter.NextToken']);
    const garbage = await client.fail('DescribeTasks', { NextToken: 'bm9wZQ==' });
    expect(garbage.code).toBe('InvalidParameter.NextToken');
  });

  it('DescribeAndroidInstances and DescribeBackupFiles page too', async () => {
    const page1 = describeAndroidInstancesSchema.parse(await client.call('DescribeAndroidInstances', { MaxResults: 4 }));
    const page2 = describeAndroidInstancesSchema.parse(
      await client.call('DescribeAndroidInstances', { MaxResults: 4, NextToken: page1.NextToken }),
    );
    const page3 = describeAndroidInstancesSchema.parse(
      await client.call('DescribeAndroidInstances', { MaxResults: 4, NextToken: page2.NextToken }),
    );
    expect([page1.InstanceModel.length, page2.InstanceModel.length, page3.InstanceModel.length]).toEqual([4, 4, 3]);
    expect(page3.NextToken).toBe('');
    const backups = describeBackupFilesSchema.parse(await client.call('DescribeBackupFiles', { MaxResults: 1 }));
    expect([backups.MaxResults, backups.Data.length, backups.TotalCount]).toEqual(['1', 1, 2]);
    const rest = describeBackupFilesSchema.parse(await client.call('DescribeBackupFiles', { MaxResults: 1, NextToken: backups.NextToken }));
    expect(rest.Data[0].BackupFileId).toBe(DEMO_BACKUP_2);
  });

  it('rejects MaxResults outside 1–100', async () => {
    for (const value of [0, 101]) {
      const error = await client.fail('DescribeTasks', { MaxResults: value });
      expect([error.statusCode, error.code]).toEqual([400, 'InvalidParameter.MaxResults']);
    }
  });
});

describe('validation errors', () => {
  it.each([
    ['AndroidInstanceIdList', { BackupFileId: DEMO_BACKUP_1, BackupFilePath: DEMO_BACKUP_1_PATH, UploadType: 'OSS' }],
    ['BackupFileId', { AndroidInstanceIdList: [DEMO_TARGETS[0]], BackupFilePath: DEMO_BACKUP_1_PATH, UploadType: 'OSS' }],
    ['BackupFilePath', { AndroidInstanceIdList: [DEMO_TARGETS[0]], BackupFileId: DEMO_BACKUP_1, UploadType: 'OSS' }],
    ['UploadType', { AndroidInstanceIdList: [DEMO_TARGETS[0]], BackupFileId: DEMO_BACKUP_1, BackupFilePath: DEMO_BACKUP_1_PATH }],
  ])('RecoverApp without %s → 400 MissingParameter naming it', async (name, query) => {
    const error = await client.fail('RecoverApp', query);
    expect([error.statusCode, error.code]).toEqual([400, 'MissingParameter']);
    expect(error.message).toContain(name);
  });

  it('RecoverApp rejects lists over 50, unknown backups and unknown instances', async () => {
    const many = Array.from({ length: 51 }, (_, i) => `acp-x${i}`);
    expect((await client.fail('RecoverApp', recoverQuery(many))).code).toBe('InvalidParameter');
    expect((await client.fail('RecoverApp', { ...recoverQuery([DEMO_TARGETS[0]]), BackupFileId: 'bf-unknown' })).code).toBe(
      'InvalidParameter.BackupFileId',
    );
    const unknown = await client.fail('RecoverApp', recoverQuery(['acp-doesnotexist']));
    expect([unknown.statusCode, unknown.code]).toEqual([400, 'InvalidParameter.InstanceId']);
    expect(unknown.message).toContain('acp-doesnotexist');
  });

  it('RecoverApp rejects a backup that is not AVAILABLE', async () => {
    await admin.patchBackup(DEMO_BACKUP_1, { status: 'BACKUP_FAILED' });
    const error = await client.fail('RecoverApp', recoverQuery([DEMO_TARGETS[0]]));
    expect([error.statusCode, error.code]).toEqual([400, 'IncorrectBackupFileStatus']);
  });

  it('RunCommand requires InstanceIds and CommandContent and caps the list at 50', async () => {
    expect((await client.fail('RunCommand', { CommandContent: 'ls /' })).message).toContain('InstanceIds');
    expect((await client.fail('RunCommand', { InstanceIds: [DEMO_TARGETS[0]] })).message).toContain('CommandContent');
    const many = Array.from({ length: 51 }, (_, i) => `acp-x${i}`);
    expect((await client.fail('RunCommand', { InstanceIds: many, CommandContent: 'ls /' })).code).toBe('InvalidParameter');
  });

  it('DescribeInvocations requires both parameters', async () => {
    expect((await client.fail('DescribeInvocations', { InstanceIds: [DEMO_TARGETS[0]] })).message).toContain('InvocationId');
  });

  it('BackupApp rejects a path outside the cloudphone-saved-bucket-* buckets', async () => {
    const error = await client.fail('BackupApp', {
      AndroidInstanceIdList: [DEMO_SOURCE_1],
      SourceAppList: ['com.example.notes'],
      BackupFilePath: 'oss://other/x',
      UploadEndpoint: 'e',
    });
    expect(error.code).toBe('InvalidParameter.BackupFilePath');
  });
});
