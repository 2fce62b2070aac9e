// `tsx worker/main.ts` as an operator runs it: configured from the environment only, it serves a real
// recovery against the emulator, and SIGTERM stops it cleanly.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { recoverApp } from '../../workflows/recover-app';
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, startEmulator } from '../../emulator/server';
import { DEMO_BACKUP_1, DEMO_TARGETS } from '../../emulator/demo-seed';
import { connectTestTemporal, terminateLeaseRegistries, uniqueId, uniqueTaskQueue, type TestTemporal } from '../harness/temporal';

let temporal: TestTemporal;
beforeAll(async () => (temporal = await connectTestTemporal()));
afterAll(async () => temporal?.close());

it('runs a recovery from environment configuration and exits 0 on SIGTERM', async () => {
  const emulator = await startEmulator({ seed: 'demo', config: { timeScale: 0.01, qpsPerAction: 0 } });
  const taskQueue = uniqueTaskQueue('main');
  const root = join(__dirname, '..', '..');
  const child = spawn(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'worker', 'main.ts')], {
    cwd: root,
    env: {
      ...process.env,
      CPR_TEMPORAL_ADDRESS: temporal.address,
      CPR_TASK_QUEUE: taskQueue,
      CPR_ECP_ENDPOINT: emulator.endpoint,
      CPR_ECP_PROTOCOL: 'http',
      ALIBABA_CLOUD_ACCESS_KEY_ID: DEFAULT_ACCESS_KEY_ID,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: DEFAULT_ACCESS_KEY_SECRET,
      CPR_SHUTDOWN_GRACE_MS: '1000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const result = await temporal.client.workflow.execute(recoverApp, {
      taskQueue,
      workflowId: uniqueId('main'),
      args: [
        {
          backupFileId: DEMO_BACKUP_1,
          instanceIds: [DEMO_TARGETS[0]],
          onBusyInstance: 'fail',
          limits: { pollIntervalMinMs: 50, pollIntervalMaxMs: 200 },
        },
      ],
    });
    expect(result.outcome).toBe('succeeded');
    expect(result.backups[0]!.released).toBe(true);
    expect(output).toContain(`polling task queue '${taskQueue}'`);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('cpr worker stopped');
    expect(output).not.toContain(DEFAULT_ACCESS_KEY_SECRET);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await terminateLeaseRegistries(temporal.client);
    await emulator.close();
  }
}, 90_000);
