// Migrations are as reachable as recoveries: a migration a schedule started (ID `<scheduleId>-<time>`)
// is listed (naming its schedule), followed, resized, paused, reported and cancelled with `cpr` (a
// subprocess) and the HTTP API; a migration started raw (another team's client, no search attributes)
// is listed too, with its outcome, or as failed with the plan's field errors. Real dev server, real
// bulkMigration, the fake recoverApp child.
import { deleteSchedule, describeSchedule, createMigrationSchedule } from '../../client/service/schedules';
import { connectTestTemporal, uniqueId, uniqueTaskQueue, type TestTemporal } from '../harness/temporal';
import { startApi, type ApiUnderTest, type Json } from '../api/api-harness';
import { waitFor } from '../harness/wait';
import { runCli } from '../cli/run-cli';
import { maybeRecordFixture } from '../workflows/harness';
import { bulkFixtureBundle, bulkWorker, onePerTarget } from './helpers';

let temporal: TestTemporal;
beforeAll(async () => {
  temporal = await connectTestTemporal();
  await bulkFixtureBundle();
}, 60_000);
afterAll(async () => temporal.close());

/** Targets whose children wait for a signal, so the migration stays running until cancelled. */
const heldPlan = (prefix: string) => ({ items: onePerTarget(6, { hold: true, prefix }), options: { itemsPerChild: 2, maxConcurrentChildren: 1 } });

async function scheduledMigration(taskQueue: string, scheduleId: string, prefix: string): Promise<string> {
  await createMigrationSchedule(temporal.client, { scheduleId, plan: heldPlan(prefix), every: '1 day' }, { taskQueue });
  await temporal.client.schedule.getHandle(scheduleId).trigger();
  const described = await waitFor('the triggered run', () => describeSchedule(temporal.client, scheduleId), { until: (s) => s.recentRuns.length === 1 });
  return described.recentRuns[0]!.migrationId;
}

async function cpr(env: Record<string, string>, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCli(args, env);
}

