// Recoveries through the HTTP API with a real worker running the product's workflows on the shared dev
// server; the vendor side is fake activities (typed as the real contract) so runs are fast and steerable.
import { join } from 'node:path';
import { Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { connectTestTemporal, uniqueTaskQueue, type TestTemporal } from '../harness/temporal';
import { recoveryInput, startApi, TEST_TOKEN, type ApiUnderTest, type Json } from './api-harness';
import { waitFor } from '../harness/wait';
import { FAKE_PACKAGE, fakeFleet, gate, type FakeFleet, type FleetScenario } from '../workflows/fake-fleet';
import { NO_METRICS_SINKS } from '../../worker/metrics';

let temporal: TestTemporal;
let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  temporal = await connectTestTemporal();
  bundle = await bundleWorkflowCode({ workflowsPath: join(__dirname, 'fixture-workflows.ts'), logger: quiet });
});
afterAll(async () => temporal.close());

interface Env {
  api: ApiUnderTest;
  /** The fake vendor; its tasks stay running until `finishTasks()`. */
  vendor: FakeFleet & { finishTasks(): void };
  taskQueue: string;
}

/** A worker with fake activities and an API on its own task queue for the duration of one test. */
async function withEnv(fn: (env: Env) => Promise<void>, scenario: FleetScenario = {}): Promise<void> {
  const taskQueue = uniqueTaskQueue('api');
  const poll = gate();
  const vendor = Object.assign(fakeFleet(scenario), { finishTasks: () => poll.open() });
  vendor.gates.poll = poll;
  const worker = await Worker.create({ connection: temporal.nativeConnection, namespace: temporal.namespace, taskQueue, workflowBundle: bundle, activities: vendor.activities, sinks: NO_METRICS_SINKS });
  const api = await startApi(temporal.client, taskQueue);
  try {
    await worker.runUntil(fn({ api, vendor, taskQueue }));
  } finally {
    await api.close();
  }
}

async function waitForView(api: ApiUnderTest, id: string, what: string, predicate: (view: Json) => boolean): Promise<Json> {
  return waitFor(what, async () => {
    const res = await api.call('GET', `/v1/recoveries/${id}`);
    return predicate(res.json) ? res.json : undefined;
  });
}

