// Migration schedules on the shared dev server: create (plan validated first), describe, trigger (a
// migration runs to completion on a worker with the fake recoverApp), pause, unpause, backfill, delete.
import {
  backfillSchedule,
  createMigrationSchedule,
  deleteSchedule,
  describeSchedule,
  listSchedules,
  pauseSchedule,
  triggerSchedule,
  unpauseSchedule,
} from '../../client/service/schedules';
import { getMigrationResult } from '../../client/service/migrations';
import { InvalidInputError, NotFoundError, ConflictError } from '../../client/service/errors';
import { connectTestTemporal, uniqueId, uniqueTaskQueue, type TestTemporal } from '../harness/temporal';
import { waitFor } from '../harness/wait';
import { bulkFixtureBundle, bulkWorker, onePerTarget } from './helpers';

let temporal: TestTemporal;
beforeAll(async () => {
  temporal = await connectTestTemporal();
  await bulkFixtureBundle();
}, 60_000);
afterAll(async () => temporal.close());

const plan = { items: onePerTarget(12, { kinds: (i) => (i === 5 ? 'fail' : 'ok') }), options: { limits: { pollIntervalMinMs: 20 }, itemsPerChild: 5, maxConcurrentChildren: 2 } };

describe('migration schedules', () => {
  it('creates, describes, triggers a run, pauses, unpauses and deletes', async () => {
    const taskQueue = uniqueTaskQueue('sched');
    const scheduleId = uniqueId('nightly');
    const { worker } = await bulkWorker(temporal, taskQueue);
    await worker.runUntil(async () => {
      const created = await createMigrationSchedule(temporal.client, { scheduleId, plan, every: '1 day', note: 'nightly re-seed' }, { taskQueue });
      expect(created).toMatchObject({ scheduleId, paused: false, note: 'nightly re-seed', every: '1 day', overlap: 'SKIP', taskQueue, targets: 12, runsStarted: 0 });
      expect(created.nextRunTimes.length).toBeGreaterThan(0);
      await expect(createMigrationSchedule(temporal.client, { scheduleId, plan, every: '1 day' }, { taskQueue })).rejects.toBeInstanceOf(ConflictError);

      await triggerSchedule(temporal.client, scheduleId);
      const fired = await waitFor('the triggered run', () => describeSchedule(temporal.client, scheduleId), { until: (s) => s.recentRuns.length === 1 });
      const migrationId = fired.recentRuns[0]!.migrationId;
      expect(migrationId.startsWith(`${scheduleId}-`)).toBe(true);
      await temporal.client.workflow.getHandle(migrationId).result();
      const result = await getMigrationResult(temporal.client, migrationId);
      expect(result.counts).toMatchObject({ total: 12, verified: 11, failed: 1 });
      expect(result.children.total).toBe(3);

      const paused = await pauseSchedule(temporal.client, scheduleId, 'freeze for release');
      expect(paused).toMatchObject({ paused: true, note: 'freeze for release' });
      const unpaused = await unpauseSchedule(temporal.client, scheduleId);
      expect(unpaused.paused).toBe(false);

      const listed = await waitFor('the schedule in the list', () => listSchedules(temporal.client), { until: (l) => l.some((s) => s.scheduleId === scheduleId) });
      expect(listed.find((s) => s.scheduleId === scheduleId)).toMatchObject({ paused: false });

      expect(await deleteSchedule(temporal.client, scheduleId)).toEqual({ scheduleId, deleted: true });
      await expect(describeSchedule(temporal.client, scheduleId)).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  it('backfills the firings of a past window (cron spec) with the overlap policy', async () => {
    const taskQueue = uniqueTaskQueue('sched');
    const scheduleId = uniqueId('hourly');
    const { worker } = await bulkWorker(temporal, taskQueue);
    await worker.runUntil(async () => {
      const created = await createMigrationSchedule(temporal.client, { scheduleId, plan, cron: '0 * * * *', overlap: 'ALLOW_ALL', paused: true }, { taskQueue });
      expect(created).toMatchObject({ paused: true, cron: '0 * * * *', overlap: 'ALLOW_ALL' });
      const end = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 1);
      const start = new Date(end.getTime() - 2 * 3_600_000);
      await backfillSchedule(temporal.client, scheduleId, { start: start.toISOString(), end: end.toISOString() });
      const described = await waitFor('two backfilled runs', () => describeSchedule(temporal.client, scheduleId), { until: (s) => s.recentRuns.length === 2 });
      for (const run of described.recentRuns) await temporal.client.workflow.getHandle(run.migrationId).result();
      expect(described.recentRuns.map((r) => new Date(r.scheduledAt).getUTCMinutes())).toEqual([0, 0]);
      await deleteSchedule(temporal.client, scheduleId);
    });
  });

  it('rejects bad schedules before creating anything, naming each field', async () => {
    const scheduleId = uniqueId('bad');
    const err = await createMigrationSchedule(temporal.client, {
      scheduleId,
      plan: { items: [{ backupFileId: 'bf-nope', instanceIds: [] }] },
      every: '10 seconds',
      overlap: 'SOMETIMES',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).issues.map((i) => i.field).sort()).toEqual(['every', 'overlap', 'plan.items[0].backupFileId', 'plan.items[0].instanceIds']);
    const both = await createMigrationSchedule(temporal.client, { scheduleId, plan, every: '1h', cron: '@daily' }).catch((e: unknown) => e);
    expect((both as InvalidInputError).issues).toEqual([{ field: 'cron', rule: 'give exactly one of cron and every' }]);
    await expect(describeSchedule(temporal.client, scheduleId)).rejects.toBeInstanceOf(NotFoundError);
    await expect(backfillSchedule(temporal.client, scheduleId, { start: 'yesterday', end: '2024-01-01T00:00:00Z' })).rejects.toBeInstanceOf(InvalidInputError);
  });
});
