import { EmulatorAdmin } from '../../emulator/admin-client';
import { startEmulator, type RunningEmulator } from '../../emulator/server';
import {
  DEMO_BACKUP_1,
  DEMO_BACKUP_1_PATH,
  DEMO_BACKUP_2,
  DEMO_IMAGE_VERSION,
  DEMO_SERVER_TYPE,
  DEMO_SOURCE_1,
  DEMO_STOPPED_TARGET,
  DEMO_TARGETS,
  DEMO_UPLOAD_ENDPOINT,
} from '../../emulator/demo-seed';
import type { EcpCallEvent } from '../../activities/ecp/call';
import { describeEcpConfig } from '../../activities/ecp/config';
import { collectAll, describeInstancesByIds, describeTasksByIds } from '../../activities/ecp/paging';
import type { EcpClient, Task } from '../../activities/ecp/types';
import { AK_ID, AK_SECRET, clientConfig, clientFor, expectEcpError, NO_FAULTS, seenErrors } from './emulator-helpers';
import { waitFor } from '../harness/wait';

let emulator: RunningEmulator;
let admin: EmulatorAdmin;
let client: EcpClient;

const TERMINAL = new Set(['Finished', 'PartFinished', 'Failed', 'Skipped']);

beforeAll(async () => {
  emulator = await startEmulator({
    port: 0,
    seed: 'demo',
    accessKeyId: AK_ID,
    accessKeySecret: AK_SECRET,
    config: { timeScale: 0.001, qpsPerAction: 0 },
  });
  admin = new EmulatorAdmin(emulator.url);
  client = clientFor(emulator);
});
afterAll(async () => {
  await emulator?.close();
});

async function untilTerminal(taskIds: string[]): Promise<Task[]> {
  return waitFor('every task to end', async () => {
    const tasks = await describeTasksByIds(client, taskIds);
    return tasks.length === taskIds.length && tasks.every((t) => TERMINAL.has(t.status)) ? tasks : undefined;
  });
}

/** Sequence number of the newest call-log entry, so a test can count only its own calls. */
async function lastSeq(): Promise<number> {
  const all = await admin.allCalls(0);
  return all.at(-1)?.seq ?? 0;
}

const recoverReq = (instanceIds: string[]) => ({
  instanceIds,
  backupFileId: DEMO_BACKUP_1,
  backupFilePath: DEMO_BACKUP_1_PATH,
  uploadType: 'OSS',
  uploadEndpoint: DEMO_UPLOAD_ENDPOINT,
});