async function cprJson(env: Record<string, string>, ...args: string[]): Promise<Json> {
  const r = await cpr(env, ...args, '--output', 'json');
  if (r.code !== 0) throw new Error(`cpr ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

it('a schedule-started migration is listed, followed, resized, paused, reported and cancelled with cpr and the API', async () => {
  const taskQueue = uniqueTaskQueue('sched-ops');
  const env = { CPR_TEMPORAL_ADDRESS: temporal.address, CPR_TEMPORAL_NAMESPACE: temporal.namespace, CPR_TASK_QUEUE: taskQueue };
  const { worker } = await bulkWorker(temporal, taskQueue);
  const viaCli = uniqueId('nightly-cli');
  const viaApi = uniqueId('nightly-api');
  let api: ApiUnderTest | undefined;
  await worker.runUntil(async () => {
    api = await startApi(temporal.client, taskQueue);
    const migrationId = await scheduledMigration(taskQueue, viaCli, 'c');
    expect(migrationId.startsWith(`${viaCli}-`)).toBe(true);

    // ---- cpr ----
    const row = await waitFor('the migration in cpr list', async () => (await cprJson(env, 'list', '--kind', 'migration', '--schedule', viaCli))[0]);
    expect(row).toMatchObject({ kind: 'migration', workflowId: migrationId, status: 'Running', scheduledBy: viaCli, targets: 6 });
    expect(row.backupFileIds).toHaveLength(6);
    const both = await cpr(env, 'list', '--schedule', viaCli);
    expect(both.stdout).toMatch(new RegExp(`^KIND\\s+WORKFLOW ID.*SCHEDULE\\n+migration\\s+${migrationId}\\s+Running.*${viaCli}$`, 'm'));

    const running = await waitFor('progress', async () => (await cprJson(env, 'status', migrationId)).progress);
    expect(running).toMatchObject({ window: 1, counts: { total: 6 }, children: { total: 3 } });
    const status = await cpr(env, 'status', migrationId);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`Migration  ${migrationId}`);
    expect(status.stdout).toContain('Window     1 recoveries at once');
    expect(status.stdout).toMatch(/Children\s+3 total: 1 running/);
    expect(status.stdout).toMatch(/WAVE\s+KIND\s+STATE/);

    expect((await cpr(env, 'window', migrationId, '2')).code).toBe(0);
    expect((await cprJson(env, 'status', migrationId)).progress.window).toBe(2);
    const badWindow = await cpr(env, 'window', migrationId, '0');
    expect(badWindow.code).toBe(2);
    expect((await cpr(env, 'pause', migrationId, '--reason', 'look first')).code).toBe(0);
    expect((await cprJson(env, 'status', migrationId)).progress).toMatchObject({ paused: true, pausedReason: 'look first' });
    expect((await cpr(env, 'resume', migrationId)).code).toBe(0);
    const early = await cpr(env, 'report', migrationId);
    expect(early.code).toBe(4); // still running: the report comes with the result

    const cancel = await cpr(env, 'cancel', migrationId, '--reason', 'wrong plan');
    expect(cancel.stderr).toBe('');
    expect(cancel.code).toBe(0);
    await temporal.client.workflow.getHandle(migrationId).result();
    const csv = await cpr(env, 'report', migrationId, '--format', 'csv');
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trim().split('\r\n');
    expect(lines[0]).toBe('instanceId,backupFileId,status,reason');
    expect(lines).toHaveLength(7);
    expect(lines.slice(1).every((l) => l.split(',')[2] === 'cancelled')).toBe(true);
    const report = JSON.parse((await cpr(env, 'report', migrationId)).stdout);
    expect(report).toMatchObject({ migrationId, outcome: 'cancelled', counts: { total: 6, cancelled: 6 } });
    const cancelled = await waitFor('the cancelled migration by outcome', async () => (await cprJson(env, 'list', '--kind', 'migration', '--outcome', 'cancelled', '--schedule', viaCli))[0]);
    expect(cancelled).toMatchObject({ workflowId: migrationId, status: 'Completed', outcome: 'cancelled' });

    // ---- HTTP API ----
    const apiMigrationId = await scheduledMigration(taskQueue, viaApi, 'a');
    const listed = await waitFor('the migration in GET /v1/migrations', async () => {
      const res = await api!.call('GET', `/v1/migrations?scheduleId=${viaApi}&status=running`);
      return res.status === 200 && res.json.migrations.length === 1 ? res.json : undefined;
    });
    expect(listed.migrations[0]).toMatchObject({ kind: 'migration', workflowId: apiMigrationId, scheduledBy: viaApi, status: 'Running' });
    expect(listed.query).toBe(`CprKind = 'migration' AND ExecutionStatus = 'Running' AND TemporalScheduledById = '${viaApi}'`);
    const recoveriesOnly = await api!.call('GET', `/v1/recoveries?scheduleId=${viaApi}`);
    expect(recoveriesOnly.json.recoveries).toEqual([]);
    const bad = await api!.call('GET', '/v1/migrations?status=sleeping&limit=0');
    expect(bad.status).toBe(400);
    expect(bad.json.issues.map((i: { field: string }) => i.field).sort()).toEqual(['limit', 'status']);

    await waitFor('progress over the API', async () => (await api!.call('GET', `/v1/migrations/${apiMigrationId}`)).json.progress);
    const cancelRes = await api!.call('POST', `/v1/migrations/${apiMigrationId}/cancel`, { body: { reason: 'wrong plan' } });
    expect(cancelRes.status).toBe(202);
    await temporal.client.workflow.getHandle(apiMigrationId).result();
    const apiReport = await api!.call('GET', `/v1/migrations/${apiMigrationId}/report`);
    expect(apiReport.json).toMatchObject({ outcome: 'cancelled', counts: { total: 6, cancelled: 6 } });
    const byOutcome = await waitFor('the cancelled migration by outcome over the API', async () => {
      const res = await api!.call('GET', `/v1/migrations?outcome=Cancelled&scheduleId=${viaApi}`);
      return res.json.migrations[0];
    });
    expect(byOutcome).toMatchObject({ workflowId: apiMigrationId, outcome: 'cancelled', scheduledBy: viaApi });
  }).finally(async () => {
    await api?.close();
    await Promise.all([viaCli, viaApi].map((id) => deleteSchedule(temporal.client, id).catch(() => undefined)));
  });
}, 240_000);

it('a migration started raw (no search attributes) is listed with its outcome, or as failed with the plan field errors', async () => {
  const taskQueue = uniqueTaskQueue('raw-mig');
  const env = { CPR_TEMPORAL_ADDRESS: temporal.address, CPR_TEMPORAL_NAMESPACE: temporal.namespace, CPR_TASK_QUEUE: taskQueue };
  const { worker } = await bulkWorker(temporal, taskQueue);
  const goodId = uniqueId('raw-good');
  const badId = uniqueId('raw-bad');
  await worker.runUntil(async () => {
    const good = await temporal.client.workflow.start('bulkMigration', { taskQueue, workflowId: goodId, args: [{ items: onePerTarget(3, { prefix: 'r' }), options: { itemsPerChild: 2 } }] });
    await good.result();
    await maybeRecordFixture(good, 'bulk-migration.raw-start-outcome');
    const bad = await temporal.client.workflow.start('bulkMigration', { taskQueue, workflowId: badId, args: [{ items: [{ backupFileId: 'nope', instanceIds: [] }] }] });
    await expect(bad.result()).rejects.toThrow();
    await maybeRecordFixture(bad, 'bulk-migration.rejected-plan');
  });
  const goodRow = await waitFor('the raw migration with its outcome', async () => (await cprJson(env, 'list', '--kind', 'migration', '--outcome', 'succeeded', '--limit', '200')).find((r: Json) => r.workflowId === goodId));
  expect(goodRow).toMatchObject({ kind: 'migration', status: 'Completed', outcome: 'succeeded' });
  const badRow = await waitFor('the rejected migration', async () => (await cprJson(env, 'list', '--kind', 'migration', '--status', 'failed', '--limit', '200')).find((r: Json) => r.workflowId === badId));
  expect(badRow).toMatchObject({ kind: 'migration', status: 'Failed' });
  const status = await cprJson(env, 'status', badId);
  expect(status).toMatchObject({ kind: 'migration', status: 'Failed', failure: { type: 'InvalidInput' } });
  expect(status.failure.issues.map((i: { field: string }) => i.field).sort()).toEqual(['items[0].backupFileId', 'items[0].instanceIds']);
}, 120_000);
