// Worker observability through a real worker on the shared dev server: signed webhooks received and
// HMAC-verified by a local receiver (with retries on non-2xx), the metrics sink counting results,
// vendor calls counted and logged with their workflow/activity/instance context, secrets redacted.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, startEmulator, type RunningEmulator } from '../../emulator/server';
import { EmulatorAdmin } from '../../emulator/admin-client';
import { DEMO_TARGETS } from '../../emulator/demo-seed';
import { createEcpClient, loadEcpConfig, type EcpCallEvent } from '../../activities/ecp';
import { createWebhookActivities, verifySignature, type WebhookConfig, type WebhookEvent } from '../../activities/webhooks';
import { activityLogInterceptors, createLogger, instanceIdsOf, logVendorCall } from '../../worker/logging';
import { createMetrics, metricsSinks, serveMetrics, type CprMetrics } from '../../worker/metrics';
import { createConfirmedCounts } from '../../worker/confirmed-counts';
import { uniqueWorkerIdentity } from '../../worker/observed-worker';
import type { RecoveryResult } from '../../workflows/types';
import { connectTestTemporal, uniqueId, uniqueTaskQueue, type TestTemporal } from '../harness/temporal';
import { createFixtureActivities } from './fixture-activities';
import { notifyingWorkflow } from './fixture-workflows';

const SECRET = 'whsec-test-0123456789abcdef';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