it('starts idempotently, reports progress, lists, completes and reports (JSON and CSV)', () =>
  withEnv(async ({ api, vendor }) => {
    const input = recoveryInput();
    const key = `idem-${Date.now()}`;
    const first = await api.call('POST', '/v1/recoveries', { body: input, headers: { 'idempotency-key': key } });
    const retry = await api.call('POST', '/v1/recoveries', { body: input, headers: { 'idempotency-key': key } });
    expect(first.status).toBe(202);
    expect(retry.status).toBe(202);
    expect(first.json).toMatchObject({ workflowId: `recovery-${key}`, created: true });
    expect(retry.json).toMatchObject({ workflowId: first.json.workflowId, runId: first.json.runId, created: false });
    expect(first.json.links.events).toBe(`/v1/recoveries/recovery-${key}/events`);

    // Same key, different body: refused, not silently mapped to the other run.
    const other = await api.call('POST', '/v1/recoveries', { body: { ...input, instanceIds: input.instanceIds.slice(0, 1) }, headers: { 'idempotency-key': key } });
    expect(other.status).toBe(409);
    expect(other.json.message).toMatch(/already used for a different recovery request/);

    const id = first.json.workflowId;
    const polling = await waitForView(api, id, 'poll phase', (v) => v.progress?.phase === 'poll');
    expect(polling.status).toBe('Running');
    expect(polling.progress.counts).toMatchObject({ total: 2, pending: 2 });
    expect(polling.backupFileIds).toEqual([input.backupFileId]);

    // A report of a running recovery is its progress so far.
    const partial = await api.call('GET', `/v1/recoveries/${id}/report?format=csv`);
    expect(partial.status).toBe(200);
    expect(partial.text.split('\r\n')[1]).toMatch(/,pending,poll,,1,t-acp-[0-9a-f]+-1,,$/);

    vendor.finishTasks();
    const done = await waitForView(api, id, 'completion', (v) => v.status === 'Completed');
    expect(done.result.outcome).toBe('succeeded');
    expect(done.result.targets.map((t: { status: string }) => t.status)).toEqual(['verified', 'verified']);
    expect(done.result.backups).toEqual([expect.objectContaining({ backupFileId: input.backupFileId, released: true })]);
    expect(vendor.callsOf('submitRecoveries')).toHaveLength(1); // one run, one RecoverApp batch

    const count = await temporal.client.workflow.count(`WorkflowId = '${id}'`);
    expect(count.count).toBe(1);

    const listed = await waitFor('list by backup', async () => {
      const res = await api.call('GET', `/v1/recoveries?backupFileId=${input.backupFileId}&status=Completed&outcome=succeeded`);
      return res.json.recoveries.length === 1 ? res.json : undefined;
    });
    expect(listed.recoveries[0]).toMatchObject({ workflowId: id, status: 'Completed', outcome: 'succeeded', phase: 'done', backupFileIds: [input.backupFileId], targets: 2, verified: 2, failed: 0 });
    expect(listed.query).toBe(`CprKind = 'recovery' AND CprBackupFileIds = '${input.backupFileId}' AND CprOutcome = 'succeeded' AND ExecutionStatus = 'Completed'`);
    const none = await api.call('GET', `/v1/recoveries?backupFileId=${input.backupFileId}&outcome=failed`);
    expect(none.json.recoveries).toEqual([]);

    const csv = await api.call('GET', `/v1/recoveries/${id}/report?format=csv`);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="${id}-report.csv"`);
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('instanceId,backupFileId,status,phase,reason,attempts,taskIds,snapshotBackupFileId,message');
    expect(lines.slice(1).sort()).toEqual(input.instanceIds.map((i) => `${i},${input.backupFileId},verified,verify,,1,t-${i}-1,,`).sort());

    const json = await api.call('GET', `/v1/recoveries/${id}/report`);
    expect(json.json).toMatchObject({ workflowId: id, outcome: 'succeeded', counts: { total: 2, verified: 2 } });

    // A closed run refuses control requests with the reason.
    const cancel = await api.call('POST', `/v1/recoveries/${id}/cancel`);
    expect(cancel.status).toBe(409);
    expect(cancel.json).toEqual({ error: 'conflict', message: `recovery ${id} is already closed (Completed)` });
  }));

it('streams progress as server-sent events until the result', () =>
  withEnv(async ({ api, vendor }) => {
    const started = await api.call('POST', '/v1/recoveries', { body: recoveryInput() });
    const id = started.json.workflowId;
    const res = await fetch(`${api.url}/v1/recoveries/${id}/events?intervalMs=100`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');

    const events: { event: string; data: Json }[] = [];
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
        if (event === 'progress' && JSON.parse(data!).phase === 'poll') vendor.finishTasks();
      }
    }
    // The stream ended by itself after the result.
    const kinds = events.map((e) => e.event);
    expect(kinds.at(-1)).toBe('result');
    expect(kinds.filter((k) => k === 'result')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'progress').length).toBeGreaterThanOrEqual(1);
    // Each progress event is a change, never a repeat.
    const progress = events.filter((e) => e.event === 'progress').map((e) => JSON.stringify(e.data));
    expect(new Set(progress).size).toBe(progress.length);
    expect(events.at(-1)!.data).toMatchObject({ workflowId: id, status: 'Completed', result: { outcome: 'succeeded' } });
  }));

it('cancels a running recovery: backups kept, leases released', () =>
  withEnv(async ({ api, vendor }) => {
    const input = recoveryInput();
    const id = (await api.call('POST', '/v1/recoveries', { body: input })).json.workflowId;
    await waitForView(api, id, 'poll phase', (v) => v.progress?.phase === 'poll');

    const cancel = await api.call('POST', `/v1/recoveries/${id}/cancel`);
    expect(cancel.status).toBe(202);
    expect(cancel.json).toMatchObject({ workflowId: id, cancelRequested: true });
    // Vendor tasks finish after the cancel; the run must still not release the backup.
    vendor.finishTasks();

    const done = await waitForView(api, id, 'closed', (v) => v.status !== 'Running');
    expect(done.status).toBe('Completed');
    expect(done.result.outcome).toBe('cancelled');
    expect(done.result.backups).toEqual([expect.objectContaining({ backupFileId: input.backupFileId, released: false, keptBecause: 'cancelled' })]);
    expect(vendor.callsOf('releaseBackups')).toEqual([]);
    expect(vendor.callsOf('releaseLeases').length).toBeGreaterThanOrEqual(1);
  }));

it('refuses approval before verification, accepts it after, then releases the backup', () =>
  withEnv(async ({ api, vendor }) => {
    const input = recoveryInput({ releaseBackup: 'on-approval' });
    const id = (await api.call('POST', '/v1/recoveries', { body: input })).json.workflowId;
    await waitForView(api, id, 'poll phase', (v) => v.progress?.phase === 'poll');

    const early = await api.call('POST', `/v1/recoveries/${id}/approve`, { body: { approvedBy: 'ops-alice' } });
    expect(early.status).toBe(409);
    expect(early.json).toEqual({ error: 'conflict', message: 'verification is not complete yet (phase: poll)' });

    vendor.finishTasks();
    await waitForView(api, id, 'awaiting approval', (v) => v.progress?.awaitingApproval === true);
    expect(vendor.callsOf('releaseBackups')).toEqual([]);

    const ok = await api.call('POST', `/v1/recoveries/${id}/approve`, { body: { approvedBy: 'ops-alice', note: 'ticket OPS-1' }, headers: { 'idempotency-key': 'approve-1' } });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ approved: true, backups: [input.backupFileId] });

    const done = await waitForView(api, id, 'completion', (v) => v.status === 'Completed');
    expect(done.result.backups).toEqual([expect.objectContaining({ backupFileId: input.backupFileId, released: true })]);
    expect(vendor.callsOf('releaseBackups')).toEqual([{ backupFileIds: [input.backupFileId] }]);
  }));

it('refuses approval when the release policy does not ask for it', () =>
  withEnv(async ({ api, vendor }) => {
    const id = (await api.call('POST', '/v1/recoveries', { body: recoveryInput() })).json.workflowId;
    await waitForView(api, id, 'poll phase', (v) => v.progress?.phase === 'poll');
    const res = await api.call('POST', `/v1/recoveries/${id}/approve`, { body: {} });
    expect(res.status).toBe(409);
    expect(res.json.message).toBe("release policy is 'after-all-verified', not 'on-approval'");
    vendor.finishTasks();
    await waitForView(api, id, 'completion', (v) => v.status === 'Completed');
  }));

it('pauses and resumes', () =>
  withEnv(async ({ api, vendor }) => {
    const id = (await api.call('POST', '/v1/recoveries', { body: recoveryInput() })).json.workflowId;
    await waitForView(api, id, 'poll phase', (v) => v.progress?.phase === 'poll');
    const paused = await api.call('POST', `/v1/recoveries/${id}/pause`, { body: { reason: 'vendor maintenance' } });
    expect(paused.json).toEqual({ paused: true });
    expect((await api.call('GET', `/v1/recoveries/${id}`)).json.progress.paused).toBe(true);
    const resumed = await api.call('POST', `/v1/recoveries/${id}/resume`);
    expect(resumed.json).toEqual({ paused: false });
    expect((await api.call('GET', `/v1/recoveries/${id}`)).json.progress.paused).toBe(false);
    vendor.finishTasks();
    const done = await waitForView(api, id, 'completion', (v) => v.status === 'Completed');
    expect(done.result.outcome).toBe('succeeded');
    // Pausing after completion is a conflict, not a silent no-op.
    expect((await api.call('POST', `/v1/recoveries/${id}/pause`)).status).toBe(409);
  }));

it('dry-runs: preflight only, one verdict and planned action per target', () => {
  const [fresh, hasApp, stopped] = ['acp-dryfresh01', 'acp-dryhasapp01', 'acp-drystopped01'];
  return withEnv(
    async ({ api, vendor, taskQueue }) => {
      const input = recoveryInput({ instanceIds: [fresh, hasApp, stopped] });
      const res = await api.call('POST', '/v1/recoveries/dry-run', { body: input });
      expect(res.status).toBe(200);
      expect(res.json.ok).toBe(false);
      expect(res.json.counts).toEqual({ total: 3, ready: 2, blocked: 1 });
      expect(res.json.targets).toEqual([
        { instanceId: fresh, backupFileId: input.backupFileId, ok: true, existingPackages: [], plannedAction: 'recover' },
        { instanceId: hasApp, backupFileId: input.backupFileId, ok: true, existingPackages: [FAKE_PACKAGE], plannedAction: 'snapshot-then-recover' },
        { instanceId: stopped, backupFileId: input.backupFileId, ok: false, reason: 'InstanceNotRunning', message: `${stopped} is stopped`, existingPackages: [], plannedAction: 'skip' },
      ]);
      expect(vendor.calls.map((c) => c.name)).toEqual(['preflight']);

      const refuse = await api.call('POST', '/v1/recoveries/dry-run', { body: { ...input, existingApp: 'refuse' } });
      expect(refuse.json.targets[1]).toMatchObject({ instanceId: hasApp, ok: false, reason: 'AppAlreadyPresent', plannedAction: 'skip' });

      const bad = await api.call('POST', '/v1/recoveries/dry-run', { body: { ...input, instanceIds: ['nope'] } });
      expect(bad.status).toBe(400);
      expect(bad.json.issues).toEqual([{ field: 'instanceIds[0]', rule: expect.stringMatching(/instance ID/) }]);
      expect(vendor.calls).toHaveLength(2);
      // A dry run is not a recovery: it is not listed or reachable as one.
      const count = await temporal.client.workflow.count(`TaskQueue = '${taskQueue}' AND CprKind = 'recovery'`);
      expect(count.count).toBe(0);
    },
    { existing: { [hasApp]: [FAKE_PACKAGE] }, notRunning: [stopped] },
  );
});

const noop = (): void => undefined;
const quiet = { trace: noop, debug: noop, info: noop, warn: noop, error: (m: string) => console.error(m), log: noop };
