import type { CallApi, EcpAction, WireBody, WireQuery } from '../../activities/ecp/call';
import { EcpError } from '../../activities/ecp/errors';
import { createEcpClientFromCall } from '../../activities/ecp/operations';

function fake(replies: Partial<Record<EcpAction, WireBody>>) {
  const sent: Array<{ action: EcpAction; query: WireQuery }> = [];
  const call: CallApi = async (action, query) => {
    sent.push({ action, query });
    const body = replies[action] ?? { RequestId: 'RID' };
    return { body, requestId: typeof body.RequestId === 'string' ? body.RequestId : '' };
  };
  return { client: createEcpClientFromCall(call), sent };
}

const ids = (n: number, p = 'acp-') => Array.from({ length: n }, (_, i) => `${p}${i}`);

describe('request mapping (camelCase → PascalCase wire names)', () => {
  it('recoverApp', async () => {
    const { client, sent } = fake({
      RecoverApp: {
        RequestId: 'R1',
        TaskId: 't-batch',
        Count: '2',
        Data: [{ AndroidInstanceId: 'acp-a', TaskId: 't-a' }, { AndroidInstanceId: 'acp-b', TaskId: 't-b' }, { Junk: 1 }],
      },
    });
    const res = await client.recoverApp({
      instanceIds: ['acp-a', 'acp-b'],
      backupFileId: 'bf-1',
      backupFilePath: 'oss://b/x.ab',
      uploadType: 'OSS',
      uploadEndpoint: 'oss-e',
    });
    expect(sent).toEqual([
      {
        action: 'RecoverApp',
        query: {
          AndroidInstanceIdList: ['acp-a', 'acp-b'],
          BackupFileId: 'bf-1',
          BackupFilePath: 'oss://b/x.ab',
          UploadType: 'OSS',
          UploadEndpoint: 'oss-e',
        },
      },
    ]);
    expect(res).toEqual({
      requestId: 'R1',
      batchTaskId: 't-batch',
      count: 2,
      tasks: [
        { instanceId: 'acp-a', taskId: 't-a' },
        { instanceId: 'acp-b', taskId: 't-b' },
      ],
    });
  });

  it('recoverApp without a TaskId in the reply is not retryable and flagged as possibly applied', async () => {
    const { client } = fake({ RecoverApp: { RequestId: 'R1' } });
    const err = await client
      .recoverApp({ instanceIds: ['acp-a'], backupFileId: 'bf', backupFilePath: 'p', uploadType: 'OSS' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'unknown', code: 'MalformedResponse', mayHaveSucceeded: true, requestId: 'R1' });
  });

  it('backupApp', async () => {
    const { client, sent } = fake({
      BackupApp: {
        RequestId: 'R',
        TaskId: 't-b',
        Count: 1,
        Data: [{ AndroidInstanceId: 'acp-s', BackupFileId: 'bf-9', BackupFileName: 'n.ab', TaskId: 't-c' }],
      },
    });
    const res = await client.backupApp({
      instanceIds: ['acp-s'],
      packages: ['com.x'],
      backupFilePath: 'oss://b/dir/',
      uploadEndpoint: 'e',
      backupFileName: 'n',
      description: 'd',
    });
    expect(sent[0]?.query).toEqual({
      AndroidInstanceIdList: ['acp-s'],
      SourceAppList: ['com.x'],
      BackupFilePath: 'oss://b/dir/',
      UploadEndpoint: 'e',
      BackupFileName: 'n',
      Description: 'd',
    });
    expect(res).toEqual({
      requestId: 'R',
      batchTaskId: 't-b',
      backups: [{ instanceId: 'acp-s', backupFileId: 'bf-9', backupFileName: 'n.ab', taskId: 't-c' }],
    });
  });

  it('describeBackupFiles: string MaxResults/TotalCount, SourceAppInfoList, empty NextToken', async () => {
    const { client, sent } = fake({
      DescribeBackupFiles: {
        RequestId: 'R',
        TotalCount: '1',
        MaxResults: '10',
        NextToken: '',
        Data: [
          {
            BackupFileId: 'bf-1',
            BackupFileName: 'a.ab',
            BackupFilePath: 'oss://b/a.ab',
            Status: 'AVAILABLE',
            AndroidInstanceId: 'acp-s',
            AndroidInstanceName: 'src',
            SourceAppInfoList: ['com.a', 'com.b'],
            UploadType: 'OSS',
            UploadEndpoint: 'e',
            SystemVersion: 'Android 11',
            FileSize: '1024',
            TaskId: 't-1',
            GmtCreated: '2026-01-02 03:04:05',
          },
        ],
      },
    });
    const page = await client.describeBackupFiles({ backupFileId: 'bf-1', maxResults: 10 });
    expect(sent[0]?.query).toEqual({ BackupFileId: 'bf-1', MaxResults: 10, NextToken: undefined });
    expect(page).toEqual({
      requestId: 'R',
      totalCount: 1,
      items: [
        {
          backupFileId: 'bf-1',
          backupFileName: 'a.ab',
          backupFilePath: 'oss://b/a.ab',
          status: 'AVAILABLE',
          sourceInstanceId: 'acp-s',
          sourceInstanceName: 'src',
          sourceAppList: ['com.a', 'com.b'],
          uploadType: 'OSS',
          uploadEndpoint: 'e',
          systemVersion: 'Android 11',
          fileSize: 1024,
          taskId: 't-1',
          createdAt: '2026-01-02 03:04:05',
        },
      ],
    });
  });

  it('deleteBackupFiles → DeleteBackupFile (singular) with BackupFileIdList', async () => {
    const { client, sent } = fake({});
    expect(await client.deleteBackupFiles(['bf-1', 'bf-2'])).toEqual({ requestId: 'RID' });
    expect(sent).toEqual([{ action: 'DeleteBackupFile', query: { BackupFileIdList: ['bf-1', 'bf-2'] } }]);
  });

  it('describeTasks: every filter and every item field', async () => {
    const { client, sent } = fake({
      DescribeTasks: {
        RequestId: 'R',
        TotalCount: 2,
        NextToken: 'tok',
        Data: [
          {
            TaskId: 't-1',
            ParentTaskId: 't-0',
            Level: '2',
            TaskType: 'RecoverApp',
            TaskStatus: 'Failed',
            InvokeId: 'inv',
            InstanceId: 'acp-a',
            InstanceStatus: 'RECOVER_FAILED',
            StartTime: '2026-01-01T00:00:00Z',
            FinishTime: '2026-01-01T00:01:00Z',
            ErrorCode: 'ImageMismatch',
            ErrorMsg: 'image differs',
            Result: '',
          },
          { TaskId: 't-2', ResourceId: 'acp-b', TaskStatus: 'Processing', ParentTaskId: '', ErrorCode: null },
          { NoId: true },
        ],
      },
    });
    const page = await client.describeTasks({
      taskIds: ['t-1', 't-2'],
      parentTaskId: 't-0',
      invokeId: 'inv',
      instanceId: 'acp-a',
      taskType: 'RecoverApp',
      level: 2,
      maxResults: 100,
      nextToken: 'x',
    });
    expect(sent[0]?.query).toEqual({
      TaskIds: ['t-1', 't-2'],
      ParentTaskId: 't-0',
      InvokeId: 'inv',
      InstanceId: 'acp-a',
      TaskType: 'RecoverApp',
      Level: 2,
      MaxResults: 100,
      NextToken: 'x',
    });
    expect(page.nextToken).toBe('tok');
    expect(page.totalCount).toBe(2);
    expect(page.items).toEqual([
      {
        taskId: 't-1',
        parentTaskId: 't-0',
        level: 2,
        taskType: 'RecoverApp',
        status: 'Failed',
        invokeId: 'inv',
        instanceId: 'acp-a',
        instanceStatus: 'RECOVER_FAILED',
        startTime: '2026-01-01T00:00:00Z',
        finishTime: '2026-01-01T00:01:00Z',
        errorCode: 'ImageMismatch',
        errorMessage: 'image differs',
        result: '',
      },
      { taskId: 't-2', instanceId: 'acp-b', status: 'Processing' },
    ]);
  });

  it('describeAndroidInstances reads InstanceModel[]', async () => {
    const { client, sent } = fake({
      DescribeAndroidInstances: {
        RequestId: 'R',
        TotalCount: 1,
        InstanceModel: [
          {
            AndroidInstanceId: 'acp-a',
            AndroidInstanceName: 'n',
            AndroidInstanceStatus: 'RUNNING',
            ImageId: 'img',
            ImageVersion: '3.5.3.867',
            SystemVersion: 'Android 11',
            InstanceType: 'acp.basic.small',
            ServerType: 'cpm.gx7.10xlarge',
            RegionId: 'cn-shanghai',
            ErrorCode: '',
            Rate: '100',
          },
        ],
      },
    });
    const page = await client.describeAndroidInstances({ instanceIds: ['acp-a'] });
    expect(sent[0]?.query).toEqual({ AndroidInstanceIds: ['acp-a'], MaxResults: undefined, NextToken: undefined });
    expect(page.items).toEqual([
      {
        instanceId: 'acp-a',
        instanceName: 'n',
        status: 'RUNNING',
        imageId: 'img',
        imageVersion: '3.5.3.867',
        systemVersion: 'Android 11',
        instanceType: 'acp.basic.small',
        serverType: 'cpm.gx7.10xlarge',
        regionId: 'cn-shanghai',
        rate: 100,
      },
    ]);
    expect(page.nextToken).toBeUndefined();
  });

  it('runCommand', async () => {
    const { client, sent } = fake({ RunCommand: { RequestId: 'R', InvokeId: 't-inv', TaskId: 't-batch', RunCommandInfos: [] } });
    expect(await client.runCommand({ instanceIds: ['acp-a'], command: "pm list packages | grep 'x' (y) !*", timeoutSeconds: 30 })).toEqual({
      requestId: 'R',
      invokeId: 't-inv',
      batchTaskId: 't-batch',
    });
    expect(sent[0]?.query).toEqual({ InstanceIds: ['acp-a'], CommandContent: "pm list packages | grep 'x' (y) !*", Timeout: 30 });
  });

  it('describeInvocations normalises status case and tolerates unknown values', async () => {
    const { client, sent } = fake({
      DescribeInvocations: {
        RequestId: 'R',
        TotalCount: '3',
        Data: [
          {
            InvocationId: 't-inv',
            InstanceId: 'acp-a',
            InvocationStatus: 'Success',
            Output: 'package:com.x\n',
            StartTime: '2026-01-01 00:00:00',
            FinishTime: '2026-01-01 00:00:01',
          },
          { InvocationId: 't-inv', InstanceId: 'acp-b', InvocationStatus: 'running' },
          { InvocationId: 't-inv', InstanceId: 'acp-c', InvocationStatus: 'Cancelled', Output: null },
        ],
      },
    });
    const res = await client.describeInvocations({ invocationId: 't-inv', instanceIds: ['acp-a', 'acp-b', 'acp-c'] });
    expect(sent[0]?.query).toEqual({ InstanceIds: ['acp-a', 'acp-b', 'acp-c'], InvocationId: 't-inv' });
    expect(res).toEqual({
      requestId: 'R',
      items: [
        {
          invocationId: 't-inv',
          instanceId: 'acp-a',
          status: 'SUCCESS',
          output: 'package:com.x\n',
          startTime: '2026-01-01 00:00:00',
          finishTime: '2026-01-01 00:00:01',
        },
        { invocationId: 't-inv', instanceId: 'acp-b', status: 'RUNNING', output: '' },
        { invocationId: 't-inv', instanceId: 'acp-c', status: 'RUNNING', rawStatus: 'Cancelled', output: '' },
      ],
    });
  });

  it('start / stop', async () => {
    const { client, sent } = fake({});
    await client.startAndroidInstances(['acp-a']);
    await client.stopAndroidInstances(['acp-a'], true);
    await client.stopAndroidInstances(['acp-b']);
    expect(sent).toEqual([
      { action: 'StartAndroidInstance', query: { AndroidInstanceIds: ['acp-a'] } },
      { action: 'StopAndroidInstance', query: { AndroidInstanceIds: ['acp-a'], ForceStop: true } },
      { action: 'StopAndroidInstance', query: { AndroidInstanceIds: ['acp-b'], ForceStop: undefined } },
    ]);
  });

  it('tolerates a body with no lists at all', async () => {
    const { client } = fake({ DescribeTasks: { RequestId: 'R', Data: null }, DescribeAndroidInstances: { RequestId: 'R' } });
    expect(await client.describeTasks({})).toEqual({ requestId: 'R', items: [] });
    expect((await client.describeAndroidInstances({})).items).toEqual([]);
  });
});

