// Workflow logic of recoverApp against a real dev server and a real Worker, with in-memory activities
// (test/workflows/fake-fleet.ts): which vendor calls the workflow makes, what each target ends as, and
// what happens to the backups.
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { recoverApp } from '../../workflows/recover-app';
import {
  MAX_SEARCHABLE_BACKUP_IDS,
  SA_BACKUP_FILE_IDS,
  SA_KIND,
  SA_OUTCOME,
  SA_PHASE,
  approveReleaseUpdate,
  pauseUpdate,
  progressQuery,
  resumeUpdate,
  type RecoveryResult,
  type TargetResult,
} from '../../workflows/types';
import { activitiesScheduled, timersStarted } from '../harness/history';
import { connectTestTemporal, uniqueId, type TestTemporal } from '../harness/temporal';
import { waitFor } from '../harness/wait';
import { fakeFleet, gate } from './fake-fleet';
import { FAST_LIMITS, input, maybeRecordHistory, withWorker } from './harness';

let temporal: TestTemporal;
beforeAll(async () => (temporal = await connectTestTemporal()));
afterAll(async () => temporal?.close());

// types.ts declares these updates' argument as an optional tuple element, which the client's
// executeUpdate overloads do not accept with a definition object; calling them by name keeps the types.
const approve = (handle: WorkflowHandle, req: { approvedBy?: string; note?: string } = {}) =>
  handle.executeUpdate(approveReleaseUpdate, {
    args: [req],
  });
const pause = (handle: WorkflowHandle, req: { reason?: string } = {}) =>
  handle.executeUpdate(pauseUpdate, { args: [req] });

const byId = (result: RecoveryResult): Record<string, TargetResult> => Object.fromEntries(result.targets.map((t) => [t.instanceId, t]));

