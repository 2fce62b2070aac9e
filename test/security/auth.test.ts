// Authentication at both ends. The API: no token or a wrong one gets the same 401 whether the workflow
// exists or not, and nothing starts. The emulator: a RecoverApp with a bad signature, a stale date or a
// replayed nonce is refused and creates no task (the ledger is the proof, not the status code alone).
import '../harness/quiet-runtime';
import { DEFAULT_ACCESS_KEY_ID, startEmulator, type RunningEmulator } from '../../emulator/server';
import { EmulatorAdmin } from '../../emulator/admin-client';
import { createEcpClient, isEcpError, loadEcpConfig } from '../../activities/ecp';
import { connectTestTemporal, uniqueTaskQueue, type TestTemporal } from '../harness/temporal';
import { startApi, TEST_TOKEN, type ApiUnderTest } from '../api/api-harness';
import { signedV3 } from '../emulator/helpers/raw-request';

jest.setTimeout(60_000);

let temporal: TestTemporal;
let api: ApiUnderTest;
let emulator: RunningEmulator;
let admin: EmulatorAdmin;
let taskQueue: string;
let existingId: string;

beforeAll(async () => {
  temporal = await connectTestTemporal();
  taskQueue = uniqueTaskQueue('sec-auth');
  api = await startApi(temporal.client, taskQueue);
  emulator = await startEmulator({ seed: 'demo', config: { timeScale: 0.01, qpsPerAction: 0 } });
  admin = new EmulatorAdmin(emulator.url);
  // A workflow that exists (no worker needed: it only has to be known to the server).
  const started = await api.call('POST', '/v1/recoveries', { body: { backupFileId: 'bf-authcase0001', instanceIds: ['acp-authcase0001'] } });
  expect(started.status).toBe(202);
  existingId = started.json.workflowId;
});

afterAll(async () => {
  await temporal?.client.workflow.getHandle(existingId).terminate('test done').catch(() => undefined);
  await api?.close();
  await emulator?.close();
  await temporal?.close();
});

describe('HTTP API tokens', () => {
  const wrongTokens: (string | null)[] = [null, '', 'Bearer', `${TEST_TOKEN}x`, TEST_TOKEN.slice(0, -1), TEST_TOKEN.toUpperCase(), `Basic ${TEST_TOKEN}`];

  it('gives the same 401 for an existing and a made-up workflow, with every missing or wrong token', async () => {
    for (const token of wrongTokens) {
      const answers = [];
      for (const path of [`/v1/recoveries/${existingId}`, '/v1/recoveries/recovery-does-not-exist-123', `/v1/recoveries/${existingId}/report`, '/v1/recoveries/nope/report']) {
        const res = await api.call('GET', path, { token: token === null ? null : token });
        answers.push({ status: res.status, body: res.text });
      }
      expect(answers.every((a) => a.status === 401)).toBe(true);
      expect(new Set(answers.map((a) => a.body)).size).toBe(1); // nothing tells the two apart
    }
  });

  it('starts nothing for an unauthenticated POST', async () => {
    const before = (await temporal.client.workflow.count(`TaskQueue = '${taskQueue}'`)).count;
    for (const token of wrongTokens) {
      const res = await api.call('POST', '/v1/recoveries', { body: { backupFileId: 'bf-authcase0002', instanceIds: ['acp-authcase0002'] }, token });
      expect(res.status).toBe(401);
    }
    expect((await temporal.client.workflow.count(`TaskQueue = '${taskQueue}'`)).count).toBe(before);
  });

  it('lets the right token through (the 401s above are about the token, not the route)', async () => {
    expect((await api.call('GET', `/v1/recoveries/${existingId}`)).status).toBe(200);
    expect((await api.call('GET', '/v1/recoveries/recovery-does-not-exist-123')).status).toBe(404);
  });
});

describe('emulator request signing', () => {
  it('refuses RecoverApp signed with the wrong secret, and creates no task', async () => {
    const state = await admin.state();
    const backup = state.backups.find((b) => b.status === 'AVAILABLE')!;
    const target = state.instances.find((i) => i.status === 'RUNNING' && i.id !== backup.sourceInstanceId)!;
    const client = createEcpClient(loadEcpConfig({ CPR_ECP_ENDPOINT: emulator.endpoint, CPR_ECP_PROTOCOL: 'http' }, { credentials: { accessKeyId: DEFAULT_ACCESS_KEY_ID, accessKeySecret: 'wrong-secret-value-123456' } }));
    const tasksBefore = (await admin.stats()).counts.tasks;
    let error: unknown;
    try {
      await client.recoverApp({ instanceIds: [target.id], backupFileId: backup.id, backupFilePath: backup.path, uploadType: 'OSS', uploadEndpoint: backup.uploadEndpoint });
    } catch (err) {
      error = err;
    }
    expect(isEcpError(error) && error.kind).toBe('auth');
    expect(String((error as Error).message)).not.toContain('wrong-secret-value-123456');
    expect((await admin.stats()).counts.tasks).toBe(tasksBefore);
  });

  it('refuses stale dates and replayed nonces on a state-changing call', async () => {
    const state = await admin.state();
    const backup = state.backups.find((b) => b.status === 'AVAILABLE')!;
    const target = state.instances.find((i) => i.status === 'RUNNING' && i.id !== backup.sourceInstanceId)!;
    const params = { 'InstanceIdList.1': target.id, BackupFileId: backup.id, BackupFilePath: backup.path, UploadType: 'OSS', UploadEndpoint: backup.uploadEndpoint };
    const tasksBefore = (await admin.stats()).counts.tasks;
    const stale = await signedV3(emulator, 'RecoverApp', params, { date: new Date(Date.now() - 20 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z') });
    expect(stale.status).toBe(400);
    expect(stale.json().Code).toMatch(/^InvalidTimeStamp/);
    expect((await admin.stats()).counts.tasks).toBe(tasksBefore);
    const nonce = 'a'.repeat(32);
    const first = await signedV3(emulator, 'DescribeTasks', {}, { nonce });
    expect(first.status).toBe(200);
    const replay = await signedV3(emulator, 'RecoverApp', params, { nonce });
    expect(replay.status).toBe(400);
    expect(replay.json().Code).toBe('SignatureNonceUsed');
    expect((await admin.stats()).counts.tasks).toBe(tasksBefore);
  });
});
