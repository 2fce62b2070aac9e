// End to end: `cpr doctor` as an operator runs it (the real CLI in a subprocess) against the real
// emulator over signed HTTP, with credentials from the default chain's environment source.
import { createEcpClient, loadEcpConfig } from '../../activities/ecp';
import type { DoctorReport } from '../../client/doctor/report';
import { EmulatorAdmin, type EmulatorConfigPatch } from '../../emulator/admin-client';
import { DEMO_BACKUP_1, DEMO_BACKUP_1_PATH, DEMO_TARGETS, DEMO_UPLOAD_ENDPOINT } from '../../emulator/demo-seed';
import { startEmulator, type RunningEmulator } from '../../emulator/server';
import { runCli } from '../cli/run-cli';

jest.setTimeout(60_000);

const KEY_ID = 'LTAIdoctortest000001';
const SECRET = 'doctor-test-secret-value-0001';
const BASE: EmulatorConfigPatch = { timeScale: 0.001, qpsPerAction: 0, instanceOverrides: {} };

let emulator: RunningEmulator;
let admin: EmulatorAdmin;
beforeAll(async () => {
  emulator = await startEmulator({ seed: 'demo', accessKeyId: KEY_ID, accessKeySecret: SECRET, config: BASE });
  admin = new EmulatorAdmin(emulator.url);
});
afterAll(async () => {
  await emulator?.close();
});
beforeEach(async () => {
  await admin.patchConfig(BASE);
  await admin.reset('demo');
});

/** The environment an operator would set; nothing inherited can leak in (HOME is kept for profiles). */
function env(overrides: Record<string, string> = {}): Record<string, string | undefined> {
  const clean: Record<string, string | undefined> = {};
  for (const k of Object.keys(process.env)) if (k.startsWith('ALIBABA_CLOUD_') || k.startsWith('CPR_')) clean[k] = undefined;
  return {
    ...clean,
    ALIBABA_CLOUD_ACCESS_KEY_ID: KEY_ID,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET,
    CPR_ECP_ENDPOINT: emulator.endpoint,
    CPR_ECP_PROTOCOL: 'http',
    ...overrides,
  };
}