describe('happy paths against the emulator', () => {
  beforeAll(async () => {
    await admin.reset('demo');
    await admin.patchConfig(NO_FAULTS);
  });

  it('describeAndroidInstances maps InstanceModel', async () => {
    const page = await client.describeAndroidInstances({ instanceIds: [DEMO_TARGETS[0], DEMO_STOPPED_TARGET] });
    expect(page.requestId).toMatch(/^[0-9A-F-]{36}$/);
    expect(page.totalCount).toBe(2);
    const byId = new Map(page.items.map((i) => [i.instanceId, i]));
    expect(byId.get(DEMO_TARGETS[0])).toMatchObject({
      status: 'RUNNING',
      imageVersion: DEMO_IMAGE_VERSION,
      serverType: DEMO_SERVER_TYPE,
      regionId: 'cn-shanghai',
    });
    expect(byId.get(DEMO_STOPPED_TARGET)?.status).toBe('STOPPED');
  });

  it('describeBackupFiles maps the backup record', async () => {
    const page = await client.describeBackupFiles({ backupFileId: DEMO_BACKUP_1 });
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({
      backupFileId: DEMO_BACKUP_1,
      backupFilePath: DEMO_BACKUP_1_PATH,
      status: 'AVAILABLE',
      sourceInstanceId: DEMO_SOURCE_1,
      uploadType: 'OSS',
      uploadEndpoint: DEMO_UPLOAD_ENDPOINT,
    });
    expect(page.items[0]?.sourceAppList).toEqual(expect.arrayContaining(['com.example.notes', 'com.example.chat']));
    expect(typeof page.items[0]?.fileSize).toBe('number');
  });

  it('recoverApp → child tasks → DescribeTasks until Finished; wire params decoded by the emulator', async () => {
    const since = await lastSeq();
    const targets = [DEMO_TARGETS[0], DEMO_TARGETS[1]];
    const res = await client.recoverApp(recoverReq(targets));
    expect(res.batchTaskId).toMatch(/^t-/);
    expect(res.count).toBe(2);
    expect(res.tasks.map((t) => t.instanceId).sort()).toEqual([...targets].sort());
    const tasks = await untilTerminal(res.tasks.map((t) => t.taskId));
    expect(tasks.every((t) => t.status === 'Finished')).toBe(true);
    expect(tasks[0]).toMatchObject({ parentTaskId: res.batchTaskId, level: 2 });
    const recoverCalls = (await admin.allCalls(since, 'RecoverApp')).filter((c) => c.outcome === 'ok');
    expect(recoverCalls).toHaveLength(1);
    expect(recoverCalls[0]?.params).toMatchObject({ AndroidInstanceIdList: targets, BackupFileId: DEMO_BACKUP_1, UploadType: 'OSS' });
    const instances = await client.describeAndroidInstances({ instanceIds: targets });
    expect(instances.items.every((i) => i.status === 'RUNNING')).toBe(true);
  });

  it('describeTasks by parentTaskId and level', async () => {
    const res = await client.recoverApp(recoverReq([DEMO_TARGETS[2]]));
    const children = await client.describeTasks({ parentTaskId: res.batchTaskId, level: 2 });
    expect(children.items.map((t) => t.taskId)).toEqual([res.tasks[0]?.taskId]);
    await untilTerminal([res.tasks[0]?.taskId ?? '']);
  });

  it('runCommand + describeInvocations (status upper-cased, output returned)', async () => {
    const run = await client.runCommand({
      instanceIds: [DEMO_TARGETS[0], DEMO_TARGETS[3]],
      command: 'pm list packages com.example.notes',
      timeoutSeconds: 30,
    });
    expect(run.invokeId).toBeTruthy();
    const items = await waitFor('both invocations to finish', async () => {
      const r = await client.describeInvocations({ invocationId: run.invokeId, instanceIds: [DEMO_TARGETS[0], DEMO_TARGETS[3]] });
      return r.items.length === 2 && r.items.every((i) => i.status !== 'PENDING' && i.status !== 'RUNNING') ? r.items : undefined;
    });
    const byId = new Map(items.map((i) => [i.instanceId, i]));
    expect(byId.get(DEMO_TARGETS[0])).toMatchObject({ invocationId: run.invokeId, status: 'SUCCESS' });
    expect(byId.get(DEMO_TARGETS[0])?.output).toContain('package:com.example.notes');
    expect(byId.get(DEMO_TARGETS[3])?.output).not.toContain('com.example.notes');
  });

  it('backupApp creates a backup file that becomes AVAILABLE', async () => {
    const res = await client.backupApp({
      instanceIds: [DEMO_SOURCE_1],
      packages: ['com.example.notes'],
      backupFilePath: 'oss://cloudphone-saved-bucket-cn-shanghai-demo/ecp-test/',
      uploadEndpoint: DEMO_UPLOAD_ENDPOINT,
      backupFileName: 'ecp-test.ab',
    });
    expect(res.backups).toHaveLength(1);
    const backup = res.backups[0];
    expect(backup).toMatchObject({ instanceId: DEMO_SOURCE_1, backupFileName: 'ecp-test.ab' });
    await untilTerminal([backup?.taskId ?? '']);
    const file = await client.describeBackupFiles({ backupFileId: backup?.backupFileId });
    expect(file.items[0]).toMatchObject({ status: 'AVAILABLE', sourceAppList: ['com.example.notes'] });
  });

  it('deleteBackupFiles marks DELETING then removes; a repeat is notFound', async () => {
    await client.deleteBackupFiles([DEMO_BACKUP_2]);
    const after = await client.describeBackupFiles({ backupFileId: DEMO_BACKUP_2 });
    expect(after.items.length === 0 || after.items[0]?.status === 'DELETING').toBe(true);
    const e = await expectEcpError(client.deleteBackupFiles([DEMO_BACKUP_2]));
    expect(e).toMatchObject({ kind: 'notFound', code: 'InvalidParameter.BackupFileId', httpStatus: 400, action: 'DeleteBackupFile' });
  });

  it('stop and start an instance', async () => {
    const id = DEMO_TARGETS[4];
    await client.stopAndroidInstances([id], false);
    await waitFor('the instance to be STOPPED', async () =>
      (await client.describeAndroidInstances({ instanceIds: [id] })).items[0]?.status === 'STOPPED' ? true : undefined,
    );
    await client.startAndroidInstances([id]);
    await waitFor('the instance to be RUNNING', async () =>
      (await client.describeAndroidInstances({ instanceIds: [id] })).items[0]?.status === 'RUNNING' ? true : undefined,
    );
  });
});

