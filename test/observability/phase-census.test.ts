// The per-phase gauges an ops desk alerts on ("a run has been in one phase too long"), read by the real
// observed worker from the real dev server's visibility: a recovery held in `release` (waiting for
// approval, the emulator over signed HTTP) shows in that phase with its age, and drops out when it ends.
import { Registry } from 'prom-client';
import { loadEcpConfig } from '../../activities/ecp';
import { DEMO_BACKUP_1, DEMO_TARGETS } from '../../emulator/demo-seed';
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, startEmulator, type RunningEmulator } from '../../emulator/server';
import { createLogger } from '../../worker/logging';
import { createMetrics, serveMetrics } from '../../worker/metrics';
import { startObservedWorker } from '../../worker/observed-worker';
import { registerPhaseGauges, type PhaseCensus } from '../../worker/phase-census';
import { RECOVER_APP_WORKFLOW, approveReleaseUpdate, progressQuery, type RecoveryResult } from '../../workflows/types';
import { connectTestTemporal, terminateLeaseRegistries, uniqueId, uniqueTaskQueue, type TestTemporal } from '../harness/temporal';
import { waitFor } from '../harness/wait';

let temporal: TestTemporal;
let emulator: RunningEmulator;
const leasePrefix = uniqueId('phase-lease');

beforeAll(async () => {
  temporal = await connectTestTemporal();
  emulator = await startEmulator({ seed: 'demo', config: { timeScale: 0.01, qpsPerAction: 0 } });
});

afterAll(async () => {
  await terminateLeaseRegistries(temporal.client, leasePrefix);
  await emulator?.close();
  await temporal?.close();
});

/** `metric{phase="…"} value` lines of one metric from a Prometheus text page. */
function series(page: string, metric: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of page.matchAll(new RegExp(`^${metric}\\{phase="(\\w+)"\\} (\\S+)$`, 'gm'))) out[m[1]] = Number(m[2]);
  return out;
}

it('a recovery waiting in one phase shows in cpr_recoveries_in_phase with its age, and drops out when it ends', async () => {
  const taskQueue = uniqueTaskQueue('phase');
  const metrics = createMetrics();
  const server = await serveMetrics(metrics.registry, { port: 0 });
  const worker = await startObservedWorker({
    address: temporal.address,
    namespace: temporal.namespace,
    taskQueue,
    ecpConfig: loadEcpConfig(
      { CPR_ECP_ENDPOINT: emulator.endpoint, CPR_ECP_PROTOCOL: 'http' },
      { credentials: { accessKeyId: DEFAULT_ACCESS_KEY_ID, accessKeySecret: DEFAULT_ACCESS_KEY_SECRET } },
    ),
    metrics,
    logger: createLogger({ level: 'warn' }),
    tuning: { vendorQps: 1000, shutdownGraceTime: 0, leases: { registryIdPrefix: leasePrefix } },
    phaseMetricsRefreshMs: 100,
  });
  const scrape = async (): Promise<string> => (await fetch(server.url)).text();
  try {
    const idle = await waitFor('the gauges with no run', async () => series(await scrape(), 'cpr_recoveries_in_phase'), {
      until: (s) => Object.keys(s).length > 0,
    });
    expect(Object.values(idle).every((n) => n === 0)).toBe(true);

    const handle = await temporal.client.workflow.start(RECOVER_APP_WORKFLOW, {
      taskQueue,
      workflowId: uniqueId('phase'),
      args: [
        {
          backupFileId: DEMO_BACKUP_1,
          instanceIds: [DEMO_TARGETS[0]],
          releaseBackup: 'on-approval',
          onBusyInstance: 'fail',
          limits: { taskTimeoutMs: 10_000, pollIntervalMinMs: 50, pollIntervalMaxMs: 200, busyWaitMs: 0, approvalTimeoutMs: 600_000 },
        },
      ],
    });
    await waitFor('the run to wait for approval', async () => (await handle.query(progressQuery)).awaitingApproval);

    const held = await waitFor('the run counted in phase release', async () => await scrape(), {
      until: (page) => series(page, 'cpr_recoveries_in_phase').release === 1,
    });
    expect(series(held, 'cpr_recoveries_in_phase')).toMatchObject({ preflight: 0, lease: 0, poll: 0, verify: 0, release: 1 });
    const age = series(held, 'cpr_recovery_oldest_phase_age_seconds');
    expect(Object.keys(age)).toEqual(['release']);
    const startedMs = (await handle.describe()).startTime.getTime();
    expect(age.release).toBeGreaterThan(0);
    expect(age.release).toBeLessThanOrEqual((Date.now() - startedMs) / 1000 + 1);

    await handle.executeUpdate(approveReleaseUpdate, { args: [{ approvedBy: 'approver' }] });
    expect(((await handle.result()) as RecoveryResult).outcome).toBe('succeeded');
    const after = await waitFor('the run gone from the gauges', async () => await scrape(), {
      until: (page) => series(page, 'cpr_recoveries_in_phase').release === 0,
    });
    expect(series(after, 'cpr_recovery_oldest_phase_age_seconds')).toEqual({});
  } finally {
    await worker.stop();
    await server.close();
  }
  // The worker removed its gauges with its connection.
  expect(await metrics.registry.getSingleMetric('cpr_recoveries_in_phase')).toBeUndefined();
});

it('scrapes within the refresh interval reuse one census; a failed census empties the gauges and is counted', async () => {
  const registry = new Registry();
  let clock = 1_000_000;
  let reads = 0;
  let failNext = false;
  registerPhaseGauges(registry, {
    refreshMs: 30_000,
    now: () => clock,
    read: async (): Promise<PhaseCensus> => {
      reads++;
      if (failNext) throw new Error('visibility unavailable');
      return new Map([['poll', { count: 2, oldestStartMs: clock - 90_000 }]]);
    },
  });
  const first = await registry.metrics();
  expect(series(first, 'cpr_recoveries_in_phase').poll).toBe(2);
  expect(series(first, 'cpr_recovery_oldest_phase_age_seconds')).toEqual({ poll: 90 });
  clock += 10_000;
  await registry.metrics();
  expect(reads).toBe(1);
  clock += 25_000;
  failNext = true;
  const failed = await registry.metrics();
  expect(reads).toBe(2);
  expect(series(failed, 'cpr_recoveries_in_phase')).toEqual({});
  expect(failed).toMatch(/^cpr_recovery_phase_census_failures_total 1$/m);
});
