// recoverApp under operator control and failures, end to end against the emulator: racing recoveries,
// a worker dying mid-poll, cancellation and approval.
import type { WorkflowHandle } from '@temporalio/client';
import { recoverApp } from '../../workflows/recover-app';
import type { RecoverAppInput } from '../../workflows/input';
import { leaseRegistryWorkflowId, leaseShardOf, leasesQuery } from '../../workflows/lease-registry';
import { approveReleaseUpdate, progressQuery, type LeaseHolder } from '../../workflows/types';
import { DEMO_BACKUP_1, DEMO_BACKUP_2, DEMO_TARGETS } from '../../emulator/demo-seed';
import { connectTestTemporal, uniqueId, type TestTemporal } from '../harness/temporal';
import { EMULATOR_LIMITS, demoInput, openLab, type Lab } from './emulator-harness';
import { maybeRecordHistory } from './harness';
import { waitFor } from '../harness/wait';

let temporal: TestTemporal;
let lab: Lab | undefined;
beforeAll(async () => (temporal = await connectTestTemporal()));
afterAll(async () => temporal?.close());
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});


function start(l: Lab, input: RecoverAppInput, workflowId = uniqueId('ctl')): Promise<WorkflowHandle<typeof recoverApp>> {
  return temporal.client.workflow.start(recoverApp, { taskQueue: l.taskQueue, workflowId, args: [input] });
}

async function leaseHolders(l: Lab, instanceIds: readonly string[]): Promise<LeaseHolder[]> {
  const all = await Promise.all(
    instanceIds.map((id) =>
      temporal.client.workflow.getHandle(leaseRegistryWorkflowId(leaseShardOf(id), l.leasePrefix)).query(leasesQuery, [id]),
    ),
  );
  return all.flat();
}

async function reachPhase(handle: WorkflowHandle<typeof recoverApp>, phase: string): Promise<void> {
  await waitFor(`phase ${phase}`, async () => (await handle.query(progressQuery)).phase === phase);
}