describe('paging against the emulator', () => {
  const extra = Array.from({ length: 120 }, (_, i) => `acp-ecppaging${String(i).padStart(8, '0')}`);

  beforeAll(async () => {
    await admin.reset('demo');
    await admin.patchConfig(NO_FAULTS);
    await admin.addInstances(extra.map((id) => ({ id, imageVersion: DEMO_IMAGE_VERSION, serverType: DEMO_SERVER_TYPE })));
  });

  it('collectAll over DescribeAndroidInstances with small pages equals one big page', async () => {
    const small = await collectAll((nextToken) => client.describeAndroidInstances({ maxResults: 7, nextToken }));
    const big = await collectAll((nextToken) => client.describeAndroidInstances({ maxResults: 100, nextToken }));
    expect(small.length).toBeGreaterThanOrEqual(130);
    expect(small.map((i) => i.instanceId)).toEqual(big.map((i) => i.instanceId));
    expect(new Set(small.map((i) => i.instanceId)).size).toBe(small.length);
  });

  it('describeInstancesByIds chunks by 50', async () => {
    const since = await lastSeq();
    const found = await describeInstancesByIds(client, extra);
    expect(found.map((i) => i.instanceId).sort()).toEqual([...extra].sort());
    expect(await admin.allCalls(since, 'DescribeAndroidInstances')).toHaveLength(3);
  });

  it('describeTasksByIds: 120 tasks in 2 calls; NextToken paging by parent', async () => {
    const taskIds: string[] = [];
    let firstBatch = '';
    for (let i = 0; i < extra.length; i += 50) {
      const res = await client.recoverApp(recoverReq(extra.slice(i, i + 50)));
      firstBatch ||= res.batchTaskId;
      taskIds.push(...res.tasks.map((t) => t.taskId));
    }
    expect(taskIds).toHaveLength(120);
    const since = await lastSeq();
    const tasks = await describeTasksByIds(client, taskIds, { pageSize: 100 });
    expect(tasks.map((t) => t.taskId).sort()).toEqual([...taskIds].sort());
    const calls = await admin.allCalls(since, 'DescribeTasks');
    expect(calls).toHaveLength(2);
    const byParent = await collectAll((nextToken) => client.describeTasks({ parentTaskId: firstBatch, maxResults: 7, nextToken }));
    expect(byParent).toHaveLength(50);
    await untilTerminal(taskIds);
  });

  it('a NextToken replayed with another filter is invalid', async () => {
    const first = await client.describeAndroidInstances({ maxResults: 5 });
    expect(first.nextToken).toBeTruthy();
    const e = await expectEcpError(client.describeAndroidInstances({ instanceIds: [DEMO_TARGETS[0]], nextToken: first.nextToken }));
    expect(e).toMatchObject({ kind: 'invalid', code: 'InvalidParameter.NextToken' });
  });
});

