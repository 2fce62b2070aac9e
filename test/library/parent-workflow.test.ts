// Another team's parent workflow (examples/parent-workflow.ts) on ITS OWN task queue runs the REAL
// recoverApp as a child on the recovery task queue (product bundle, in-memory fake vendor activities).
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { activityInfo } from '@temporalio/activity';
import { Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { RestoreFleetInput, RestoreFleetResult } from '../../examples/parent-workflow';
import type { RecoveryResult } from '../../workflows/types';
import { connectTestTemporal, productWorkflowBundle, uniqueId, uniqueTaskQueue, type TestTemporal } from '../harness/temporal';
import { fakeFleet, type FakeFleet } from '../workflows/fake-fleet';
import { FAST_LIMITS } from '../workflows/harness';
import { waitFor } from '../harness/wait';
import { NO_METRICS_SINKS } from '../../worker/metrics';

let temporal: TestTemporal;
let parentBundle: WorkflowBundleWithSourceMap;
const noop = (): void => undefined;

beforeAll(async () => {
  temporal = await connectTestTemporal();
  [parentBundle] = await Promise.all([
    bundleWorkflowCode({ workflowsPath: join(__dirname, 'fixtures', 'consumer-workflows.ts'), logger: { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop } }),
    productWorkflowBundle(),
  ]);
}, 60_000);
afterAll(async () => temporal.close());

/** A parent worker and a recovery worker on two different task queues. */
async function withWorkers<T>(fleet: FakeFleet, fn: (queues: { parentQueue: string; recoveryQueue: string }) => Promise<T>): Promise<T> {
  const parentQueue = uniqueTaskQueue('team-x');
  const recoveryQueue = uniqueTaskQueue('recovery');
  const parent = await Worker.create({ connection: temporal.nativeConnection, namespace: temporal.namespace, taskQueue: parentQueue, workflowBundle: parentBundle });
  const recovery = await Worker.create({
    connection: temporal.nativeConnection,
    namespace: temporal.namespace,
    taskQueue: recoveryQueue,
    workflowBundle: await productWorkflowBundle(),
    activities: fleet.activities,
    sinks: NO_METRICS_SINKS,
  });
  return parent.runUntil(() => recovery.runUntil(fn({ parentQueue, recoveryQueue })));
}

describe('a parent workflow on another task queue running recoverApp as a child', () => {
  it('reacts to a partial failure: retries only the retryable target, keeps the backup of a target that failed for good', async () => {
    const fleet = fakeFleet({ corrupt: ['acp-bravo00002'] });
    // The vendor task of acp-alpha00002 fails in the first recovery only; the retry gets a clean run.
    const basePoll = fleet.activities.pollTasks;
    fleet.activities.pollTasks = async (req) => {
      const res = await basePoll(req);
      if (!activityInfo().workflowExecution?.workflowId.endsWith('/recover')) return res;
      return {
        ...res,
        outcomes: res.outcomes.map((o) => (o.instanceId === 'acp-alpha00002' ? { ...o, status: 'failed' as const, retryable: false, errorCode: 'RecoverFailed', errorMessage: 'vendor task failed' } : o)),
      };
    };
    const parentId = uniqueId('team-x-restore');
    const result = await withWorkers(fleet, async ({ parentQueue, recoveryQueue }) => {
      const input: RestoreFleetInput = {
        recoveryTaskQueue: recoveryQueue,
        recovery: {
          items: [
            { backupFileId: 'bf-alpha00001', instanceIds: ['acp-alpha00001', 'acp-alpha00002'] },
            { backupFileId: 'bf-bravo00001', instanceIds: ['acp-bravo00001', 'acp-bravo00002'] },
          ],
          onBusyInstance: 'fail',
          limits: { ...FAST_LIMITS },
        },
      };
      return temporal.client.workflow.execute<(i: RestoreFleetInput) => Promise<RestoreFleetResult>>('restoreFleet', { taskQueue: parentQueue, workflowId: parentId, args: [input] });
    });

    expect(result.firstRun).toBe('partial');
    expect(result.retried).toEqual(['acp-alpha00002']);
    expect(result.outcome).toBe('partial');
    expect(result.verified.sort()).toEqual(['acp-alpha00001', 'acp-alpha00002', 'acp-bravo00001']);
    expect(result.needsAttention).toEqual([expect.objectContaining({ instanceId: 'acp-bravo00002', backupFileId: 'bf-bravo00001', reason: 'DataMismatch' })]);
    // Backup alpha: every target verified (one after the retry) → released, once. Backup bravo: kept.
    expect(result.releasedBackups).toEqual(['bf-alpha00001']);
    expect(fleet.callsOf('releaseBackups')).toEqual([{ backupFileIds: ['bf-alpha00001'] }]);
    // The retry child recovered only the retried target; both children ran on the recovery queue.
    const retry = (await temporal.client.workflow.getHandle(`${parentId}/retry-1`).result()) as RecoveryResult;
    expect(retry.targets.map((t) => t.instanceId)).toEqual(['acp-alpha00002']);
    const child = await temporal.client.workflow.getHandle(`${parentId}/recover`).describe();
    expect(child.taskQueue).not.toBe((await temporal.client.workflow.getHandle(parentId).describe()).taskQueue);
    expect(fleet.leases.size).toBe(0);
  });

  it('cancelling the parent cancels the child, which releases its leases and keeps the backup', async () => {
    const fleet = fakeFleet();
    const poll = (fleet.gates.poll = (await import('../workflows/fake-fleet')).gate());
    const parentId = uniqueId('team-x-restore');
    await withWorkers(fleet, async ({ parentQueue, recoveryQueue }) => {
      const input: RestoreFleetInput = {
        recoveryTaskQueue: recoveryQueue,
        recovery: { backupFileId: 'bf-charlie0001', instanceIds: ['acp-charlie0001', 'acp-charlie0002'], onBusyInstance: 'fail', limits: { ...FAST_LIMITS } },
      };
      const parent = await temporal.client.workflow.start<(i: RestoreFleetInput) => Promise<RestoreFleetResult>>('restoreFleet', { taskQueue: parentQueue, workflowId: parentId, args: [input] });
      await poll.reached; // the child has leased its targets and submitted RecoverApp
      expect(fleet.leases.size).toBe(2);
      await parent.cancel();
      await waitFor('the child to see the cancel request', async () => (await temporal.client.workflow.getHandle(`${parentId}/recover`).query<{ cancelRequested: boolean }>('progress')).cancelRequested);
      poll.open(); // the vendor tasks finish; the cancelled child settles and cleans up
      const err = await parent.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      const child = temporal.client.workflow.getHandle(`${parentId}/recover`);
      expect((await child.describe()).status.name).not.toBe('RUNNING');
      const childResult = (await child.result()) as RecoveryResult;
      expect(childResult.outcome).toBe('cancelled');
      expect(childResult.backups).toEqual([expect.objectContaining({ backupFileId: 'bf-charlie0001', released: false })]);
    });
    expect(fleet.leases.size).toBe(0);
    // Lease calls are local activities, which run at least once: a release may be repeated (it is
    // idempotent), e.g. when the server turns down the workflow task that completes the child because the
    // cancelled poll activity's result arrived meanwhile.
    const released = fleet.callsOf('releaseLeases');
    expect(new Set(released.map((r) => r.holderWorkflowId))).toEqual(new Set([`${parentId}/recover`]));
    expect([...new Set(released.flatMap((r) => r.instanceIds))].sort()).toEqual(['acp-charlie0001', 'acp-charlie0002']);
    expect(fleet.callsOf('releaseBackups')).toEqual([]);
  });
});