describe('recoverApp workflow', () => {
  it('recovers, verifies and releases: batched across items, leases released', async () => {
    const fleet = fakeFleet();
    const workflowId = uniqueId('happy');
    const result = await withWorker(temporal, fleet.activities, async (taskQueue) => {
      const handle = await temporal.client.workflow.start(recoverApp, {
        taskQueue,
        workflowId,
        args: [
          {
            items: [
              { backupFileId: 'bf-backup0001', instanceIds: ['acp-target0001', 'acp-target0002', 'acp-target0003'] },
              { backupFileId: 'bf-backup0002', instanceIds: ['acp-target0004', 'acp-target0005'] },
            ],
            onBusyInstance: 'fail',
            limits: { ...FAST_LIMITS },
          },
        ],
      });
      const result = await handle.result();
      const description = await handle.describe();
      expect(description.typedSearchAttributes.get(SA_OUTCOME)).toBe('succeeded');
      expect(description.typedSearchAttributes.get(SA_KIND)).toBe('recovery');
      expect(description.typedSearchAttributes.get(SA_PHASE)).toBe('done');
      await maybeRecordHistory(handle, 'happy-path.local-leases');
      // Lease calls run as local activities: markers in the history, never scheduled activity tasks.
      const events = (await handle.fetchHistory()).events ?? [];
      const activities = events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
      expect(activities).toEqual(['preflight', 'submitRecoveries', 'pollTasks', 'verifyTargets', 'releaseBackups']);
      // Every one of them talks to the vendor for seconds to minutes: a dead worker's attempt is retried
      // after a heartbeat timeout, not after its whole start-to-close time.
      const withoutHeartbeatTimeout = events.flatMap((e) => {
        const scheduled = e.activityTaskScheduledEventAttributes;
        return scheduled && Number(scheduled.heartbeatTimeout?.seconds ?? 0) === 0 ? [scheduled.activityType?.name] : [];
      });
      expect(withoutHeartbeatTimeout).toEqual([]);
      return result;
    });

    expect(result.outcome).toBe('succeeded');
    expect(result.counts).toMatchObject({ total: 5, verified: 5, failed: 0, skipped: 0, pending: 0 });
    for (const t of result.targets) {
      expect(t).toMatchObject({ status: 'verified', attempts: 1, taskIds: [`t-${t.instanceId}-1`] });
      expect(t.timings.leasedAt).toBeDefined();
      expect(t.timings.verifiedAt).toBeDefined();
    }
    // One submit for both backups (batched across items), one release for both backups.
    const submits = fleet.callsOf('submitRecoveries');
    expect(submits).toHaveLength(1);
    expect(submits[0]!.groups.map((g) => [g.backup.backupFileId, g.instanceIds.length])).toEqual([
      ['bf-backup0001', 3],
      ['bf-backup0002', 2],
    ]);
    expect(fleet.callsOf('releaseBackups')).toEqual([{ backupFileIds: ['bf-backup0001', 'bf-backup0002'] }]);
    expect(result.backups).toEqual([
      { backupFileId: 'bf-backup0001', sourceInstanceId: 'acp-source0001', released: true, sourceMayBeReset: true },
      { backupFileId: 'bf-backup0002', sourceInstanceId: 'acp-source0001', released: true, sourceMayBeReset: true },
    ]);
    expect(fleet.leases.size).toBe(0);
    expect(fleet.callsOf('releaseLeases')[0]).toMatchObject({ holderWorkflowId: workflowId });
  });

  it('batches 1,200 targets across items into a handful of activities and a constant-size history', async () => {
    const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `acp-${prefix}${String(i).padStart(6, '0')}`);
    const items = [
      { backupFileId: 'bf-backup0001', instanceIds: ids('a', 600) },
      { backupFileId: 'bf-backup0002', instanceIds: ids('b', 400) },
      { backupFileId: 'bf-backup0003', instanceIds: ids('c', 200) },
    ];
    const fleet = fakeFleet();
    const { result, events, resultBytes } = await withWorker(temporal, fleet.activities, async (taskQueue) => {
      const handle = await temporal.client.workflow.start(recoverApp, {
        taskQueue,
        workflowId: uniqueId('bulk'),
        args: [{ items, onBusyInstance: 'fail', limits: { ...FAST_LIMITS, pollChunkSize: 400 } }],
      });
      const result = await handle.result();
      const history = await handle.fetchHistory();
      return { result, events: history.events?.length ?? 0, resultBytes: JSON.stringify(result).length };
    });
    expect(result.counts).toMatchObject({ total: 1200, verified: 1200 });
    const submits = fleet.callsOf('submitRecoveries');
    expect(submits.map((s) => s.groups.map((g) => [g.backup.backupFileId, g.instanceIds.length]))).toEqual([
      [['bf-backup0001', 500]],
      [
        ['bf-backup0001', 100],
        ['bf-backup0002', 400],
      ],
      [['bf-backup0003', 200]],
    ]);
    expect(fleet.callsOf('pollTasks').map((p) => p.tasks.length)).toEqual([400, 400, 400]);
    expect(fleet.callsOf('verifyTargets').map((v) => v.targets.length)).toEqual([500, 500, 200]);
    expect(fleet.callsOf('releaseBackups')).toEqual([{ backupFileIds: ['bf-backup0001', 'bf-backup0002', 'bf-backup0003'] }]);
    // Same number of events as a 5-target run give or take the extra batches: nothing per target.
    expect(events).toBeLessThan(90);
    // The result must stay under Temporal's 2 MB payload limit at the 5,000-target maximum (~1.6 MB now).
    expect((resultBytes / 1200) * 5000).toBeLessThan(1.75 * 1024 * 1024);
  });

  it('runs over 100 backups (one target each) and lists the run under the first 64 of them', async () => {
    // The server caps a keyword-list search attribute at 2 KiB (~80 backup IDs); found by the benchmark.
    const items = Array.from({ length: 100 }, (_, i) => ({
      backupFileId: `bf-backup${String(i).padStart(6, '0')}`,
      instanceIds: [`acp-target${String(i).padStart(6, '0')}`],
    }));
    const fleet = fakeFleet();
    const { result, listed } = await withWorker(temporal, fleet.activities, async (taskQueue) => {
      const handle = await temporal.client.workflow.start(recoverApp, {
        taskQueue,
        workflowId: uniqueId('many-backups'),
        args: [{ items, onBusyInstance: 'fail', limits: { ...FAST_LIMITS } }],
      });
      const result = await handle.result();
      const listed = (await handle.describe()).typedSearchAttributes.get(SA_BACKUP_FILE_IDS) ?? [];
      return { result, listed };
    });
    expect(result.counts).toMatchObject({ total: 100, verified: 100 });
    expect(result.backups.filter((b) => b.released)).toHaveLength(100);
    expect(listed).toEqual(items.slice(0, MAX_SEARCHABLE_BACKUP_IDS).map((i) => i.backupFileId));
  });

  it('retries a permanently failing target to the limit, keeps the backup, verifies the others', async () => {
    const fleet = fakeFleet({
      tasks: {
        'acp-target0001': { attempts: ['failed-retryable'] },
        'acp-target0002': { attempts: ['failed-permanent'] },
      },
    });
    const result = await withWorker(temporal, fleet.activities, async (taskQueue) => {
      const handle = await temporal.client.workflow.start(recoverApp, {
        taskQueue,
        workflowId: uniqueId('fail'),
        args: [input(['acp-target0001', 'acp-target0002', 'acp-target0003'])],
      });
      const r = await handle.result();
      await maybeRecordHistory(handle, 'partial-retries');
      return r;
    });
    const t = byId(result);
    expect(t['acp-target0001']).toMatchObject({
      status: 'failed',
      reason: 'TaskFailed',
      attempts: 3,
      evidence: { found: 'RecoverTimeout' },
    });
    expect(t['acp-target0001']!.taskIds).toEqual(['t-acp-target0001-1', 't-acp-target0001-2', 't-acp-target0001-3']);
    // A permanent vendor failure is not retried.
    expect(t['acp-target0002']).toMatchObject({
      status: 'failed',
      reason: 'TaskFailed',
      attempts: 1,
      evidence: { found: 'AppNotCompatible' },
    });
    expect(t['acp-target0003']).toMatchObject({ status: 'verified', attempts: 1 });
    expect(result.outcome).toBe('partial');
    expect(result.backups[0]).toMatchObject({ released: false, keptBecause: 'not-all-verified', sourceMayBeReset: false });
    expect(fleet.callsOf('releaseBackups')).toHaveLength(0);
    expect(fleet.callsOf('submitRecoveries').map((s) => [s.attempt, s.groups[0]!.instanceIds])).toEqual([
      [1, ['acp-target0001', 'acp-target0002', 'acp-target0003']],
      [2, ['acp-target0001']],
      [3, ['acp-target0001']],
    ]);
    // Only verified targets are verified; failed ones never reach RunCommand.
    expect(fleet.callsOf('verifyTargets').flatMap((v) => v.targets.map((x) => x.instanceId))).toEqual(['acp-target0003']);
    expect(fleet.leases.size).toBe(0);
  });

  it('succeeds on attempt 2 after a retryable failure, with a fresh attemptStartedAt', async () => {
    const fleet = fakeFleet({ tasks: { 'acp-target0001': { attempts: ['failed-retryable', 'finished'] } } });
    const result = await withWorker(temporal, fleet.activities, (taskQueue) =>
      temporal.client.workflow.execute(recoverApp, { taskQueue, workflowId: uniqueId('retry'), args: [input(['acp-target0001'])] }),
    );
    expect(result.outcome).toBe('succeeded');
    expect(result.targets[0]).toMatchObject({ status: 'verified', attempts: 2, taskIds: ['t-acp-target0001-1', 't-acp-target0001-2'] });
    const [first, second] = fleet.callsOf('submitRecoveries');
    expect(Date.parse(second!.attemptStartedAt)).toBeGreaterThanOrEqual(Date.parse(first!.attemptStartedAt));
    expect(second!.attempt).toBe(2);
    expect(result.backups[0]!.released).toBe(true);
  });

  it('skips at preflight (unknown backup, stopped instance) and never sends RecoverApp for them', async () => {
    const fleet = fakeFleet({ missingBackups: ['bf-missing0001'], notRunning: ['acp-stopped0001'] });
    const result = await withWorker(temporal, fleet.activities, (taskQueue) =>
      temporal.client.workflow.execute(recoverApp, {
        taskQueue,
        workflowId: uniqueId('preflight'),
        args: [
          {
            items: [
              { backupFileId: 'bf-missing0001', instanceIds: ['acp-target0001', 'acp-target0002'] },
              { backupFileId: 'bf-backup0001', instanceIds: ['acp-stopped0001', 'acp-target0003'] },
            ],
            onBusyInstance: 'fail',
            limits: { ...FAST_LIMITS },
          },
        ],
      }),
    );
    const t = byId(result);
    expect(t['acp-target0001']).toMatchObject({ status: 'skipped', reason: 'BackupNotFound', phase: 'preflight' });
    expect(t['acp-target0002']).toMatchObject({ status: 'skipped', reason: 'BackupNotFound' });
    expect(t['acp-stopped0001']).toMatchObject({ status: 'skipped', reason: 'InstanceNotRunning' });
    expect(t['acp-target0003']).toMatchObject({ status: 'verified' });
    const sent = fleet.callsOf('submitRecoveries').flatMap((s) => s.groups.flatMap((g) => g.instanceIds));
    expect(sent).toEqual(['acp-target0003']);
    expect(result.backups).toEqual([
      expect.objectContaining({ backupFileId: 'bf-missing0001', released: false, keptBecause: 'preflight-failed' }),
      expect.objectContaining({ backupFileId: 'bf-backup0001', released: false, keptBecause: 'not-all-verified' }),
    ]);
    expect(result.outcome).toBe('partial');
  });

  it('ends as failed without leasing or RecoverApp when no target survives preflight', async () => {
    const fleet = fakeFleet({ missingBackups: ['bf-missing0001'] });
    const result = await withWorker(temporal, fleet.activities, (taskQueue) =>
      temporal.client.workflow.execute(recoverApp, {
        taskQueue,
        workflowId: uniqueId('none'),
        args: [input(['acp-target0001'], {}, 'bf-missing0001')],
      }),
    );
    expect(result.outcome).toBe('failed');
    expect(result.phase).toBe('done');
    expect(fleet.calls.map((c) => c.name)).toEqual(['preflight']);
    expect(result.backups[0]).toMatchObject({ released: false, keptBecause: 'preflight-failed' });
  });

  it("existingApp 'refuse' skips targets that have the app; the default snapshots before overwriting", async () => {
    const existing = { 'acp-target0001': ['com.example.app'] };
    const refuse = fakeFleet({ existing });
    const refused = await withWorker(temporal, refuse.activities, (taskQueue) =>
      temporal.client.workflow.execute(recoverApp, {
        taskQueue,
        workflowId: uniqueId('refuse'),
        args: [input(['acp-target0001', 'acp-target0002'], { existingApp: 'refuse' })],
      }),
    );
    expect(byId(refused)['acp-target0001']).toMatchObject({ status: 'skipped', reason: 'AppAlreadyPresent' });
    expect(refuse.callsOf('submitRecoveries').flatMap((s) => s.groups[0]!.instanceIds)).toEqual(['acp-target0002']);
    expect(refuse.callsOf('snapshotApps')).toHaveLength(0);
    expect(refused.backups[0]!.released).toBe(false);

    const snap = fakeFleet({ existing: { ...existing, 'acp-target0003': ['com.example.app'] }, snapshotFails: ['acp-target0003'] });
    const snapped = await withWorker(temporal, snap.activities, (taskQueue) =>
      temporal.client.workflow.execute(recoverApp, {
        taskQueue,
        workflowId: uniqueId('snapshot'),
        args: [input(['acp-target0001', 'acp-target0002', 'acp-target0003'])],
      }),
    );
    expect(snap.callsOf('snapshotApps')).toEqual([
      expect.objectContaining({
        directory: 'oss://cloudphone-saved-bucket-test/backups/',
        targets: [
          { instanceId: 'acp-target0001', packages: ['com.example.app'] },
          { instanceId: 'acp-target0003', packages: ['com.example.app'] },
        ],
      }),
    ]);
    const s = byId(snapped);
    expect(s['acp-target0001']).toMatchObject({ status: 'verified', snapshotBackupFileId: 'bf-snapshot0001' });
    expect(s['acp-target0003']).toMatchObject({ status: 'skipped', reason: 'SnapshotFailed' });
    expect(snapped.snapshots).toEqual([{ instanceId: 'acp-target0001', backupFileId: 'bf-snapshot0001' }]);
    // Never overwrite without a snapshot.
    expect(snap.callsOf('submitRecoveries').flatMap((x) => x.groups[0]!.instanceIds)).toEqual(['acp-target0001', 'acp-target0002']);
  });

  it('skips a target leased by another workflow and names the holder', async () => {
    const fleet = fakeFleet({ heldBy: { 'acp-target0002': 'recover-other-run' } });
    const result = await withWorker(temporal, fleet.activities, (taskQueue) =>
      temporal.client.workflow.execute(recoverApp, {
        taskQueue,
        workflowId: uniqueId('busy'),
        args: [input(['acp-target0001', 'acp-target0002'])],
      }),
    );
    const t = byId(result);
    expect(t['acp-target0002']).toMatchObject({ status: 'skipped', reason: 'InstanceBusy', phase: 'lease' });
    expect(t['acp-target0002']!.message).toContain('recover-other-run');
    expect(t['acp-target0001']!.status).toBe('verified');
    // Our leases are gone, the other workflow's lease is untouched.
    expect([...fleet.leases.keys()]).toEqual(['acp-target0002']);
  });

  it('waits for a busy target, then checks it again before recovering it', async () => {
    const fleet = fakeFleet({ heldBy: { 'acp-target0002': 'recover-other-run' } });
    const result = await withWorker(temporal, fleet.activities, async (taskQueue) => {
      const handle = await temporal.client.workflow.start(recoverApp, {
        taskQueue,
        workflowId: uniqueId('wait'),
        args: [input(['acp-target0001', 'acp-target0002'], { onBusyInstance: 'wait', limits: { ...FAST_LIMITS, busyWaitMs: 30_000 } })],
      });
      // The run has asked again for the busy target, been told it is busy, and started its back-off
      // timer: from here on it is waiting, so nothing may have been submitted yet.
      await waitFor('the wait timer for the busy target', async () => (await timersStarted(handle)) > 0);
      expect(fleet.callsOf('acquireLeases').map((r) => r.instanceIds)).toEqual([['acp-target0001', 'acp-target0002'], ['acp-target0002']]);
      expect(await activitiesScheduled(handle, 'submitRecoveries')).toBe(0);
      const waiting = await handle.query(progressQuery);
      expect(waiting.phase).toBe('lease');
      expect(waiting.targets.map((t) => [t.instanceId, t.timings.leasedAt !== undefined])).toEqual([
        ['acp-target0001', true],
        ['acp-target0002', false],
      ]);
      fleet.leases.delete('acp-target0002'); // the other run ends
      return handle.result();
    });
    expect(result.outcome).toBe('succeeded');
    // Preflight again for the target we waited for only: the other run may have changed it.
    expect(fleet.callsOf('preflight').map((p) => p.items.flatMap((i) => i.instanceIds))).toEqual([
      ['acp-target0001', 'acp-target0002'],
      ['acp-target0002'],
    ]);
    expect(fleet.leases.size).toBe(0);
  });

  it('reports a target that is mid-recovery by another run as InstanceBusy, not InstanceNotRunning', async () => {
    const fleet = fakeFleet({ notRunning: ['acp-target0002'], heldBy: { 'acp-target0002': 'recover-other-run' } });
    const result = await withWorker(temporal, fleet.activities, (taskQueue) =>
      temporal.client.workflow.execute(recoverApp, {
        taskQueue,
        workflowId: uniqueId('deferred'),
        args: [input(['acp-target0001', 'acp-target0002'])],
      }),
    );
    expect(byId(result)['acp-target0002']).toMatchObject({ status: 'skipped', reason: 'InstanceBusy', phase: 'lease' });
    expect(byId(result)['acp-target0002']!.message).toContain('recover-other-run');
  });

  it('fails a stuck task (TaskTimeout), a corrupted target (DataMismatch) and a rejected submit (RecoverRejected)', async () => {
    const fleet = fakeFleet({
      tasks: { 'acp-target0001': { attempts: ['timeout'] } },
      corrupt: ['acp-target0002'],
      rejected: ['acp-target0004'],
    });
    const result = await withWorker(temporal, fleet.activities, (taskQueue) =>
      temporal.client.workflow.execute(recoverApp, {
        taskQueue,
        workflowId: uniqueId('timeout'),
        args: [input(['acp-target0001', 'acp-target0002', 'acp-target0003', 'acp-target0004'])],
      }),
    );
    const t = byId(result);
    expect(t['acp-target0004']).toMatchObject({ status: 'failed', reason: 'RecoverRejected', phase: 'recover', attempts: 1, taskIds: [] });
    expect(t['acp-target0001']).toMatchObject({ status: 'failed', reason: 'TaskTimeout', phase: 'poll', attempts: 1 });
    expect(t['acp-target0002']).toMatchObject({
      status: 'failed',
      reason: 'DataMismatch',
      phase: 'verify',
      evidence: { expected: 'aaa', found: 'bbb' },
    });
    expect(t['acp-target0003']!.status).toBe('verified');
    expect(result.backups[0]).toMatchObject({ released: false, keptBecause: 'not-all-verified' });
  });

  it('keeps the backup when the delete fails, without failing the run', async () => {
    const fleet = fakeFleet({ releaseFails: true });
    const result = await withWorker(temporal, fleet.activities, (taskQueue) =>
      temporal.client.workflow.execute(recoverApp, { taskQueue, workflowId: uniqueId('relfail'), args: [input(['acp-target0001'])] }),
    );
    expect(result.outcome).toBe('succeeded');
    expect(result.backups[0]).toMatchObject({ released: false, keptBecause: 'release-failed', sourceMayBeReset: true });
  });

  it("keeps the backup under releaseBackup 'never'", async () => {
    const fleet = fakeFleet();
    const result = await withWorker(temporal, fleet.activities, (taskQueue) =>
      temporal.client.workflow.execute(recoverApp, {
        taskQueue,
        workflowId: uniqueId('never'),
        args: [input(['acp-target0001'], { releaseBackup: 'never' })],
      }),
    );
    expect(result.backups[0]).toMatchObject({ released: false, keptBecause: 'policy-never', sourceMayBeReset: true });
    expect(fleet.callsOf('releaseBackups')).toHaveLength(0);
  });

  it('cancel mid-poll returns a cancelled result: tasks named, leases released, backup kept', async () => {
    const fleet = fakeFleet();
    const poll = gate();
    fleet.gates.poll = poll;
    const result = await withWorker(temporal, fleet.activities, async (taskQueue) => {
      const handle = await temporal.client.workflow.start(recoverApp, {
        taskQueue,
        workflowId: uniqueId('cancel'),
        args: [input(['acp-target0001', 'acp-target0002'], { limits: { ...FAST_LIMITS, taskTimeoutMs: 1_000 } })],
      });
      await poll.reached;
      await handle.cancel();
      // The settling poll after the cancel finds the tasks still running (gate stays closed → it is cancelled
      // by nobody, so let it through after the workflow asked once).
      await waitFor('two pollTasks calls', () => fleet.callsOf('pollTasks').length === 2);
      poll.open();
      const r = await handle.result();
      expect((await handle.query(progressQuery)).cancelRequested).toBe(true);
      await maybeRecordHistory(handle, 'cancelled');
      return r;
    });
    expect(result.outcome).toBe('cancelled');
    expect(result.cancelRequested).toBe(true);
    for (const t of result.targets) {
      expect(t).toMatchObject({ status: 'cancelled', reason: 'Cancelled', taskIds: [`t-${t.instanceId}-1`] });
      expect(t.message).toContain(`t-${t.instanceId}-1`);
    }
    expect(result.backups[0]).toMatchObject({ released: false, keptBecause: 'cancelled', sourceMayBeReset: false });
    expect(fleet.callsOf('verifyTargets')).toHaveLength(0);
    expect(fleet.callsOf('releaseBackups')).toHaveLength(0);
    expect(fleet.leases.size).toBe(0);
  });

  it('approval: rejected before verification, accepted after it, then releases', async () => {
    const fleet = fakeFleet();
    const verify = gate();
    fleet.gates.verify = verify;
    const result = await withWorker(temporal, fleet.activities, async (taskQueue) => {
      const handle = await temporal.client.workflow.start(recoverApp, {
        taskQueue,
        workflowId: uniqueId('approve'),
        args: [input(['acp-target0001', 'acp-target0002'], { releaseBackup: 'on-approval' })],
      });
      await verify.reached;
      const early = await approve(handle, { approvedBy: 'ops' }).catch((e: unknown) => e);
      expect(early).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(String((early as WorkflowUpdateFailedError).cause?.message)).toContain('verification is not complete');
      verify.open();
      await waitFor('awaiting approval', async () => (await handle.query(progressQuery)).awaitingApproval);
      expect(fleet.callsOf('releaseBackups')).toHaveLength(0);
      const accepted = await approve(handle, { approvedBy: 'ops' });
      expect(accepted).toEqual({ approved: true, backups: ['bf-backup0001'] });
      const r = await handle.result();
      await maybeRecordHistory(handle, 'approval');
      return r;
    });
    expect(result.backups[0]).toMatchObject({ released: true, sourceMayBeReset: true });
    expect(fleet.callsOf('releaseBackups')).toHaveLength(1);
  });

  it('approval: times out and keeps the backup; rejected when the policy is not on-approval', async () => {
    const fleet = fakeFleet();
    const result = await withWorker(temporal, fleet.activities, (taskQueue) =>
      temporal.client.workflow.execute(recoverApp, {
        taskQueue,
        workflowId: uniqueId('approval-timeout'),
        args: [input(['acp-target0001'], { releaseBackup: 'on-approval', limits: { ...FAST_LIMITS, approvalTimeoutMs: 1_000 } })],
      }),
    );
    expect(result.backups[0]).toMatchObject({ released: false, keptBecause: 'approval-timeout', sourceMayBeReset: true });
    expect(fleet.callsOf('releaseBackups')).toHaveLength(0);

    const other = fakeFleet();
    const verify = gate();
    other.gates.verify = verify;
    await withWorker(temporal, other.activities, async (taskQueue) => {
      const handle = await temporal.client.workflow.start(recoverApp, {
        taskQueue,
        workflowId: uniqueId('no-approval'),
        args: [input(['acp-target0001'])],
      });
      await verify.reached;
      const rejected = await approve(handle).catch((e: unknown) => e);
      expect(String((rejected as WorkflowUpdateFailedError).cause?.message)).toContain("not 'on-approval'");
      verify.open();
      await handle.result();
    });
  });

  it('pause holds the run at the next chunk boundary; resume lets it finish', async () => {
    const fleet = fakeFleet();
    const preflight = gate();
    fleet.gates.preflight = preflight;
    const result = await withWorker(temporal, fleet.activities, async (taskQueue) => {
      const handle = await temporal.client.workflow.start(recoverApp, {
        taskQueue,
        workflowId: uniqueId('pause'),
        args: [input(['acp-target0001'])],
      });
      await preflight.reached;
      expect(await pause(handle, { reason: 'maintenance window' })).toEqual({ paused: true });
      preflight.open();
      // A query answers from the state after the last completed workflow task, whose commands are already
      // in the history: had the run not held at the pause point, the submit would be scheduled there.
      const held = await waitFor('the recover phase', async () => {
        const progress = await handle.query(progressQuery);
        return progress.phase === 'recover' && progress;
      });
      expect(held.paused).toBe(true);
      expect(await activitiesScheduled(handle, 'submitRecoveries')).toBe(0); // held before the first submit
      expect(fleet.callsOf('submitRecoveries')).toHaveLength(0);
      expect(await handle.executeUpdate(resumeUpdate)).toEqual({ paused: false });
      const r = await handle.result();
      await maybeRecordHistory(handle, 'pause-resume');
      return r;
    });
    expect(result.outcome).toBe('succeeded');
    expect(result.paused).toBe(false);
  });

  it('rejects invalid input with the field and the rule, before any activity', async () => {
    const fleet = fakeFleet();
    const err = await withWorker(temporal, fleet.activities, (taskQueue) =>
      temporal.client.workflow
        .execute(recoverApp, {
          taskQueue,
          workflowId: uniqueId('invalid'),
          args: [{ backupFileId: 'bf-backup0001', instanceIds: ['i-not-a-phone'] }],
        })
        .catch((e: unknown) => e),
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause.type).toBe('InvalidInput');
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toContain('instanceIds[0]: must be a Cloud Phone instance ID');
    expect(cause.details?.[0]).toEqual([expect.objectContaining({ field: 'instanceIds[0]' })]);
    expect(fleet.calls).toHaveLength(0);
  });
});