describe('error classification against the emulator', () => {
  beforeEach(async () => {
    await admin.reset('demo');
    await admin.patchConfig(NO_FAULTS);
  });

  it('server-side validation errors → invalid', async () => {
    const badType = await expectEcpError(client.recoverApp({ ...recoverReq([DEMO_TARGETS[0]]), uploadType: 'HTTP' }));
    expect(badType).toMatchObject({ kind: 'invalid', code: 'InvalidParameter.UploadType', httpStatus: 400 });
    const stopped = await expectEcpError(client.recoverApp(recoverReq([DEMO_STOPPED_TARGET])));
    expect(stopped).toMatchObject({ kind: 'invalid', code: 'IncorrectInstanceStatus' });
    const dup = await expectEcpError(client.recoverApp(recoverReq([DEMO_TARGETS[0], DEMO_TARGETS[0]])));
    expect(dup.kind).toBe('invalid');
  });

  it('client-side caps → invalid, and nothing reaches the emulator', async () => {
    const since = await lastSeq();
    const ids = Array.from({ length: 51 }, (_, i) => `acp-x${i}`);
    expect(await expectEcpError(client.recoverApp(recoverReq(ids)))).toMatchObject({ kind: 'invalid' });
    expect(await expectEcpError(client.runCommand({ instanceIds: ids, command: 'ls' }))).toMatchObject({ kind: 'invalid' });
    expect(await admin.allCalls(since)).toHaveLength(0);
  });

  it('unknown IDs → notFound', async () => {
    const inst = await expectEcpError(client.recoverApp(recoverReq(['acp-doesnotexist000001'])));
    expect(inst).toMatchObject({ kind: 'notFound', code: 'InvalidParameter.InstanceId' });
    const bf = await expectEcpError(client.recoverApp({ ...recoverReq([DEMO_TARGETS[0]]), backupFileId: 'bf-doesnotexist00001' }));
    expect(bf).toMatchObject({ kind: 'notFound', code: 'InvalidParameter.BackupFileId' });
    const start = await expectEcpError(client.startAndroidInstances(['acp-doesnotexist000001']));
    expect(start.kind).toBe('notFound');
  });

  it('wrong secret → SignatureDoesNotMatch / auth, secret absent from the error', async () => {
    const bad = clientFor(emulator, { credentials: { accessKeyId: AK_ID, accessKeySecret: 'wrong-secret-Q1w2e3' } });
    const e = await expectEcpError(bad.describeTasks({}));
    expect(e).toMatchObject({ code: 'SignatureDoesNotMatch', kind: 'auth', httpStatus: 400 });
    expect(e.message).not.toContain('wrong-secret-Q1w2e3');
    expect(e.message).not.toContain('StringToSign');
  });

  it('unknown AccessKey ID → auth', async () => {
    const bad = clientFor(emulator, { credentials: { accessKeyId: 'nobody', accessKeySecret: AK_SECRET } });
    expect(await expectEcpError(bad.describeTasks({}))).toMatchObject({ kind: 'auth', code: 'InvalidAccessKeyId.NotFound' });
  });

  it.each([400, 429] as const)('throttling with HTTP %i → throttled (throttleRate 1)', async (status) => {
    await admin.patchConfig({ throttleRate: 1, throttleStatus: status });
    const e = await expectEcpError(client.describeTasks({}));
    expect(e).toMatchObject({ kind: 'throttled', code: 'Throttling.User', httpStatus: status, mayHaveSucceeded: false });
  });

  it('a low per-action QPS throttles a burst, and onCall reports both outcomes', async () => {
    await admin.patchConfig({ qpsOverrides: { DescribeAndroidInstances: 2 } });
    const events: EcpCallEvent[] = [];
    const c = clientFor(emulator, {}, { onCall: (e) => events.push(e) });
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => c.describeAndroidInstances({ maxResults: 1 })));
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected.length).toBeGreaterThan(0);
    for (const r of rejected) seenErrors.push(r.reason);
    expect(rejected.every((r) => r.reason.kind === 'throttled')).toBe(true);
    expect(events.filter((e) => e.outcome === 'ok').length).toBe(10 - rejected.length);
    expect(events.filter((e) => e.outcome === 'throttled').length).toBe(rejected.length);
    expect(events.every((e) => e.action === 'DescribeAndroidInstances' && e.durationMs >= 0)).toBe(true);
  });

  it('5xx → transient', async () => {
    await admin.patchConfig({ serverErrorRate: 1 });
    const codes = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const e = await expectEcpError(client.describeTasks({}));
      expect(e.kind).toBe('transient');
      expect([500, 503]).toContain(e.httpStatus);
      codes.add(e.code);
    }
    expect([...codes].every((c) => c === 'InternalError' || c === 'ServiceUnavailable')).toBe(true);
  });

  it('HTML error page → transient', async () => {
    await admin.patchConfig({ htmlErrorRate: 1 });
    expect(await expectEcpError(client.describeTasks({}))).toMatchObject({ kind: 'transient', code: 'MalformedResponse' });
  });

  it('slow reply beyond the read timeout → transient timeout', async () => {
    await admin.patchConfig({ slowReplyRate: 1, slowReplyMs: 800 });
    const quick = clientFor(emulator, { connectTimeoutMs: 300, readTimeoutMs: 300 });
    const e = await expectEcpError(quick.describeTasks({}));
    expect(e.kind).toBe('transient');
    expect(['ReadTimeout', 'ConnectTimeout']).toContain(e.code);
    expect(e.mayHaveSucceeded).toBe(true);
  });

  it('lost response on RecoverApp → transient but flagged mayHaveSucceeded (the task exists)', async () => {
    await admin.patchConfig({ lostResponseRate: 1, faultActions: ['RecoverApp'] });
    const e = await expectEcpError(client.recoverApp(recoverReq([DEMO_TARGETS[0]])));
    expect(e).toMatchObject({ kind: 'transient', mayHaveSucceeded: true });
    await admin.patchConfig(NO_FAULTS);
    const existing = await client.describeTasks({ instanceId: DEMO_TARGETS[0], level: 2 });
    expect(existing.items.length).toBe(1);
  });
});

describe('secrets', () => {
  it('no error seen in this suite, and no config summary, contains the secret', () => {
    expect(seenErrors.length).toBeGreaterThan(15);
    for (const e of seenErrors) {
      expect(e.message).not.toContain(AK_SECRET);
      expect(e.vendorMessage).not.toContain(AK_SECRET);
      expect(JSON.stringify(e)).not.toContain(AK_SECRET);
      expect(String(e.stack)).not.toContain(AK_SECRET);
    }
    const summary = JSON.stringify(describeEcpConfig(clientConfig(emulator)));
    expect(summary).not.toContain(AK_SECRET);
  });
});
