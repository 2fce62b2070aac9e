import { EmulatorAdmin } from '../../emulator/admin-client';
import { DEFAULT_CONFIG } from '../../emulator/config';
import { DEMO_BACKUP_1, DEMO_BACKUP_1_PATH, DEMO_TARGETS } from '../../emulator/demo-seed';
import { startEmulator, type RunningEmulator } from '../../emulator/server';
import { describeBackupFilesSchema, recoverAppSchema } from './helpers/contract';
import { rawRequest, signedV2, signedV3 } from './helpers/raw-request';
import { vendorClient } from './helpers/vendor-client';

let emulator: RunningEmulator;
let admin: EmulatorAdmin;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, config: { timeScale: 0.001 } });
  admin = new EmulatorAdmin(emulator.url);
});
beforeEach(async () => {
  await admin.patchConfig({ ...DEFAULT_CONFIG, timeScale: 0.001, qpsPerAction: 0 });
  await admin.reset('demo');
});
afterAll(() => emulator.close());

const recoverBase = { BackupFileId: DEMO_BACKUP_1, BackupFilePath: DEMO_BACKUP_1_PATH, UploadType: 'OSS' };
const isoNoMillis = (epochMs: number): string => new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('list parameters', () => {
  it.each([
    ['repeat-list Name.N, V3', 'v3', { 'AndroidInstanceIdList.1': DEMO_TARGETS[0], 'AndroidInstanceIdList.2': DEMO_TARGETS[1] }],
    ['repeat-list Name.N, V2', 'v2', { 'AndroidInstanceIdList.1': DEMO_TARGETS[0], 'AndroidInstanceIdList.2': DEMO_TARGETS[1] }],
    ['JSON array', 'v3', { AndroidInstanceIdList: JSON.stringify([DEMO_TARGETS[0], DEMO_TARGETS[1]]) }],
  ] as const)('accepts %s', async (_name, scheme, list) => {
    const query = { ...recoverBase, ...list };
    const reply = scheme === 'v3' ? await signedV3(emulator, 'RecoverApp', query) : await signedV2(emulator, 'RecoverApp', query);
    expect(reply.status).toBe(200);
    const body = recoverAppSchema.parse(reply.json());
    expect(body.Data.map((d) => d.AndroidInstanceId)).toEqual([DEMO_TARGETS[0], DEMO_TARGETS[1]]);
  });

  it('orders Name.N numerically, not as text', async () => {
    const query: Record<string, string> = { ...recoverBase };
    for (let i = 1; i <= 3; i++) query[`AndroidInstanceIdList.${i === 3 ? 10 : i}`] = DEMO_TARGETS[i - 1];
    const body = recoverAppSchema.parse((await signedV3(emulator, 'RecoverApp', query)).json());
    expect(body.Data.map((d) => d.AndroidInstanceId)).toEqual(DEMO_TARGETS.slice(0, 3));
  });
});

describe('booleans', () => {
  it.each([
    ['true', 0],
    ['True', 0],
    ['false', 2],
    ['False', 2],
  ])('BackupAll=%s is understood', async (value, expectedCount) => {
    const reply = await signedV3(emulator, 'DescribeBackupFiles', { BackupAll: value });
    expect(reply.status).toBe(200);
    expect(describeBackupFilesSchema.parse(reply.json()).Data).toHaveLength(expectedCount);
  });

  it('rejects anything else, naming the parameter', async () => {
    const reply = await signedV3(emulator, 'DescribeBackupFiles', { BackupAll: 'yes' });
    expect([reply.status, reply.json().Code]).toEqual([400, 'InvalidParameter.BackupAll']);
  });
});

describe('clock skew', () => {
  const SKEW_MS = 20 * 60 * 1000;

  it('every reply carries a Date header, API, admin and error replies alike', async () => {
    const replies = [
      await signedV3(emulator, 'DescribeTasks', {}),
      await signedV3(emulator, 'DescribeTasks', {}, { secret: 'wrong' }),
      await rawRequest(emulator, { method: 'GET', path: '/nowhere' }),
      await rawRequest(emulator, { method: 'GET', path: '/__emulator/config' }),
    ];
    for (const reply of replies) {
      const date = Date.parse(String(reply.headers.date));
      expect(Math.abs(date - Date.now())).toBeLessThan(60_000);
    }
  });

  it('shifts the Date header and the freshness check by clockSkewMs', async () => {
    await admin.patchConfig({ clockSkewMs: SKEW_MS });
    const reply = await rawRequest(emulator, { method: 'GET', path: '/__emulator' });
    expect(Math.abs(Date.parse(String(reply.headers.date)) - (Date.now() + SKEW_MS))).toBeLessThan(60_000);

    // A client on real time is now 20 minutes behind the server: its signature is stale.
    const stale = await vendorClient(emulator).fail('DescribeTasks');
    expect(stale.code).toBe('InvalidTimeStamp.Expired');
    expect((await signedV2(emulator, 'DescribeTasks', {})).json().Code).toBe('InvalidTimeStamp.Expired');

    // A client whose clock matches the server's skewed clock is fine, with either signature.
    expect((await signedV3(emulator, 'DescribeTasks', {}, { date: isoNoMillis(Date.now() + SKEW_MS) })).status).toBe(200);
    expect((await signedV2(emulator, 'DescribeTasks', {}, { timestamp: isoNoMillis(Date.now() + SKEW_MS) })).status).toBe(200);

    // A negative skew works the other way round.
    await admin.patchConfig({ clockSkewMs: -SKEW_MS });
    expect((await signedV3(emulator, 'DescribeTasks', {}, { date: isoNoMillis(Date.now() - SKEW_MS) })).status).toBe(200);
    expect((await signedV3(emulator, 'DescribeTasks', {})).json().Code).toBe('InvalidTimeStamp.Expired');
  });
});
