// End to end through the HTTP API: real API server, real worker (createWorker with the real activities),
// real dev server, and the vendor emulator over HTTP with real signing. Assertions read what the vendor saw.
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { loadEcpConfig } from '../../activities/ecp';
import { EmulatorAdmin } from '../../emulator/admin-client';
import { DEMO_BACKUP_1, DEMO_STOPPED_TARGET, DEMO_TARGETS } from '../../emulator/demo-seed';
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, startEmulator, type RunningEmulator } from '../../emulator/server';
import { createWorker } from '../../worker';
import { connectTestTemporal, terminateLeaseRegistries, uniqueId, uniqueTaskQueue, type TestTemporal } from '../harness/temporal';
import { startApi, TEST_TOKEN } from './api-harness';
import { waitFor } from '../harness/wait';

let temporal: TestTemporal;
let emulator: RunningEmulator;
const leasePrefix = uniqueId('api-lease');

beforeAll(async () => {
  temporal = await connectTestTemporal();
  emulator = await startEmulator({ seed: 'demo', config: { timeScale: 0.01, qpsPerAction: 0 } });
});

afterAll(async () => {
  await terminateLeaseRegistries(temporal.client, leasePrefix);
  await emulator?.close();
  await temporal?.close();
});

const LIMITS = { maxAttemptsPerInstance: 3, taskTimeoutMs: 10_000, pollIntervalMinMs: 50, pollIntervalMaxMs: 200, busyWaitMs: 0, approvalTimeoutMs: 60_000 };

it('dry-runs, then recovers three instances through the API with the real worker and the emulator', async () => {
  const taskQueue = uniqueTaskQueue('api-e2e');
  const admin = new EmulatorAdmin(emulator.url);
  const ecp = loadEcpConfig(
    { CPR_ECP_ENDPOINT: emulator.endpoint, CPR_ECP_PROTOCOL: 'http' },
    { credentials: { accessKeyId: DEFAULT_ACCESS_KEY_ID, accessKeySecret: DEFAULT_ACCESS_KEY_SECRET } },
  );
  const worker = await createWorker({
    connection: temporal.nativeConnection,
    namespace: temporal.namespace,
    taskQueue,
    ecp,
    workflowBundle: await bundleWorkflowCode({ workflowsPath: join(__dirname, 'fixture-workflows.ts'), logger: quiet }),
    leases: { registryIdPrefix: leasePrefix },
    vendorQps: 1000,
    shutdownGraceTime: 0,
  });
  const api = await startApi(temporal.client, taskQueue);
  const targets = DEMO_TARGETS.slice(0, 3);
  try {
    await worker.runUntil(async () => {
      // Dry run: the stopped instance is reported, nothing is written at the vendor.
      const dry = await api.call('POST', '/v1/recoveries/dry-run', { body: { backupFileId: DEMO_BACKUP_1, instanceIds: [...targets, DEMO_STOPPED_TARGET] } });
      expect(dry.status).toBe(200);
      expect(dry.json.counts).toEqual({ total: 4, ready: 3, blocked: 1 });
      expect(dry.json.targets.find((t: { instanceId: string }) => t.instanceId === DEMO_STOPPED_TARGET)).toMatchObject({ ok: false, reason: 'InstanceNotRunning', plannedAction: 'skip' });
      const written = (await admin.allCalls(0)).filter((c) => ['RecoverApp', 'BackupApp', 'DeleteBackupFile'].includes(c.action));
      expect(written).toEqual([]);

      const started = await api.call('POST', '/v1/recoveries', {
        body: { backupFileId: DEMO_BACKUP_1, instanceIds: targets, onBusyInstance: 'fail', limits: LIMITS },
        headers: { 'idempotency-key': uniqueId('e2e') },
      });
      expect(started.status).toBe(202);
      const id = started.json.workflowId;

      // Follow the run over SSE until its result.
      const res = await fetch(`${api.url}/v1/recoveries/${id}/events?intervalMs=200`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
      const text = await res.text(); // the stream ends after the result event
      const result = /event: result\ndata: (.+)\n\n$/.exec(text);
      expect(result).not.toBeNull();
      const closed = JSON.parse(result![1]!);
      expect(closed.status).toBe('Completed');
      expect(closed.result.outcome).toBe('succeeded');
      expect(closed.result.counts).toMatchObject({ total: 3, verified: 3 });
      expect(closed.result.backups[0]).toMatchObject({ backupFileId: DEMO_BACKUP_1, released: true });

      // What the vendor saw: one recovery task per target, no duplicates, one delete of the backup.
      const recoverCalls = await admin.allCalls(0, 'RecoverApp');
      const sentTo = recoverCalls.flatMap((c) => c.effects?.recoveryTasks?.map((t) => t.instanceId) ?? []);
      expect(sentTo.sort()).toEqual([...targets].sort());
      expect((await admin.stats()).duplicateRecoveryTasks).toBe(0);
      expect((await admin.allCalls(0, 'DeleteBackupFile')).filter((c) => c.outcome === 'ok')).toHaveLength(1);

      const csv = await api.call('GET', `/v1/recoveries/${id}/report?format=csv`);
      const rows = csv.text.trimEnd().split('\r\n').slice(1);
      expect(rows).toHaveLength(3);
      for (const row of rows) expect(row.split(',').slice(2, 4)).toEqual(['verified', 'verify']);

      const listed = await waitFor('listed as succeeded', async () => {
        const r = await api.call('GET', `/v1/recoveries?backupFileId=${DEMO_BACKUP_1}&outcome=succeeded`);
        return r.json.recoveries.find((x: { workflowId: string }) => x.workflowId === id);
      });
      expect(listed).toMatchObject({ status: 'Completed', targets: 3, verified: 3, failed: 0 });
    });
  } finally {
    await api.close();
  }
});

const noop = (): void => undefined;
const quiet = { trace: noop, debug: noop, info: noop, warn: noop, error: (m: string) => console.error(m), log: noop };
