import { EmulatorAdmin, EmulatorAdminError } from '../../emulator/admin-client';
import { CallLog } from '../../emulator/call-log';
import { DEMO_BACKUP_1, DEMO_BACKUP_2, DEMO_SOURCE_1, DEMO_TARGETS } from '../../emulator/demo-seed';
import { main } from '../../emulator/main';
import { generatedFleetLayout } from '../../emulator/seed';
import { startEmulator, type RunningEmulator } from '../../emulator/server';
import { describeAndroidInstancesSchema, describeTasksSchema, recoverAppSchema } from './helpers/contract';
import { rawRequest } from './helpers/raw-request';
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

describe('admin API', () => {
  it('reads and patches the config, rejecting unknown or out-of-range fields with the field name', async () => {
    expect((await admin.getConfig()).timeScale).toBe(0.001);
    expect((await admin.patchConfig({ recoverDurationMs: 1234 })).recoverDurationMs).toBe(1234);
    const badRate = await admin.patchConfig({ taskFailureRate: 2 }).catch((e: EmulatorAdminError) => e);
    expect(badRate).toBeInstanceOf(EmulatorAdminError);
    expect((badRate as EmulatorAdminError).status).toBe(400);
    expect((badRate as Error).message).toContain('taskFailureRate');
    const unknown = await fetch(`${emulator.url}/__emulator/config`, { method: 'PATCH', body: JSON.stringify({ tmeScale: 1 }) });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('tmeScale');
  });

  it('logs every call with decoded params, outcome and effects, paged by since/nextSeq', async () => {
    await admin.clearCalls();
    const body = recoverAppSchema.parse(
      await client.call('RecoverApp', {
        AndroidInstanceIdList: [DEMO_TARGETS[0], DEMO_TARGETS[1]],
        BackupFileId: DEMO_BACKUP_1,
        BackupFilePath: (await admin.backup(DEMO_BACKUP_1)).path,
        UploadType: 'OSS',
      }),
    );
    await client.fail('DescribeTasks', { MaxResults: 0 });
    await client.call('DescribeTasks');
    const first = await admin.calls({ limit: 2 });
    expect(first.calls.map((c) => [c.action, c.outcome, c.httpStatus])).toEqual([
      ['RecoverApp', 'ok', 200],
      ['DescribeTasks', 'error', 400],
    ]);
    expect(first.calls[0].params.AndroidInstanceIdList).toEqual([DEMO_TARGETS[0], DEMO_TARGETS[1]]);
    expect(first.calls[0].requestId).toBe(body.RequestId);
    expect(first.calls[0].effects?.recoveryTasks).toEqual(body.Data.map((d) => ({ instanceId: d.AndroidInstanceId, taskId: d.TaskId })));
    expect(first.calls[1].code).toBe('InvalidParameter.MaxResults');
    expect(first.calls[0].time).toMatch(/\.\d{3}Z$/);
    const second = await admin.calls({ since: first.nextSeq });
    expect(second.calls.map((c) => c.action)).toEqual(['DescribeTasks']);
    expect((await admin.calls({ since: second.nextSeq })).calls).toEqual([]);
    expect(await admin.allCalls()).toHaveLength(3);
    await admin.clearCalls();
    expect((await admin.calls()).calls).toEqual([]);
  });

  it('keeps the call log cheap at 100k entries', () => {
    const log = new CallLog(() => 200_000);
    const started = process.hrtime.bigint();
    for (let i = 0; i < 100_000; i++) {
      log.record({
        time: Date.now(),
        action: 'DescribeTasks',
        rawQuery: `TaskIds.1=t-${i}`,
        rawForm: '',
        httpStatus: 200,
        requestId: 'R',
        outcome: 'ok',
        durationMs: 1,
      });
    }
    const page = log.list(99_990, 100);
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    expect(page.calls).toHaveLength(10);
    expect(page.calls[0].params).toEqual({ TaskIds: ['t-99990'] });
    expect(elapsedMs).toBeLessThan(5000); // linear, not quadratic: ~1 s even on a loaded 2-core box
  });

  it('dumps the full state and stats', async () => {
    const state = await admin.state();
    expect(state.instances).toHaveLength(11);
    expect(state.backups.map((b) => b.id)).toEqual([DEMO_BACKUP_1, DEMO_BACKUP_2]);
    expect(state.instances.find((i) => i.id === DEMO_SOURCE_1)?.packages['com.example.notes'].data['files/notes/2024/today.txt']).toContain(
      'Buy milk',
    );
    const stats = await admin.stats();
    expect(stats).toMatchObject({
      duplicateRecoveryTasks: 0,
      recoveryTasksByInstance: {},
      counts: { instances: 11, backups: 2, tasks: 0 },
    });
  });

  it('adds instances and backups, patches an instance, and validates seeds with clear errors', async () => {
    await admin.addInstances([
      {
        id: 'acp-extra00000000000001',
        packages: [{ packageName: 'com.example.extra', versionName: '1.0', versionCode: 1, data: { 'files/a.txt': 'a' } }],
      },
    ]);
    await admin.addBackups([{ id: 'bf-extra0000000000001', sourceInstanceId: 'acp-extra00000000000001' }]);
    expect((await admin.backup('bf-extra0000000000001')).sourceAppInfoList).toEqual(['com.example.extra']);
    const patched = await admin.patchInstance(DEMO_TARGETS[0], { status: 'UNAVAILABLE', errorCode: 'Broken', overrides: { stuck: true } });
    expect([patched.status, patched.errorCode, patched.overrides]).toEqual(['UNAVAILABLE', 'Broken', { stuck: true }]);
    expect((await admin.getConfig()).instanceOverrides[DEMO_TARGETS[0]]).toEqual({ stuck: true });
    const model = describeAndroidInstancesSchema.parse(
      await client.call('DescribeAndroidInstances', { AndroidInstanceIds: [DEMO_TARGETS[0]] }),
    );
    expect(model.InstanceModel[0]).toMatchObject({ AndroidInstanceStatus: 'UNAVAILABLE', ErrorCode: 'Broken' });
    const failure = (promise: Promise<unknown>): Promise<Error> =>
      promise.then(
        () => {
          throw new Error('expected a failure');
        },
        (e: Error) => e,
      );
    const duplicate = await failure(admin.addInstances([{ id: DEMO_TARGETS[1] }]));
    expect(duplicate.message).toContain('already exists');
    const badId = await failure(admin.addInstances([{ id: 'i-wrong' }]));
    expect(badId.message).toMatch(/id.*acp-/s);
    const orphan = await failure(admin.addBackups([{ id: 'bf-orphan', sourceInstanceId: 'acp-missing' }]));
    expect(orphan.message).toContain('acp-missing');
    expect((await rawRequest(emulator, { method: 'GET', path: '/__emulator/nothing' })).status).toBe(404);
  });

  it('resets to a custom seed object', async () => {
    const summary = await admin.reset({ instances: [{ id: 'acp-only0000000000001' }] });
    expect(summary.instanceIds).toEqual(['acp-only0000000000001']);
    expect((await admin.state()).instances).toHaveLength(1);
  });

  it('generates a 10,000-instance fleet quickly with deterministic IDs that the API serves', async () => {
    const spec = {
      sources: 100,
      targetsPerSource: 100,
      packages: [{ packageName: 'com.example.bench', versionName: '1.0.0', versionCode: 100 }],
      filesPerApp: 3,
    };
    const started = Date.now();
    const summary = await admin.reset({ generate: spec });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(summary.instanceIds).toHaveLength(10_100);
    expect(summary.generated).toEqual(generatedFleetLayout(spec));
    const item = summary.generated![42];
    expect(item.targetInstanceIds[0]).toMatch(/^acp-[a-z0-9]{17}$/);
    expect(item.backupFileId).toMatch(/^bf-[a-z0-9]{17}$/);
    const path = (await admin.backup(item.backupFileId)).path;
    const body = recoverAppSchema.parse(
      await client.call('RecoverApp', {
        AndroidInstanceIdList: item.targetInstanceIds.slice(0, 50),
        BackupFileId: item.backupFileId,
        BackupFilePath: path,
        UploadType: 'OSS',
      }),
    );
    await waitFor('every task Finished', async () => {
      const tasks = describeTasksSchema.parse(
        await client.call('DescribeTasks', { TaskIds: body.Data.map((d) => d.TaskId), MaxResults: 100 }),
      );
      return tasks.Data.every((t) => t.TaskStatus === 'Finished') ? true : undefined;
    });
    const page = describeAndroidInstancesSchema.parse(await client.call('DescribeAndroidInstances', { MaxResults: 100 }));
    expect(page.TotalCount).toBe(10_100);
  });
});

describe('standalone entry', () => {
  it('prints one listening line without the secret, and fails cleanly on a busy port', async () => {
    const lines: string[] = [];
    const output = { log: (l: string) => lines.push(l), error: (l: string) => lines.push(`ERR ${l}`) };
    const running = await main(['--port', '0', '--access-key-secret', 'top-secret', '--time-scale', '0.01'], output);
    expect(running).toBeDefined();
    expect(lines).toEqual([`Cloud Phone API emulator listening on ${running!.url} (access key id cpr-emulator-id)`]);
    expect(lines.join('')).not.toContain('top-secret');
    const busy = await main(['--port', String(running!.port)], output);
    expect(busy).toBeUndefined();
    expect(lines[1]).toBe(`ERR Error: port ${running!.port} on 127.0.0.1 is already in use`);
    expect(process.exitCode).toBe(1);
    process.exitCode = 0;
    await running!.close();
  });
});