async function doctor(overrides: Record<string, string> = {}, args: string[] = []) {
  const run = await runCli(['doctor', '-o', 'json', ...args], env(overrides));
  expect(run.stdout + run.stderr).not.toContain(overrides.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? SECRET);
  let report: DoctorReport & { exitCode: number };
  try {
    report = JSON.parse(run.stdout) as DoctorReport & { exitCode: number };
  } catch {
    throw new Error(`doctor printed no JSON (exit ${run.code})\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  }
  const check = (id: string) => {
    const found = report.checks.find((c) => c.id === id);
    if (!found) throw new Error(`no check ${id} in ${JSON.stringify(report.checks)}`);
    return found;
  };
  return { code: run.code, report, check };
}

describe('cpr doctor', () => {
  it('passes against a healthy account and says where the credentials came from', async () => {
    const { code, report, check } = await doctor();
    expect(code).toBe(0);
    expect(report.exitCode).toBe(0);
    expect(report.blockers).toBe(0);
    expect(report.credentialSource).toBe('env');
    expect(check('credentials')).toMatchObject({ level: 'ok', summary: expect.stringContaining('ALIBABA_CLOUD_ACCESS_KEY_ID') });
    expect(check('credentials').summary).not.toContain(KEY_ID); // masked
    expect(check('credentials:accepted').level).toBe('ok');
    expect(report.endpoint).toMatchObject({ protocol: 'http', url: `http://${emulator.endpoint}/` });
    expect(check('endpoint').level).toBe('ok');
    expect(check('clock')).toMatchObject({ level: 'ok' });
    for (const action of ['DescribeAndroidInstances', 'DescribeBackupFiles', 'DescribeTasks', 'DescribeInvocations']) {
      expect(check(`action:${action}`).level).toBe('ok');
    }
    expect(report.observed.instanceStatuses.seen.RUNNING).toBeGreaterThan(0);
    expect(report.observed.instanceStatuses.unknown).toEqual([]);
    expect(report.observed.backupStatuses.seen.AVAILABLE).toBeGreaterThan(0);
    expect(check('rate-limits').level).toBe('ok');

    // Read-only: nothing but Describe* calls reached the vendor.
    const actions = new Set((await admin.allCalls(0)).map((c) => c.action));
    expect([...actions].filter((a) => a && !a.startsWith('Describe'))).toEqual([]);
  });

  it('prints a table for people', async () => {
    const run = await runCli(['doctor'], env());
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^CHECK\s+RESULT\s+DETAIL/m);
    expect(run.stdout).toMatch(/^action:DescribeTasks\s+ok/m);
    expect(run.stdout).toMatch(/ready: 0 blocker\(s\)/);
  });

  it('names SignatureDoesNotMatch and the credentials as the blocker for a wrong secret', async () => {
    const wrong = 'not-the-right-secret-0000';
    const { code, report, check } = await doctor({ ALIBABA_CLOUD_ACCESS_KEY_SECRET: wrong });
    expect(code).toBe(1);
    expect(report.blockers).toBeGreaterThan(0);
    // The source is found (env); it is the vendor that refuses the signature.
    expect(check('credentials').level).toBe('ok');
    expect(check('credentials:accepted')).toMatchObject({ level: 'block', summary: expect.stringContaining('SignatureDoesNotMatch') });
    const refused = check('action:DescribeAndroidInstances');
    expect(refused.level).toBe('block');
    expect(refused.summary).toContain('SignatureDoesNotMatch');
    expect(refused.summary).toMatch(/wrong credentials/);
  });

  it('flags a failed-task code the product has no rule for', async () => {
    // A recovery fails on the vendor side with a code outside the known list.
    await admin.patchConfig({ instanceOverrides: { [DEMO_TARGETS[0]]: { taskFailure: 'always', failureCode: 'StorageQuotaExceeded' } } });
    const ecp = createEcpClient(
      loadEcpConfig(
        { CPR_ECP_ENDPOINT: emulator.endpoint, CPR_ECP_PROTOCOL: 'http' },
        { credentials: { accessKeyId: KEY_ID, accessKeySecret: SECRET } },
      ),
    );
    const { tasks } = await ecp.recoverApp({
      instanceIds: [DEMO_TARGETS[0]],
      backupFileId: DEMO_BACKUP_1,
      backupFilePath: DEMO_BACKUP_1_PATH,
      uploadType: 'OSS',
      uploadEndpoint: DEMO_UPLOAD_ENDPOINT,
    });
    await waitFor(async () => (await admin.task(tasks[0].taskId)).status === 'Failed');

    const { code, report, check } = await doctor();
    expect(code).toBe(0); // unknown values warn; only --strict turns them into a failure
    expect(report.observed.taskErrorCodes.unknown).toEqual(['StorageQuotaExceeded']);
    expect(check('known:taskErrorCodes')).toMatchObject({ level: 'warn', summary: expect.stringContaining('StorageQuotaExceeded') });
    expect((await doctor({}, ['--strict'])).code).toBe(1);
  });

  it('warns about rate limits that name no real action or are implausible', async () => {
    const { code, check } = await doctor({ CPR_VENDOR_QPS: '10,RunComand=5,DescribeTasks=500' });
    expect(code).toBe(0);
    expect(check('rate-limits')).toMatchObject({ level: 'warn', summary: expect.stringContaining('RunComand') });
    expect(check('rate-limits').summary).toContain('DescribeTasks=500');
    const bad = await doctor({ CPR_VENDOR_QPS: 'fast' });
    expect(bad.code).toBe(1);
    expect(bad.check('rate-limits')).toMatchObject({ level: 'block', summary: expect.stringContaining('vendorQps') });
  });

  it('exits 5 naming the endpoint when nothing answers, and 2 for a malformed endpoint', async () => {
    const closed = await startEmulator({ seed: 'demo', accessKeyId: KEY_ID, accessKeySecret: SECRET });
    const endpoint = closed.endpoint;
    await closed.close();
    const down = await doctor({ CPR_ECP_ENDPOINT: endpoint });
    expect(down.code).toBe(5);
    expect(down.check('endpoint')).toMatchObject({ level: 'block', summary: expect.stringContaining('connection refused') });
    const malformed = await runCli(['doctor'], env({ CPR_ECP_ENDPOINT: 'https://with-scheme.example' }));
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('CPR_ECP_ENDPOINT');
  });

  it('names a skewed clock as the blocker', async () => {
    await admin.patchConfig({ clockSkewMs: 20 * 60_000 });
    const { code, check } = await doctor();
    expect(code).toBe(1);
    expect(check('clock')).toMatchObject({ level: 'block', summary: expect.stringMatching(/clock.*20\.0 min/) });

    await admin.patchConfig({ clockSkewMs: -7 * 60_000 });
    const drifting = await doctor();
    expect(drifting.code).toBe(0);
    expect(drifting.check('clock').level).toBe('warn');
  });

  it('flags the statuses and codes of an unfamiliar cloud', async () => {
    // One recovery fails with the dialect's own code; another is held mid-way, where the dialect shows
    // its extra transient instance status instead of RECOVERING.
    await admin.patchConfig({
      dialect: 'unfamiliar',
      instanceOverrides: { [DEMO_TARGETS[0]]: { taskFailure: 'always' }, [DEMO_TARGETS[1]]: { recoverDurationMs: 1_000_000_000 } },
    });
    const ecp = createEcpClient(
      loadEcpConfig(
        { CPR_ECP_ENDPOINT: emulator.endpoint, CPR_ECP_PROTOCOL: 'http' },
        { credentials: { accessKeyId: KEY_ID, accessKeySecret: SECRET } },
      ),
    );
    const { tasks } = await ecp.recoverApp({
      instanceIds: [DEMO_TARGETS[0], DEMO_TARGETS[1]],
      backupFileId: DEMO_BACKUP_1,
      backupFilePath: DEMO_BACKUP_1_PATH,
      uploadType: 'OSS',
      uploadEndpoint: DEMO_UPLOAD_ENDPOINT,
    });
    const failing = tasks.find((t) => t.instanceId === DEMO_TARGETS[0]);
    await waitFor(async () => (await admin.task(failing?.taskId ?? '')).status === 'Failed');

    const { code, report, check } = await doctor();
    expect(code).toBe(0); // an unfamiliar cloud is not a broken account: warnings, no blocker
    expect(report.blockers).toBe(0);
    expect(report.observed.instanceStatuses.unknown).toEqual(['RESTORING_APP']);
    expect(check('known:instanceStatuses')).toMatchObject({ level: 'warn', summary: expect.stringContaining('RESTORING_APP') });
    expect(report.observed.taskErrorCodes.unknown).toHaveLength(1);
    expect(check('known:taskErrorCodes').level).toBe('warn');
    expect((await doctor({}, ['--strict'])).code).toBe(1);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
