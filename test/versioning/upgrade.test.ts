// A release deployed while a recovery is in flight (docs/versioning.md, README "Rolling out a release"):
// workers of build A run a recovery, build B with changed workflow code is deployed next to them and made
// current, and then A's run must still finish on A (B's code could not replay it) while a new run goes to
// B and finishes there, and the long-lived lease registry moves to B. Real dev server (Worker Deployments
// are on in the pinned CLI's dev server), real versioned workers, real emulator.
import { WithStartWorkflowOperation, type WorkflowExecutionDescription, type WorkflowHandle } from '@temporalio/client';
import { decodeVersioningBehavior } from '@temporalio/common';
import { Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { DEMO_BACKUP_2, DEMO_TARGETS } from '../../emulator/demo-seed';
import { recoverApp } from '../../workflows/recover-app';
import { leaseRegistryWorkflowId, leaseShardOf } from '../../workflows/lease-registry';
import { pauseUpdate, progressQuery, resumeUpdate } from '../../workflows/types';
import { connectTestTemporal, productWorkflowBundle, uniqueId, type TestTemporal } from '../harness/temporal';
import { waitFor } from '../harness/wait';
import { demoInput, openLab, type Lab } from '../workflows/emulator-harness';
import { RELEASE_MEMO } from './release-b-workflows';

jest.setTimeout(240_000);

let temporal: TestTemporal;
let lab: Lab | undefined;
beforeAll(async () => (temporal = await connectTestTemporal()));
afterAll(async () => {
  await lab?.close();
  await temporal?.close();
});

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

/** Build ID of the worker that completed each workflow task of a history, in order. */
function workflowTaskBuilds(history: History): (string | undefined)[] {
  return (history.events ?? [])
    .filter((e) => e.workflowTaskCompletedEventAttributes)
    .map((e) => e.workflowTaskCompletedEventAttributes?.deploymentVersion?.buildId ?? undefined);
}

/** What the server says about a run's versioning: its behaviour and the version it runs on. */
function versioningOf(described: WorkflowExecutionDescription): { behavior?: string; deploymentName?: string; buildId?: string } {
  const info = described.raw.workflowExecutionInfo?.versioningInfo;
  return {
    behavior: decodeVersioningBehavior(info?.behavior),
    deploymentName: info?.deploymentVersion?.deploymentName ?? undefined,
    buildId: info?.deploymentVersion?.buildId ?? undefined,
  };
}

const failedWorkflowTasks = (history: History): number => (history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes).length;

describe('upgrading workers while a recovery is in flight (Worker Deployments, pinned runs)', () => {
  it('a run started on build A finishes on A after B becomes current; a new run goes to B and finishes there', async () => {
    lab = await openLab(temporal);
    const l = lab;
    const deploymentName = uniqueId('cpr-upgrade');
    const quiet = { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: console.error, log: () => undefined };
    const [bundleA, bundleB]: WorkflowBundleWithSourceMap[] = await Promise.all([
      productWorkflowBundle(),
      bundleWorkflowCode({ workflowsPath: require.resolve('./release-b-workflows'), logger: quiet }),
    ]);
    const service = temporal.client.workflowService;
    const namespace = temporal.namespace;

    /** Waits until the build's workers have registered with the deployment, then makes it current. */
    const setCurrent = (buildId: string) =>
      waitFor(`build ${buildId} to become the current version`, async () => {
        await service.setWorkerDeploymentCurrentVersion({ namespace, deploymentName, buildId, identity: 'upgrade-test' });
        const { workerDeploymentInfo } = await service.describeWorkerDeployment({ namespace, deploymentName });
        return workerDeploymentInfo?.routingConfig?.currentDeploymentVersion?.buildId === buildId;
      });

    const workerA = await l.worker({ workflowBundle: bundleA, deployment: { deploymentName, buildId: 'build-a' } });
    const runningA = workerA.run();
    let workerB: Worker | undefined;
    let runningB: Promise<void> | undefined;
    try {
      await setCurrent('build-a');

      // Build A has been serving: an earlier recovery of the same target started its lease registry.
      const earlier = await temporal.client.workflow.execute(recoverApp, {
        workflowId: uniqueId('upgrade-earlier'),
        taskQueue: l.taskQueue,
        args: [demoInput([DEMO_TARGETS[0]], { releaseBackup: 'never' })],
      });
      expect(earlier.outcome).toBe('succeeded');
      const registry = temporal.client.workflow.getHandle(leaseRegistryWorkflowId(leaseShardOf(DEMO_TARGETS[0]), l.leasePrefix));

      // A recovery on build A, paused from its first workflow task on: in flight, holding no vendor task.
      const startOnA = new WithStartWorkflowOperation(recoverApp, {
        workflowId: uniqueId('upgrade-on-a'),
        taskQueue: l.taskQueue,
        args: [demoInput([DEMO_TARGETS[0]], { releaseBackup: 'never' })],
        workflowIdConflictPolicy: 'FAIL',
      });
      await temporal.client.workflow.executeUpdateWithStart(pauseUpdate, { args: [{ reason: 'release B is being deployed' }], startWorkflowOperation: startOnA });
      const onA = await startOnA.workflowHandle();
      expect((await onA.query(progressQuery)).paused).toBe(true);

      // Release B is deployed next to A and becomes current.
      workerB = await l.worker({ workflowBundle: bundleB, deployment: { deploymentName, buildId: 'build-b' } });
      runningB = workerB.run();
      await setCurrent('build-b');

      // New work goes to B; A's paused run is resumed and goes on.
      const onB = await temporal.client.workflow.start(recoverApp, {
        workflowId: uniqueId('upgrade-on-b'),
        taskQueue: l.taskQueue,
        args: [demoInput([DEMO_TARGETS[1]], { backupFileId: DEMO_BACKUP_2, releaseBackup: 'never' })],
      });
      await onA.executeUpdate(resumeUpdate);
      const [resultA, resultB] = await Promise.all([onA.result(), onB.result()]);

      // Both finished correctly: each target restored and verified.
      expect(resultA).toMatchObject({ outcome: 'succeeded', targets: [{ instanceId: DEMO_TARGETS[0], status: 'verified', attempts: 1 }] });
      expect(resultB).toMatchObject({ outcome: 'succeeded', targets: [{ instanceId: DEMO_TARGETS[1], status: 'verified', attempts: 1 }] });

      // A's run: every workflow task, including all of them after B became current, completed by build A,
      // none failed; the server reports it pinned to A. B's changed code never touched it.
      const historyA = await onA.fetchHistory();
      const resumedAt = (historyA.events ?? []).findIndex((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'resume');
      expect(resumedAt).toBeGreaterThan(0);
      const tasksAfterResume = (historyA.events ?? []).slice(resumedAt).filter((e) => e.workflowTaskCompletedEventAttributes).length;
      expect(tasksAfterResume).toBeGreaterThanOrEqual(3); // lease, recover, poll, verify… all after B was current
      expect(new Set(workflowTaskBuilds(historyA))).toEqual(new Set(['build-a']));
      expect(failedWorkflowTasks(historyA)).toBe(0);
      const describedA = await onA.describe();
      expect(versioningOf(describedA)).toEqual({ behavior: 'PINNED', deploymentName, buildId: 'build-a' });
      expect(describedA.memo?.[RELEASE_MEMO]).toBeUndefined();

      // The new run: started and finished on B, running B's code (its memo), none failed.
      const historyB = await onB.fetchHistory();
      expect(new Set(workflowTaskBuilds(historyB))).toEqual(new Set(['build-b']));
      expect(failedWorkflowTasks(historyB)).toBe(0);
      const describedB = await onB.describe();
      expect(versioningOf(describedB)).toEqual({ behavior: 'PINNED', deploymentName, buildId: 'build-b' });
      expect(describedB.memo?.[RELEASE_MEMO]).toBe('B');

      // The lease registry (AUTO_UPGRADE, it never ends) moved from A to B when B became current.
      const registryHistory = await registry.fetchHistory();
      const registryBuilds = workflowTaskBuilds(registryHistory);
      expect(registryBuilds[0]).toBe('build-a');
      expect(registryBuilds.at(-1)).toBe('build-b');
      expect(failedWorkflowTasks(registryHistory)).toBe(0);
      expect(versioningOf(await registry.describe())).toEqual({ behavior: 'AUTO_UPGRADE', deploymentName, buildId: 'build-b' });

      // Why pinning matters: B's code cannot replay A's run, A's own code can.
      await expect(Worker.runReplayHistory({ workflowBundle: bundleB, replayName: 'A on B' }, historyA, onA.workflowId)).rejects.toThrow(DeterminismViolationError);
      await Worker.runReplayHistory({ workflowBundle: bundleA, replayName: 'A on A' }, historyA, onA.workflowId);
    } finally {
      workerB?.shutdown();
      workerA.shutdown();
      await Promise.all([runningA, runningB]);
    }
  });
});