class Receiver {
  readonly received: Received[] = [];
  /** Answer this many requests with HTTP 500 before accepting. */
  failNext = 0;
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const status = this.failNext > 0 ? (this.failNext--, 500) : 204;
        this.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/cpr?token=t`;
  }

  accepted(): WebhookEvent[] {
    return this.received.filter((r) => r.status === 204).map((r) => JSON.parse(r.body) as WebhookEvent);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let temporal: TestTemporal;
let bundle: WorkflowBundleWithSourceMap;
let emulator: RunningEmulator;
let receiver: Receiver;
const logLines: Record<string, unknown>[] = [];
const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(JSON.parse(line)) }, secrets: [SECRET, DEFAULT_ACCESS_KEY_SECRET] });

beforeAll(async () => {
  temporal = await connectTestTemporal();
  bundle = await bundleWorkflowCode({ workflowsPath: join(__dirname, 'fixture-workflows.ts'), logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } });
  emulator = await startEmulator({ seed: 'demo', config: { timeScale: 0.01, qpsPerAction: 0 } });
  receiver = new Receiver();
  await receiver.start();
});

afterAll(async () => {
  await receiver?.close();
  await emulator?.close();
  await temporal?.close();
});

function demoResult(workflowId: string): RecoveryResult {
  const now = new Date().toISOString();
  const target = (instanceId: string, status: 'verified' | 'failed', reason?: 'DataMismatch') => ({
    instanceId,
    backupFileId: 'bf-demobackup0000001',
    status,
    phase: 'verify' as const,
    taskIds: ['t-1'],
    attempts: 1,
    ...(reason ? { reason } : {}),
    timings: {},
  });
  return {
    workflowId,
    phase: 'done',
    paused: false,
    cancelRequested: false,
    awaitingApproval: false,
    counts: { total: 3, pending: 0, verified: 2, failed: 1, skipped: 0, cancelled: 0 },
    targets: [target(DEMO_TARGETS[0], 'verified'), target(DEMO_TARGETS[1], 'verified'), target(DEMO_TARGETS[2], 'failed', 'DataMismatch')],
    backups: [
      { backupFileId: 'bf-demobackup0000001', released: false, keptBecause: 'not-all-verified', sourceMayBeReset: false },
      { backupFileId: 'bf-demobackup0000002', released: true, sourceMayBeReset: true },
    ],
    snapshots: [],
    startedAt: now,
    updatedAt: now,
    outcome: 'partial',
    finishedAt: now,
  };
}

async function runWith(webhooks: WebhookConfig | undefined, metrics: CprMetrics, awaitFinished: boolean): Promise<{ workflowId: string; vendorEvents: EcpCallEvent[] }> {
  const taskQueue = uniqueTaskQueue('observe');
  const workflowId = uniqueId('observe');
  const vendorEvents: EcpCallEvent[] = [];
  const logCall = logVendorCall(logger);
  const ecp = createEcpClient(
    loadEcpConfig({ CPR_ECP_ENDPOINT: emulator.endpoint, CPR_ECP_PROTOCOL: 'http' }, { credentials: { accessKeyId: DEFAULT_ACCESS_KEY_ID, accessKeySecret: DEFAULT_ACCESS_KEY_SECRET } }),
    {
      onCall: (e) => {
        vendorEvents.push(e);
        metrics.onVendorCall(e);
        logCall(e);
      },
    },
  );
  const identity = uniqueWorkerIdentity();
  const counts = createConfirmedCounts({
    workflowService: temporal.nativeConnection.workflowService,
    namespace: temporal.namespace,
    identity,
    onStarted: () => metrics.recordStarted(),
    onFinished: (result) => metrics.recordResult(result),
  });
  const worker = await Worker.create({
    connection: temporal.nativeConnection,
    namespace: temporal.namespace,
    taskQueue,
    identity,
    workflowBundle: bundle,
    activities: { ...createFixtureActivities(ecp), ...createWebhookActivities(webhooks, { onDelivery: (r) => metrics.webhookDeliveries.inc({ result: r }) }) },
    sinks: metricsSinks(counts),
    interceptors: { activity: [activityLogInterceptors] },
  });
  await worker.runUntil(temporal.client.workflow.execute(notifyingWorkflow, { taskQueue, workflowId, args: [demoResult(workflowId), { awaitFinished }] }));
  await counts.settled();
  return { workflowId, vendorEvents };
}

it('delivers signed webhooks for start, phases, release and the result, retrying non-2xx replies', async () => {
  const metrics = createMetrics();
  receiver.failNext = 2;
  const { workflowId } = await runWith({ url: receiver.url, secret: SECRET, timeoutMs: 5_000 }, metrics, true);

  // notifyFinished held the run open until every delivery, retries included, was done.
  const mine = receiver.received.filter((r) => (JSON.parse(r.body) as WebhookEvent).workflowId === workflowId);
  // Every request is signed over its raw body with the shared secret, and carries a timestamp.
  for (const r of mine) {
    expect(verifySignature(SECRET, r.body, r.headers['x-cpr-signature'] as string)).toBe(true);
    expect(verifySignature('another-secret-000000', r.body, r.headers['x-cpr-signature'] as string)).toBe(false);
    expect(Number(r.headers['x-cpr-timestamp'])).toBeGreaterThan(Date.now() / 1000 - 120);
    expect(JSON.parse(r.body).deliveredAt).toBe(Number(r.headers['x-cpr-timestamp']));
  }
  // The two 500s were retried: five distinct events, each accepted exactly once.
  expect(mine.filter((r) => r.status === 500)).toHaveLength(2);
  const accepted = receiver.accepted().filter((e) => e.workflowId === workflowId);
  expect(accepted.map((e) => e.type).sort()).toEqual(['backup.released', 'recovery.finished', 'recovery.phase', 'recovery.phase', 'recovery.started']);
  expect(new Set(accepted.map((e) => e.eventId)).size).toBe(5);
  const released = accepted.find((e) => e.type === 'backup.released')!;
  expect(released.backups).toEqual([{ backupFileId: 'bf-demobackup0000002', released: true }]);
  const finished = accepted.find((e) => e.type === 'recovery.finished')!;
  expect(finished).toMatchObject({ outcome: 'partial', counts: { verified: 2, failed: 1 } });
  expect(await metrics.registry.getSingleMetricAsString('cpr_webhook_deliveries_total')).toMatch(/result="rejected"} 2/);
});

it('counts results through the metrics sink and serves product metrics on /metrics', async () => {
  const metrics = createMetrics();
  const server = await serveMetrics(metrics.registry, { port: 0 });
  try {
    const { vendorEvents } = await runWith(undefined, metrics, true);
    const text = await (await fetch(server.url)).text();
    expect(text).toMatch(/^cpr_recoveries_started_total 1$/m);
    expect(text).toMatch(/^cpr_recoveries_finished_total\{outcome="partial"\} 1$/m);
    expect(text).toMatch(/^cpr_recovery_targets_total\{status="verified",reason=""\} 2$/m);
    expect(text).toMatch(/^cpr_recovery_targets_total\{status="failed",reason="DataMismatch"\} 1$/m);
    expect(text).toMatch(/^cpr_backups_total\{result="released",reason=""\} 1$/m);
    expect(text).toMatch(/^cpr_backups_total\{result="held",reason="not-all-verified"\} 1$/m);
    expect(vendorEvents.map((e) => e.action)).toEqual(['DescribeAndroidInstances']);
    expect(text).toMatch(/^cpr_vendor_api_calls_total\{action="DescribeAndroidInstances",outcome="ok"\} 1$/m);
    expect((await fetch(server.url.replace('/metrics', '/nope'))).status).toBe(404);
  } finally {
    await server.close();
  }
});

it('runs no webhook activity when webhooks are off, and a dead receiver never fails the run', async () => {
  const off = await runWith(undefined, createMetrics(), true);
  const history = await temporal.client.workflow.getHandle(off.workflowId).fetchHistory();
  const scheduled = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name);
  expect(scheduled).toEqual(['touchInstances']);

  // Connection refused on every attempt: the workflow still completes (fire-and-forget final event).
  const dead = await runWith({ url: 'http://127.0.0.1:9/hook', secret: SECRET, timeoutMs: 500 }, createMetrics(), false);
  expect(await temporal.client.workflow.getHandle(dead.workflowId).result()).toMatchObject({ outcome: 'partial' });
});

it('logs vendor calls with workflow, activity, instances and vendor request ID, and throttles are counted', async () => {
  const metrics = createMetrics();
  const { workflowId, vendorEvents } = await runWith(undefined, metrics, true);
  const line = logLines.find((l) => l.workflowId === workflowId && l.vendorAction === 'DescribeAndroidInstances');
  expect(line).toMatchObject({ activityType: 'touchInstances', outcome: 'ok', instanceIds: [DEMO_TARGETS[0], DEMO_TARGETS[1], DEMO_TARGETS[2]], instanceCount: 3 });
  expect(line!.requestId).toBe(vendorEvents[0]!.requestId);

  const admin = new EmulatorAdmin(emulator.url);
  await admin.patchConfig({ throttleRate: 1 });
  try {
    const ecp = createEcpClient(
      loadEcpConfig({ CPR_ECP_ENDPOINT: emulator.endpoint, CPR_ECP_PROTOCOL: 'http' }, { credentials: { accessKeyId: DEFAULT_ACCESS_KEY_ID, accessKeySecret: DEFAULT_ACCESS_KEY_SECRET } }),
      { onCall: (e) => metrics.onVendorCall(e) },
    );
    await expect(ecp.describeAndroidInstances({})).rejects.toMatchObject({ kind: 'throttled' });
  } finally {
    await admin.patchConfig({ throttleRate: 0 });
  }
  const text = await metrics.registry.metrics();
  expect(text).toMatch(/^cpr_vendor_api_throttles_total\{action="DescribeAndroidInstances"\} 1$/m);
  expect(text).toMatch(/^cpr_vendor_api_calls_total\{action="DescribeAndroidInstances",outcome="throttled"\} 1$/m);
});

it('finds the instances of every recovery activity request shape', () => {
  const submit = { groups: [{ backup: { backupFileId: 'bf-1', sourceInstanceId: 'acp-source01' }, instanceIds: ['acp-aaaaaa1', 'acp-aaaaaa2'] }], attempt: 1 };
  const poll = { tasks: [{ instanceId: 'acp-aaaaaa3', taskId: 't-1' }] };
  const verify = { targets: [{ instanceId: 'acp-aaaaaa4', backupFileId: 'bf-1' }], expectations: {} };
  expect([...instanceIdsOf([submit])]).toEqual(['acp-aaaaaa1', 'acp-aaaaaa2']);
  expect([...instanceIdsOf([poll])]).toEqual(['acp-aaaaaa3']);
  expect([...instanceIdsOf([verify])]).toEqual(['acp-aaaaaa4']);
});

it('redacts secrets by key and by value', () => {
  logger.info({ config: { accessKeySecret: 'k1', nested: { token: 'k2' } }, note: `secret is ${SECRET}` }, `sent with ${DEFAULT_ACCESS_KEY_SECRET}`);
  const text = JSON.stringify(logLines[logLines.length - 1]);
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain(DEFAULT_ACCESS_KEY_SECRET);
  expect(text).not.toContain('"k1"');
  expect(text).not.toContain('"k2"');
  expect(text).toContain('[redacted]');
});