describe('recoverApp control and failure paths against the emulator', () => {
  it('a second recovery of a leased instance fails naming the holder, or waits and then proceeds', async () => {
    lab = await openLab(temporal, { recoverDurationMs: 100_000 }); // ~1 s per task
    const l = lab;
    const worker = await l.worker();
    await worker.runUntil(async () => {
      const first = await start(l, demoInput(DEMO_TARGETS.slice(0, 2), { releaseBackup: 'never' }), uniqueId('race-first'));
      await waitFor('the first run to lease its target', async () => (await first.query(progressQuery)).targets[0]!.timings.leasedAt !== undefined);

      // Another backup onto the same instance (the first backup is RECOVERING, so preflight would refuse it).
      const failing = await start(l, demoInput([DEMO_TARGETS[0]], { backupFileId: DEMO_BACKUP_2 }));
      const failed = await failing.result();
      expect(failed.targets[0]).toMatchObject({ status: 'skipped', reason: 'InstanceBusy' });
      expect(failed.targets[0]!.message).toContain(first.workflowId);

      const waiting = await start(
        l,
        demoInput([DEMO_TARGETS[0]], {
          backupFileId: DEMO_BACKUP_2,
          onBusyInstance: 'wait',
          limits: { ...EMULATOR_LIMITS, busyWaitMs: 60_000 },
        }),
      );
      const firstResult = await first.result();
      const waited = await waiting.result();
      expect(firstResult.outcome).toBe('succeeded');
      expect(waited.targets[0]).toMatchObject({ status: 'verified', attempts: 1 });
      // The waiting run leased the instance only after the first run had verified it.
      expect(Date.parse(waited.targets[0]!.timings.leasedAt!)).toBeGreaterThanOrEqual(
        Date.parse(firstResult.targets[0]!.timings.verifiedAt!),
      );
      expect(await leaseHolders(l, DEMO_TARGETS.slice(0, 2))).toEqual([]);
    });
    expect((await l.admin.stats()).recoveryTasksByInstance[DEMO_TARGETS[0]]).toBe(2);
  });

  it('finishes on a second worker after the first dies mid-poll, without duplicate vendor tasks', async () => {
    lab = await openLab(temporal, { recoverDurationMs: 300_000 }); // ~3 s per task
    const l = lab;
    const targets = DEMO_TARGETS.slice(0, 3);
    const first = await l.worker();
    const firstRun = first.run();
    const handle = await start(l, demoInput(targets));
    await reachPhase(handle, 'poll');
    // The first worker's pollTasks is running once the vendor sees DescribeTasks after the run entered poll
    // (a task takes ~3 s, so the poll is still going when the worker dies).
    const enteredPoll = (await l.admin.allCalls()).at(-1)?.seq ?? 0;
    await waitFor('DescribeTasks from the first worker', async () => (await l.admin.allCalls(enteredPoll, 'DescribeTasks')).length > 0);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    first.shutdown(); // shutdownGraceTime 0: the running poll is cut off
    await firstRun;

    const second = await l.worker();
    const result = await second.runUntil(handle.result());
    await maybeRecordHistory(handle, 'emulator-worker-restart');
    expect(result.outcome).toBe('succeeded');
    const stats = await l.admin.stats();
    expect(stats.duplicateRecoveryTasks).toBe(0);
    for (const id of targets) expect(stats.recoveryTasksByInstance[id]).toBe(1);
    expect(result.targets.every((t) => t.taskIds.length === 1)).toBe(true);
  });

  it('cancel mid-poll: waits for running vendor tasks, returns cancelled, keeps the backup, frees the leases', async () => {
    lab = await openLab(temporal, { recoverDurationMs: 150_000 }); // ~1.5 s per task
    const l = lab;
    const targets = DEMO_TARGETS.slice(0, 2);
    const worker = await l.worker();
    const result = await worker.runUntil(async () => {
      const handle = await start(l, demoInput(targets));
      await reachPhase(handle, 'poll');
      await handle.cancel();
      const r = await handle.result();
      // Queried while the worker runs: the registry answers queries only then.
      expect(await leaseHolders(l, targets)).toEqual([]);
      await maybeRecordHistory(handle, 'emulator-cancelled');
      return r;
    });
    expect(result.outcome).toBe('cancelled');
    for (const t of result.targets) {
      expect(t).toMatchObject({ status: 'cancelled', reason: 'Cancelled' });
      expect(t.taskIds).toHaveLength(1);
      expect(t.message).toContain(t.taskIds[0]);
    }
    expect(result.backups[0]).toMatchObject({ released: false, keptBecause: 'cancelled' });
    const state = await l.admin.state();
    expect(state.backups.some((b) => b.id === DEMO_BACKUP_1)).toBe(true);
    expect(await l.admin.allCalls(0, 'DeleteBackupFile')).toHaveLength(0);
    // The leases were held until the vendor tasks had ended, then released.
    for (const t of result.targets) expect(state.tasks.find((task) => task.id === t.taskIds[0])?.status).not.toMatch(/Processing|Waiting/);
  });

  it('on-approval: holds the backup until approved, then deletes it', async () => {
    lab = await openLab(temporal);
    const l = lab;
    const worker = await l.worker();
    const result = await worker.runUntil(async () => {
      const handle = await start(l, demoInput(DEMO_TARGETS.slice(0, 2), { releaseBackup: 'on-approval' }));
      await waitFor('awaiting approval', async () => (await handle.query(progressQuery)).awaitingApproval);
      expect(await l.admin.allCalls(0, 'DeleteBackupFile')).toHaveLength(0);
      await handle.executeUpdate(approveReleaseUpdate, {
        args: [{ approvedBy: 'ops' }],
      });
      return handle.result();
    });
    expect(result.backups[0]).toMatchObject({ released: true, sourceMayBeReset: true });
    expect((await l.admin.state()).backups.some((b) => b.id === DEMO_BACKUP_1)).toBe(false);
  });
});
