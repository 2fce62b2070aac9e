// `tsx worker/main.ts` with CPR_REGIONS_FILE, as an operator runs it: one process serves two regions
// (one emulator each, keys from a credentials-file profile), every target's calls land in its own
// region, the logs name the lanes without secrets, and SIGTERM stops every lane and exits 0.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recoverApp } from '../../workflows/recover-app';
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, startEmulator } from '../../emulator/server';
import { EmulatorAdmin } from '../../emulator/admin-client';
import { DEMO_BACKUP_1, DEMO_TARGETS } from '../../emulator/demo-seed';
import { connectTestTemporal, terminateLeaseRegistries, uniqueId, uniqueTaskQueue, type TestTemporal } from '../harness/temporal';

let temporal: TestTemporal;
beforeAll(async () => (temporal = await connectTestTemporal()));
afterAll(async () => temporal?.close());

it('serves two regions from one worker process and stops them all on SIGTERM', async () => {
  const fast = { timeScale: 0.01, qpsPerAction: 0 };
  const shanghai = await startEmulator({ seed: 'demo', config: fast });
  const hangzhou = await startEmulator({ seed: 'demo', config: fast });
  const dir = mkdtempSync(join(tmpdir(), 'cpr-regions-proc-'));
  writeFileSync(
    join(dir, 'credentials'),
    `[lab]\ntype = access_key\naccess_key_id = ${DEFAULT_ACCESS_KEY_ID}\naccess_key_secret = ${DEFAULT_ACCESS_KEY_SECRET}\n`,
  );
  writeFileSync(
    join(dir, 'regions.json'),
    JSON.stringify({
      'cn-shanghai': { endpoint: shanghai.endpoint, protocol: 'http', credentialsProfile: 'lab', vendorQps: '100,RecoverApp=50' },
      'cn-hangzhou': { endpoint: hangzhou.endpoint, protocol: 'http', credentialsProfile: 'lab' },
    }),
  );
  const taskQueue = uniqueTaskQueue('regions-main');
  const root = join(__dirname, '..', '..');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CPR_TEMPORAL_ADDRESS: temporal.address,
    CPR_TASK_QUEUE: taskQueue,
    // The default lane points nowhere useful: every item names its region.
    CPR_ECP_ENDPOINT: '127.0.0.1:9',
    CPR_ECP_PROTOCOL: 'http',
    CPR_REGIONS_FILE: join(dir, 'regions.json'),
    ALIBABA_CLOUD_CREDENTIALS_FILE: join(dir, 'credentials'),
    CPR_SHUTDOWN_GRACE_MS: '1000',
  };
  delete env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  delete env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  const child = spawn(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'worker', 'main.ts')], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const result = await temporal.client.workflow.execute(recoverApp, {
      taskQueue,
      workflowId: uniqueId('regions-main'),
      args: [
        {
          items: [
            { backupFileId: DEMO_BACKUP_1, region: 'cn-shanghai', instanceIds: [DEMO_TARGETS[0]] },
            { backupFileId: DEMO_BACKUP_1, region: 'cn-hangzhou', instanceIds: [DEMO_TARGETS[1]] },
          ],
          onBusyInstance: 'fail',
          limits: { pollIntervalMinMs: 50, pollIntervalMaxMs: 200 },
        },
      ],
    });
    expect(result.outcome).toBe('succeeded');
    const recovered = async (url: string) =>
      (await new EmulatorAdmin(url).allCalls(0, 'RecoverApp')).flatMap((c) => c.effects?.recoveryTasks?.map((t) => t.instanceId) ?? []);
    expect(await recovered(shanghai.url)).toEqual([DEMO_TARGETS[0]]);
    expect(await recovered(hangzhou.url)).toEqual([DEMO_TARGETS[1]]);
    expect(output).toContain('cpr worker serving region lanes');
    expect(output).toContain('profile:lab');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('cpr worker stopped');
    expect(output).not.toContain(DEFAULT_ACCESS_KEY_SECRET);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await terminateLeaseRegistries(temporal.client);
    await Promise.all([shanghai.close(), hangzhou.close()]);
  }
}, 120_000);