describe('client-side validation fails before sending', () => {
  const base = { backupFileId: 'bf', backupFilePath: 'p', uploadType: 'OSS' };
  const cases: Array<[string, (c: ReturnType<typeof fake>['client']) => Promise<unknown>, string]> = [
    ['recoverApp with 51 instances', (c) => c.recoverApp({ ...base, instanceIds: ids(51) }), 'InvalidParameter.AndroidInstanceIdList'],
    ['recoverApp with none', (c) => c.recoverApp({ ...base, instanceIds: [] }), 'MissingParameter.AndroidInstanceIdList'],
    [
      'recoverApp with an empty ID',
      (c) => c.recoverApp({ ...base, instanceIds: ['acp-a', ' '] }),
      'InvalidParameter.AndroidInstanceIdList',
    ],
    [
      'recoverApp without BackupFileId',
      (c) => c.recoverApp({ ...base, backupFileId: '', instanceIds: ['acp-a'] }),
      'MissingParameter.BackupFileId',
    ],
    [
      'backupApp with 51 packages',
      (c) => c.backupApp({ instanceIds: ['acp-a'], packages: ids(51, 'com.p'), backupFilePath: 'p', uploadEndpoint: 'e' }),
      'InvalidParameter.SourceAppList',
    ],
    ['deleteBackupFiles with 51', (c) => c.deleteBackupFiles(ids(51, 'bf-')), 'InvalidParameter.BackupFileIdList'],
    ['describeTasks with 101 IDs', (c) => c.describeTasks({ taskIds: ids(101, 't-') }), 'InvalidParameter.TaskIds'],
    ['describeTasks with MaxResults 101', (c) => c.describeTasks({ maxResults: 101 }), 'InvalidParameter.MaxResults'],
    [
      'describeAndroidInstances with 51',
      (c) => c.describeAndroidInstances({ instanceIds: ids(51) }),
      'InvalidParameter.AndroidInstanceIds',
    ],
    ['runCommand with 51', (c) => c.runCommand({ instanceIds: ids(51), command: 'ls' }), 'InvalidParameter.InstanceIds'],
    ['runCommand with no command', (c) => c.runCommand({ instanceIds: ['acp-a'], command: '' }), 'MissingParameter.CommandContent'],
    [
      'runCommand with Timeout 0',
      (c) => c.runCommand({ instanceIds: ['acp-a'], command: 'ls', timeoutSeconds: 0 }),
      'InvalidParameter.Timeout',
    ],
    [
      'describeInvocations without ID',
      (c) => c.describeInvocations({ invocationId: '', instanceIds: ['acp-a'] }),
      'MissingParameter.InvocationId',
    ],
    ['startAndroidInstances with 51', (c) => c.startAndroidInstances(ids(51)), 'InvalidParameter.AndroidInstanceIds'],
    ['stopAndroidInstances with none', (c) => c.stopAndroidInstances([]), 'MissingParameter.AndroidInstanceIds'],
  ];
  it.each(cases)('%s', async (_label, run, code) => {
    const f = fake({});
    const err = await run(f.client).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EcpError);
    expect(err).toMatchObject({ kind: 'invalid', code, mayHaveSucceeded: false });
    expect(f.sent).toHaveLength(0);
  });

  it('50 is accepted', async () => {
    const f = fake({ RunCommand: { RequestId: 'R', InvokeId: 'i' } });
    await f.client.runCommand({ instanceIds: ids(50), command: 'ls' });
    expect(f.sent).toHaveLength(1);
  });
});
