// The shared budget against the vendor: three workers (separate Worker instances, each with its own
// rate limiter and budget membership, as three processes would have) run recoveries against the
// emulator whose per-action rate limit is the account's. The emulator's ledger says whether the
// vendor had to throttle them; with per-process limits (CPR_VENDOR_BUDGET=local) it does.
import { NativeConnection, type Worker } from '@temporalio/worker';
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, startEmulator, type RunningEmulator } from '../../emulator/server';
import { EmulatorAdmin } from '../../emulator/admin-client';
import { loadEcpConfig } from '../../activities/ecp';
import { createWorker } from '../../worker';
import { recoverApp } from '../../workflows/recover-app';
import { budgetStateQuery, vendorBudgetWorkflowId } from '../../workflows/vendor-budget';
import { connectTestTemporal, productWorkflowBundle, uniqueId, uniqueTaskQueue, type TestTemporal } from '../harness/temporal';
import { EMULATOR_LIMITS } from '../workflows/emulator-harness';

const ACCOUNT_QPS = 4; // per action, at the emulator and in every worker's configuration
const RECOVERIES = 6;
const TARGETS_EACH = 5;

let temporal: TestTemporal;
let emulator: RunningEmulator | undefined;
beforeAll(async () => (temporal = await connectTestTemporal()));
afterAll(async () => temporal?.close());
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

interface Run {
  verified: number;
  calls: number;
  throttled: number;
  members: number;
}

async function runWithThreeWorkers(budget: 'shared' | 'local'): Promise<Run> {
  emulator = await startEmulator({ seed: 'demo', config: { timeScale: 0.01, qpsPerAction: ACCOUNT_QPS } });
  const admin = new EmulatorAdmin(emulator.url);
  const fleet = await admin.reset({ generate: { sources: RECOVERIES, targetsPerSource: TARGETS_EACH, packages: [{ packageName: 'com.example.bench', versionName: '2.1.0', versionCode: 210 }], filesPerApp: 2 } });
  await admin.clearCalls();
  const taskQueue = uniqueTaskQueue('budget-e2e');
  const budgetPrefix = uniqueId('test-budget');
  const ecp = loadEcpConfig(
    { CPR_ECP_ENDPOINT: emulator.endpoint, CPR_ECP_PROTOCOL: 'http' },
    { credentials: { accessKeyId: DEFAULT_ACCESS_KEY_ID, accessKeySecret: DEFAULT_ACCESS_KEY_SECRET } },
  );
  const workers: Worker[] = [];
  // One connection each, as three processes would have (the SDK refuses two workers of a queue on one).
  const connections = await Promise.all([0, 1, 2].map(() => NativeConnection.connect({ address: temporal.address })));
  for (let i = 0; i < 3; i++) {
    workers.push(
      await createWorker({
        connection: connections[i]!,
        namespace: temporal.namespace,
        taskQueue,
        ecp,
        workflowBundle: await productWorkflowBundle(),
        leases: { registryIdPrefix: uniqueId('lease') },
        vendorQps: ACCOUNT_QPS,
        vendorBudget: budget === 'local' ? 'local' : { renewEveryMs: 500, ttlMs: 1500, workflowIdPrefix: budgetPrefix, memberId: `worker-${i}` },
        shutdownGraceTime: 0,
      }),
    );
  }
  const runAll = async (): Promise<{ verified: number; members: number }> => {
    const handles = await Promise.all(
      (fleet.generated ?? []).map((g) =>
        temporal.client.workflow.start(recoverApp, {
          taskQueue,
          workflowId: uniqueId('budget-e2e'),
          args: [{ backupFileId: g.backupFileId, instanceIds: g.targetInstanceIds, onBusyInstance: 'fail', limits: { ...EMULATOR_LIMITS, taskTimeoutMs: 60_000 } }],
        }),
      ),
    );
    const results = await Promise.all(handles.map((h) => h.result()));
    const members = budget === 'shared' ? (await temporal.client.workflow.getHandle(vendorBudgetWorkflowId(taskQueue, ecp.regionId, budgetPrefix)).query(budgetStateQuery)).members.length : 0;
    return { verified: results.reduce((n, r) => n + r.counts.verified, 0), members };
  };
  // All three poll the same queue, so each runs part of every phase.
  const { verified, members } = await workers.reduce<() => Promise<{ verified: number; members: number }>>((inner, w) => () => w.runUntil(inner()), runAll)();
  await Promise.all(connections.map((c) => c.close()));
  const stats = await admin.stats();
  let calls = 0;
  let throttled = 0;
  for (const c of Object.values(stats.callsByAction)) {
    calls += c.ok + c.error + c.throttled + c.lost;
    throttled += c.throttled;
  }
  return { verified, calls, throttled, members };
}

describe('one vendor budget for three workers', () => {
  it('three workers sharing the account limit are (almost) never throttled; with per-process limits they are', async () => {
    const shared = await runWithThreeWorkers('shared');
    expect(shared.verified).toBe(RECOVERIES * TARGETS_EACH);
    expect(shared.members).toBe(3);
    // Generous margin: each idle worker may keep one call of burst (docs/design.md, 9).
    expect(shared.throttled).toBeLessThanOrEqual(Math.max(3, shared.calls * 0.02));
    await emulator?.close();

    const local = await runWithThreeWorkers('local');
    expect(local.verified).toBe(RECOVERIES * TARGETS_EACH);
    expect(local.throttled).toBeGreaterThan(shared.throttled);
  }, 240_000);
});
