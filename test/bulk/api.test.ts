// /v1/migrations and /v1/schedules over real HTTP (the API helper's server and harness) against the
// shared dev server, with a worker running the real bulkMigration and the fake recoverApp child.
import { connectTestTemporal, uniqueId, uniqueTaskQueue, type TestTemporal } from '../harness/temporal';
import { startApi, type ApiUnderTest } from '../api/api-harness';
import { waitFor } from '../harness/wait';
import { bulkFixtureBundle, bulkWorker, onePerTarget } from './helpers';

let temporal: TestTemporal;
beforeAll(async () => {
  temporal = await connectTestTemporal();
  await bulkFixtureBundle();
}, 60_000);
afterAll(async () => temporal.close());

async function withApi(fn: (api: ApiUnderTest) => Promise<void>): Promise<void> {
  const taskQueue = uniqueTaskQueue('bulk-api');
  const { worker } = await bulkWorker(temporal, taskQueue);
  const api = await startApi(temporal.client, taskQueue);
  try {
    await worker.runUntil(fn(api));
  } finally {
    await api.close();
  }
}

it('starts a migration, shows progress/result, changes the window, reports JSON and CSV, and refuses bad input with field and rule', () =>
  withApi(async (api) => {
    const bad = await api.call('POST', '/v1/migrations', { body: { items: [{ backupFileId: 'bf-x', instanceIds: ['acp-aaaaaaaa'] }], options: { itemsPerChild: 0 }, colour: 'blue' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toBe('invalid_input');
    expect(bad.json.issues.map((i: { field: string }) => i.field).sort()).toEqual(['colour', 'items[0].backupFileId', 'options.itemsPerChild']);

    const migrationId = uniqueId('api-mig');
    const items = onePerTarget(20, { kinds: (i) => (i === 4 ? 'fail' : 'ok') });
    const started = await api.call('POST', '/v1/migrations', { body: { migrationId, items, options: { limits: { pollIntervalMinMs: 300 }, itemsPerChild: 5, maxConcurrentChildren: 1 } } });
    expect(started.status).toBe(202);
    expect(started.json).toMatchObject({ migrationId, targets: 20, links: { report: `/v1/migrations/${migrationId}/report` } });
    expect(started.headers.get('location')).toBe(`/v1/migrations/${migrationId}`);

    const badWindow = await api.call('POST', `/v1/migrations/${migrationId}/window`, { body: { window: 0 } });
    expect(badWindow.status).toBe(400);
    expect(badWindow.json.issues).toEqual([{ field: 'window', rule: 'must be at least 1' }]);
    const window = await api.call('POST', `/v1/migrations/${migrationId}/window`, { body: { window: 3 } });
    expect(window.json).toEqual({ window: 3 });
    const running = await api.call('GET', `/v1/migrations/${migrationId}`);
    expect(running.json).toMatchObject({ status: 'Running', progress: { window: 3, counts: { total: 20 } } });
    const early = await api.call('GET', `/v1/migrations/${migrationId}/report`);
    expect(early.status).toBe(409);

    const done = await waitFor('completion', async () => {
      const res = await api.call('GET', `/v1/migrations/${migrationId}`);
      return res.json.status === 'Completed' ? res.json : undefined;
    });
    expect(done.result).toMatchObject({ outcome: 'partial', counts: { verified: 19, failed: 1 }, children: { total: 4, done: 4 } });
    expect(done.result.rows).toBeUndefined(); // rows live in the report

    const csv = await api.call('GET', `/v1/migrations/${migrationId}/report?format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = csv.text.trim().split('\r\n');
    expect(lines).toHaveLength(21);
    expect(lines).toContain(`${items[4]!.instanceIds[0]},${items[4]!.backupFileId},failed,TaskFailed`);
    const json = await api.call('GET', `/v1/migrations/${migrationId}/report?format=json`);
    expect(json.json.rows).toHaveLength(20);

    expect((await api.call('POST', `/v1/migrations/${migrationId}/pause`, { body: {} })).status).toBe(409);
    expect((await api.call('GET', `/v1/migrations/${uniqueId('nope')}`)).status).toBe(404);
    expect((await api.call('GET', '/v1/migrations/bad%20id')).json).toMatchObject({ error: 'invalid_input', issues: [{ field: 'id' }] });
  }));

it('manages schedules: create (validated), describe, trigger, pause/unpause, backfill, list, delete', () =>
  withApi(async (api) => {
    const scheduleId = uniqueId('api-sched');
    const plan = { items: onePerTarget(4), options: { limits: { pollIntervalMinMs: 20 }, itemsPerChild: 2 } };
    const bad = await api.call('POST', '/v1/schedules', { body: { scheduleId, plan: { items: [] }, every: 'often' } });
    expect(bad.status).toBe(400);
    expect(bad.json.issues.map((i: { field: string }) => i.field).sort()).toEqual(['every', 'plan.items']);

    const created = await api.call('POST', '/v1/schedules', { body: { scheduleId, plan, cron: '30 2 * * *', note: 'nightly' } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ scheduleId, cron: '30 2 * * *', paused: false, overlap: 'SKIP', targets: 4 });
    expect((await api.call('POST', '/v1/schedules', { body: { scheduleId, plan, cron: '30 2 * * *' } })).status).toBe(409);

    expect((await api.call('POST', `/v1/schedules/${scheduleId}/trigger`, { body: {} })).status).toBe(202);
    const fired = await waitFor('a run', async () => {
      const res = await api.call('GET', `/v1/schedules/${scheduleId}`);
      return res.json.recentRuns.length === 1 ? res.json : undefined;
    });
    const migrationId = fired.recentRuns[0].migrationId as string;
    const done = await waitFor('the scheduled migration to complete', async () => {
      const res = await api.call('GET', `/v1/migrations/${encodeURIComponent(migrationId)}`);
      return res.json.status === 'Completed' ? res.json : undefined;
    });
    expect(done.result.counts).toMatchObject({ total: 4, verified: 4 });

    expect((await api.call('POST', `/v1/schedules/${scheduleId}/pause`, { body: { note: 'freeze' } })).json).toMatchObject({ paused: true, note: 'freeze' });
    expect((await api.call('POST', `/v1/schedules/${scheduleId}/unpause`, { body: {} })).json).toMatchObject({ paused: false });
    const badFill = await api.call('POST', `/v1/schedules/${scheduleId}/backfill`, { body: { start: 'yesterday', end: '2024-01-02T00:00:00Z' } });
    expect(badFill.status).toBe(400);
    expect(badFill.json.issues.map((i: { field: string }) => i.field)).toEqual(['start']);

    await waitFor('the schedule in the list', async () => {
      const res = await api.call('GET', '/v1/schedules');
      return res.json.schedules.some((s: { scheduleId: string }) => s.scheduleId === scheduleId) || undefined;
    });
    expect((await api.call('DELETE', `/v1/schedules/${scheduleId}`)).json).toEqual({ scheduleId, deleted: true });
    expect((await api.call('GET', `/v1/schedules/${scheduleId}`)).status).toBe(404);
  }));
