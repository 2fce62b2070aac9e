// bulkMigration end to end on the shared dev server: real workflow, fake recoverApp children whose
// outcome follows markers in the IDs (test/bulk/fixtures/fake-recover-app.ts).
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import {
  cancelMigration,
  getMigration,
  getMigrationResult,
  migrationReport,
  pauseMigration,
  resumeMigration,
  setMigrationWindow,
  startMigration,
} from '../../client/service/migrations';
import { InvalidInputError } from '../../client/service/errors';
import type { MigrationPlanInput } from '../../workflows/plan';
import type { MigrationResult } from '../../workflows/bulk/types';
import { childStartsInitiated } from '../harness/history';
import { connectTestTemporal, uniqueId, uniqueTaskQueue, type TestTemporal } from '../harness/temporal';
import { maybeRecordFixture } from '../workflows/harness';
import { waitFor } from '../harness/wait';
import { bulkFixtureBundle, bulkWorker, childRuns, onePerTarget, peakOverlap, pendingChildren, sleepMs } from './helpers';

let temporal: TestTemporal;
beforeAll(async () => {
  temporal = await connectTestTemporal();
  await bulkFixtureBundle();
}, 60_000);
afterAll(async () => temporal.close());

const fast = { limits: { pollIntervalMinMs: 30 } }; // the fake child "recovers" in 30 ms

async function withWorker<T>(fn: (ctx: { taskQueue: string; releases: { holderWorkflowId: string; instanceIds: string[] }[] }) => Promise<T>): Promise<T> {
  const taskQueue = uniqueTaskQueue('bulk');
  const { worker, releases } = await bulkWorker(temporal, taskQueue);
  return worker.runUntil(fn({ taskQueue, releases }));
}

/** Signals 'release' to every child the migration has open until the migration closes. */
async function releaseChildrenUntilDone(migrationId: string): Promise<MigrationResult> {
  const handle = temporal.client.workflow.getHandle(migrationId);
  for (;;) {
    const d = await handle.describe();
    if (d.status.name !== 'RUNNING') return getMigrationResult(temporal.client, migrationId);
    for (const id of await pendingChildren(handle)) await temporal.client.workflow.getHandle(id).signal('release').catch(() => undefined);
    await sleepMs(100);
  }
}

describe('bulkMigration', () => {
  it('migrates 300 instances in 6 children of 50 with at most 2 at a time, with correct counts and a full report', async () => {
    const migrationId = uniqueId('mig');
    const items = onePerTarget(300, { kinds: (i) => (i % 10 === 3 ? 'fail' : i % 20 === 7 ? 'skip' : 'ok') });
    const plan: MigrationPlanInput = { items, options: { ...fast, itemsPerChild: 50, maxConcurrentChildren: 2 } };
    const result = await withWorker(async ({ taskQueue }) => {
      await startMigration(temporal.client, plan, { migrationId, taskQueue });
      const handle = temporal.client.workflow.getHandle(migrationId);
      const result = (await handle.result()) as MigrationResult;
      await maybeRecordFixture(handle, 'bulk-migration.partial');
      return result;
    });

    expect(result.outcome).toBe('partial');
    expect(result.counts).toEqual({ total: 300, pending: 0, verified: 255, failed: 30, skipped: 15, cancelled: 0 });
    expect(result.reasons).toEqual({ TaskFailed: 30, InstanceNotRunning: 15 });
    expect(result.children).toMatchObject({ total: 6, done: 6, running: 0, failed: 0 });
    expect(result.runs).toBe(1);

    const runs = await childRuns(temporal.client, migrationId);
    expect(runs.map((r) => r.workflowId).sort()).toEqual([0, 1, 2, 3, 4, 5].map((i) => `${migrationId}/${i}`).sort());
    expect(runs.every((r) => r.status === 'COMPLETED')).toBe(true);
    expect(peakOverlap(runs)).toBe(2);

    // The report lists every instance exactly once, with its status and reason.
    const csv = migrationReport(result, 'csv').trim().split('\r\n');
    expect(csv[0]).toBe('instanceId,backupFileId,status,reason');
    expect(csv).toHaveLength(301);
    const csvIds = csv.slice(1).map((line) => line.split(',')[0]);
    expect(new Set(csvIds)).toEqual(new Set(items.map((i) => i.instanceIds[0])));
    expect(csv).toContain(`${items[3]!.instanceIds[0]},${items[3]!.backupFileId},failed,TaskFailed`);
    expect(csv).toContain(`${items[7]!.instanceIds[0]},${items[7]!.backupFileId},skipped,InstanceNotRunning`);
    const json = JSON.parse(migrationReport(result, 'json')) as MigrationResult;
    expect(json.rows).toHaveLength(300);
    expect(json.rows.filter((r) => r.status === 'verified')).toHaveLength(255);
    expect(json.verifiedRowsOmitted).toBe(0);

    const view = await getMigration(temporal.client, migrationId);
    expect(view.status).toBe('Completed');
    expect(view.result?.counts.verified).toBe(255);
  });

  it('takes a new window at run time: 2 children open, then 4 after setWindow', async () => {
    const migrationId = uniqueId('mig');
    const plan: MigrationPlanInput = { items: onePerTarget(60, { hold: true }), options: { ...fast, itemsPerChild: 10, maxConcurrentChildren: 2 } };
    const result = await withWorker(async ({ taskQueue }) => {
      await startMigration(temporal.client, plan, { migrationId, taskQueue });
      const handle = temporal.client.workflow.getHandle(migrationId);
      await waitFor('2 open children', () => pendingChildren(handle), { until: (c) => c.length === 2 });
      // The progress answer comes from the state after the parent's last completed workflow task, whose
      // commands are in the history: a third child started past the window would show there.
      await waitFor('2 running children in progress', async () => (await getMigration(temporal.client, migrationId)).progress, { until: (p) => p.children.running === 2 });
      expect(await childStartsInitiated(handle)).toBe(2);

      expect(await setMigrationWindow(temporal.client, migrationId, 4)).toEqual({ window: 4 });
      await waitFor('4 open children', () => pendingChildren(handle), { until: (c) => c.length === 4 });
      expect((await getMigration(temporal.client, migrationId)).progress).toMatchObject({ window: 4, children: { running: 4, done: 0, total: 6 } });
      await expect(setMigrationWindow(temporal.client, migrationId, 0)).rejects.toBeInstanceOf(InvalidInputError);
      return releaseChildrenUntilDone(migrationId);
    });
    expect(result.counts).toMatchObject({ total: 60, verified: 60 });
    expect(peakOverlap(await childRuns(temporal.client, migrationId))).toBe(4);
  });

  it('pauses itself when the canary wave fails too often, shows why, and continues on resume', async () => {
    const migrationId = uniqueId('mig');
    // Canary: the first 20 targets, 6 of them fail (30% > 20%). Later waves of 40 all succeed.
    const items = onePerTarget(100, { kinds: (i) => (i < 20 && i % 3 === 0 ? 'fail' : 'ok') });
    const plan: MigrationPlanInput = { items, options: { ...fast, itemsPerChild: 10, maxConcurrentChildren: 3, waves: { canarySize: 20, waveSize: 40 } } };
    const result = await withWorker(async ({ taskQueue }) => {
      await startMigration(temporal.client, plan, { migrationId, taskQueue });
      const paused = await waitFor(
        'the failure-rate pause',
        async () => (await getMigration(temporal.client, migrationId)).progress,
        { until: (p) => p.state === 'paused' },
      );
      expect(paused).toMatchObject({
        paused: true,
        pausedBy: 'failure-rate',
        counts: { total: 100, verified: 13, failed: 7, pending: 80 },
        children: { total: 10, done: 2, running: 0 },
      });
      expect(paused!.pausedReason).toMatch(/canary 0 failure rate 35% \(7 of 20\) is above 20%/);
      expect(paused!.waves.map((w) => [w.kind, w.targets, w.state])).toEqual([
        ['canary', 20, 'done'],
        ['wave', 40, 'pending'],
        ['wave', 40, 'pending'],
      ]);
      // The paused state is answered from a completed workflow task; had the pause not held, the next
      // wave's children would already be in the history.
      expect(await childStartsInitiated(temporal.client.workflow.getHandle(migrationId))).toBe(2); // nothing new started while paused
      expect((await childRuns(temporal.client, migrationId)).length).toBe(2);

      expect(await resumeMigration(temporal.client, migrationId)).toEqual({ paused: false });
      return temporal.client.workflow.getHandle(migrationId).result() as Promise<MigrationResult>;
    });
    expect(result.counts).toEqual({ total: 100, pending: 0, verified: 93, failed: 7, skipped: 0, cancelled: 0 });
    expect(result.waves[0]).toMatchObject({ kind: 'canary', failed: 7, pausedMigration: true, failureRate: 0.35 });
    expect(result.waves[1]).toMatchObject({ kind: 'wave', verified: 40, failureRate: 0 });
    expect(result.waves[1]!.pausedMigration).toBeUndefined();
    expect((await childRuns(temporal.client, migrationId)).length).toBe(10);
  });

  it('holds new children while an operator pause lasts, then resumes', async () => {
    const migrationId = uniqueId('mig');
    const plan: MigrationPlanInput = { items: onePerTarget(40, { hold: true }), options: { ...fast, itemsPerChild: 10, maxConcurrentChildren: 2 } };
    const result = await withWorker(async ({ taskQueue }) => {
      await startMigration(temporal.client, plan, { migrationId, taskQueue });
      const handle = temporal.client.workflow.getHandle(migrationId);
      const open = await waitFor('2 open children', () => pendingChildren(handle), { until: (c) => c.length === 2 });
      expect(await pauseMigration(temporal.client, migrationId, { reason: 'vendor maintenance' })).toEqual({ paused: true });
      for (const id of open) await temporal.client.workflow.getHandle(id).signal('release');
      const progress = await waitFor('running children to finish', async () => (await getMigration(temporal.client, migrationId)).progress, { until: (p) => p.children.done === 2 });
      expect(progress).toMatchObject({ state: 'paused', pausedBy: 'operator', pausedReason: 'vendor maintenance', children: { running: 0 } });
      // done === 2 is answered after the workflow task that saw the second child close; without the
      // pause that same task would have started the next children.
      expect(await childStartsInitiated(handle)).toBe(2);
      expect(await pendingChildren(handle)).toHaveLength(0);
      await resumeMigration(temporal.client, migrationId);
      return releaseChildrenUntilDone(migrationId);
    });
    expect(result.counts).toMatchObject({ total: 40, verified: 40 });
  });

  it('cancel: running children clean up and are cancelled, nothing new starts, every target is reported cancelled', async () => {
    const migrationId = uniqueId('mig');
    const plan: MigrationPlanInput = { items: onePerTarget(50, { hold: true }), options: { ...fast, itemsPerChild: 10, maxConcurrentChildren: 2 } };
    const { result, releases } = await withWorker(async ({ taskQueue, releases }) => {
      await startMigration(temporal.client, plan, { migrationId, taskQueue });
      const handle = temporal.client.workflow.getHandle(migrationId);
      await waitFor('2 open children', () => pendingChildren(handle), { until: (c) => c.length === 2 });
      expect(await cancelMigration(temporal.client, migrationId, { reason: 'wrong backups' })).toEqual({ cancelling: true, running: 2 });
      return { result: (await handle.result()) as MigrationResult, releases };
    });
    expect(result.outcome).toBe('cancelled');
    expect(result.counts).toEqual({ total: 50, pending: 0, verified: 0, failed: 0, skipped: 0, cancelled: 50 });
    expect(result.children).toMatchObject({ done: 2, cancelled: 2 });
    expect(result.rows).toHaveLength(50);
    const runs = await childRuns(temporal.client, migrationId);
    expect(runs.map((r) => [r.workflowId, r.status]).sort()).toEqual([
      [`${migrationId}/0`, 'CANCELLED'],
      [`${migrationId}/1`, 'CANCELLED'],
    ]);
    // Each cancelled child released the leases of exactly its own targets.
    expect(releases.map((r) => r.holderWorkflowId).sort()).toEqual([`${migrationId}/0`, `${migrationId}/1`]);
    expect(releases.flatMap((r) => r.instanceIds).sort()).toEqual(plan.items.slice(0, 20).flatMap((i) => i.instanceIds).sort());
    await expect(pauseMigration(temporal.client, migrationId)).rejects.toThrow(/already closed/);
  });

  it('workflow cancellation (handle.cancel) cancels the children too and closes as cancelled', async () => {
    const migrationId = uniqueId('mig');
    const plan: MigrationPlanInput = { items: onePerTarget(30, { hold: true }), options: { ...fast, itemsPerChild: 10, maxConcurrentChildren: 3 } };
    const releases = await withWorker(async ({ taskQueue, releases }) => {
      await startMigration(temporal.client, plan, { migrationId, taskQueue });
      const handle = temporal.client.workflow.getHandle(migrationId);
      await waitFor('3 open children', () => pendingChildren(handle), { until: (c) => c.length === 3 });
      await handle.cancel();
      const err = await handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      const progress = (await getMigration(temporal.client, migrationId)).progress;
      expect(progress).toMatchObject({ state: 'cancelled', counts: { cancelled: 30, pending: 0 } });
      return releases;
    });
    const runs = await childRuns(temporal.client, migrationId);
    expect(runs.map((r) => r.status)).toEqual(['CANCELLED', 'CANCELLED', 'CANCELLED']);
    expect(releases).toHaveLength(3);
  });

  it('continues as new and keeps counts, waves and rows across runs', async () => {
    const migrationId = uniqueId('mig');
    const items = onePerTarget(60, { kinds: (i) => (i % 6 === 0 ? 'fail' : 'ok') });
    const plan: MigrationPlanInput = { items, options: { ...fast, itemsPerChild: 10, maxConcurrentChildren: 2, continueAsNewAfterChildren: 2, waves: { canarySize: 10, pauseOnFailureRate: 0.5 } } };
    const result = await withWorker(async ({ taskQueue }) => {
      const started = await startMigration(temporal.client, plan, { migrationId, taskQueue });
      const result = (await temporal.client.workflow.getHandle(migrationId).result()) as MigrationResult;
      const firstRun = temporal.client.workflow.getHandle(migrationId, started.runId);
      expect((await firstRun.describe()).status.name).toBe('CONTINUED_AS_NEW');
      await maybeRecordFixture(firstRun, 'bulk-migration.continued');
      return result;
    });
    expect(result.runs).toBe(3);
    expect(result.counts).toEqual({ total: 60, pending: 0, verified: 50, failed: 10, skipped: 0, cancelled: 0 });
    expect(result.children).toMatchObject({ total: 6, done: 6 });
    expect(result.waves.map((w) => [w.kind, w.targets, w.verified, w.failed, w.state])).toEqual([
      ['canary', 10, 8, 2, 'done'],
      ['wave', 50, 42, 8, 'done'],
    ]);
    expect(new Set(result.rows.map((r) => r.instanceId)).size).toBe(60);
    const runs = await childRuns(temporal.client, migrationId);
    expect(runs.map((r) => r.workflowId).sort()).toEqual([0, 1, 2, 3, 4, 5].map((i) => `${migrationId}/${i}`).sort());
  });

  it('rejects a bad plan at the edge, naming field and rule, and starts nothing', async () => {
    const migrationId = uniqueId('mig');
    const bad = {
      items: [
        { backupFileId: 'bf-aaaaaaa1', instanceIds: ['acp-aaaaaaa1', 'acp-aaaaaaa2'] },
        { backupFileId: 'bf-aaaaaaa1', instanceIds: ['acp-aaaaaaa2', 'not-an-instance'] },
      ],
      options: { maxConcurrentChildren: 0, waves: { pauseOnFailureRate: 2 } },
    };
    const err = await startMigration(temporal.client, bad, { migrationId }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    const fields = (err as InvalidInputError).issues.map((i) => i.field).sort();
    // Shape rules and the cross-item rules (one item per backup, one item per instance) are all reported at once.
    expect(fields).toEqual(['items[1].backupFileId', 'items[1].instanceIds[0]', 'items[1].instanceIds[1]', 'options.maxConcurrentChildren', 'options.waves.pauseOnFailureRate']);
    const dupes = await startMigration(temporal.client, { items: bad.items.map((i) => ({ ...i, instanceIds: i.instanceIds.filter((id) => id.startsWith('acp-')) })) }, { migrationId }).catch((e: unknown) => e);
    expect((dupes as InvalidInputError).issues).toEqual([
      { field: 'items[1].backupFileId', rule: expect.stringMatching(/already used by items\[0\]/) },
      { field: 'items[1].instanceIds[0]', rule: expect.stringMatching(/already the target of items\[0\]/) },
    ]);
    await expect(temporal.client.workflow.getHandle(migrationId).describe()).rejects.toThrow();
  });
});
