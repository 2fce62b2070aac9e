// A release deployed while a recovery is in flight (docs/versioning.md, README "Rolling out a release"):
// workers of build A run a recovery, build B with changed workflow code is deployed next to them and made
// current, and then A's run must still finish on A (B's code could not replay it) while a new run goes to
// B and finishes there, and the long-lived lease registry moves to B; a migration lets its running child
// finish on A and continues as new onto B. Real dev server (Worker Deployments are on in the pinned CLI's
// dev server), real versioned workers, real emulator.
import { WithStartWorkflowOperation, type WorkflowExecutionDescription, type WorkflowHandle } from '@temporalio/client';
import { decodeVersioningBehavior } from '@temporalio/common';
import { Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { DEMO_BACKUP_1, DEMO_BACKUP_2, DEMO_TARGETS } from '../../emulator/demo-seed';
import { recoverApp } from '../../workflows/recover-app';
import { bulkMigration } from '../../workflows/bulk-migration';
import { migrationProgressQuery } from '../../workflows/bulk/messages';
import type { MigrationPlanInput } from '../../workflows/plan';
import { leaseRegistryWorkflowId, leaseShardOf } from '../../workflows/lease-registry';
import { pauseUpdate, progressQuery, resumeUpdate } from '../../workflows/types';
import { connectTestTemporal, productWorkflowBundle, uniqueId, type TestTemporal } from '../harness/temporal';
import { waitFor } from '../harness/wait';
import { EMULATOR_LIMITS, demoInput, openLab, type Lab } from '../workflows/emulator-harness';
import { maybeRecordFixture } from '../workflows/harness';
import { RELEASE_MEMO } from './release-b-workflows';
import { NO_METRICS_SINKS } from '../../worker/metrics';

jest.setTimeout(240_000);

let temporal: TestTemporal;
let lab: Lab | undefined;
beforeAll(async () => (temporal = await connectTestTemporal()));
afterAll(async () => temporal?.close());
afterEach(async () => {
  await lab?.close();
  lab = undefined;
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

const noop = (): void => undefined;
const quiet = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
let releaseB: Promise<WorkflowBundleWithSourceMap> | undefined;
/** Bundles of build A (the product's workflows) and build B (release-b-workflows.ts). */
const bundles = (): Promise<WorkflowBundleWithSourceMap[]> =>
  Promise.all([productWorkflowBundle(), (releaseB ??= bundleWorkflowCode({ workflowsPath: require.resolve('./release-b-workflows'), logger: quiet }))]);

/** Waits until the build's workers have registered with the deployment, then makes it current. */
function setCurrent(deploymentName: string, buildId: string): Promise<boolean> {
  const service = temporal.client.workflowService;
  const namespace = temporal.namespace;
  return waitFor(`build ${buildId} to become the current version`, async () => {
    await service.setWorkerDeploymentCurrentVersion({ namespace, deploymentName, buildId, identity: 'upgrade-test' });
    const { workerDeploymentInfo } = await service.describeWorkerDeployment({ namespace, deploymentName });
    return workerDeploymentInfo?.routingConfig?.currentDeploymentVersion?.buildId === buildId;
  });
}

describe('upgrading workers while a recovery is in flight (Worker Deployments, pinned runs)', () => {
  it('a run started on build A finishes on A after B becomes current; a new run goes to B and finishes there', async () => {
    lab = await openLab(temporal);
    const l = lab;
    const deploymentName = uniqueId('cpr-upgrade');
    const [bundleA, bundleB] = await bundles();

    const workerA = await l.worker({ workflowBundle: bundleA, deployment: { deploymentName, buildId: 'build-a' } });
    const runningA = workerA.run();
    let workerB: Worker | undefined;
    let runningB: Promise<void> | undefined;
    try {
      await setCurrent(deploymentName, 'build-a');

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
      await setCurrent(deploymentName, 'build-b');

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
      await expect(Worker.runReplayHistory({ workflowBundle: bundleB, replayName: 'A on B', sinks: NO_METRICS_SINKS }, historyA, onA.workflowId)).rejects.toThrow(DeterminismViolationError);
      await Worker.runReplayHistory({ workflowBundle: bundleA, replayName: 'A on A', sinks: NO_METRICS_SINKS }, historyA, onA.workflowId);
    } finally {
      workerB?.shutdown();
      workerA.shutdown();
      await Promise.all([runningA, runningB]);
    }
  });

  it('a migration finishes its running child on A, then continues as new onto B for the rest (patched)', async () => {
    const [first, second] = [DEMO_TARGETS[2], DEMO_TARGETS[3]];
    // The first child's vendor task takes ~5 s, so the migration is mid-child when B is deployed.
    lab = await openLab(temporal, { instanceOverrides: { [first]: { recoverDurationMs: 500_000 } } });
    const l = lab;
    const deploymentName = uniqueId('cpr-upgrade');
    const [bundleA, bundleB] = await bundles();
    const workerA = await l.worker({ workflowBundle: bundleA, deployment: { deploymentName, buildId: 'build-a' } });
    const runningA = workerA.run();
    let workerB: Worker | undefined;
    let runningB: Promise<void> | undefined;
    try {
      await setCurrent(deploymentName, 'build-a');
      const migration = await temporal.client.workflow.start(bulkMigration, {
        workflowId: uniqueId('upgrade-migration'),
        taskQueue: l.taskQueue,
        args: [
          {
            items: [
              { backupFileId: DEMO_BACKUP_1, instanceIds: [first] },
              { backupFileId: DEMO_BACKUP_2, instanceIds: [second] },
            ],
            options: { onBusyInstance: 'fail', releaseBackup: 'never', limits: { ...EMULATOR_LIMITS }, itemsPerChild: 1, maxConcurrentChildren: 1 },
          } satisfies MigrationPlanInput,
        ],
      });
      // Hold the second chunk while the first child runs on A.
      await waitFor('the first child to run', async () => (await migration.query(migrationProgressQuery)).children.running === 1);
      await migration.executeUpdate(pauseUpdate, { args: [{ reason: 'release B is being deployed' }] });
      expect((await migration.query(migrationProgressQuery)).children).toMatchObject({ running: 1, done: 0 });

      workerB = await l.worker({ workflowBundle: bundleB, deployment: { deploymentName, buildId: 'build-b' } });
      runningB = workerB.run();
      await setCurrent(deploymentName, 'build-b');
      await migration.executeUpdate(resumeUpdate);
      const result = await migration.result();

      expect(result).toMatchObject({ outcome: 'succeeded', counts: { total: 2, verified: 2 }, runs: 2 });
      // The first run (and its child) stayed on A; after its child finished it continued as new onto B,
      // where the second child ran.
      const firstRun = temporal.client.workflow.getHandle(migration.workflowId, migration.firstExecutionRunId);
      const firstRunHistory = await firstRun.fetchHistory();
      expect(new Set(workflowTaskBuilds(firstRunHistory))).toEqual(new Set(['build-a']));
      expect((firstRunHistory.events ?? []).some((e) => e.workflowExecutionContinuedAsNewEventAttributes)).toBe(true);
      expect(new Set(workflowTaskBuilds(await migration.fetchHistory()))).toEqual(new Set(['build-b']));
      expect(versioningOf(await migration.describe())).toEqual({ behavior: 'PINNED', deploymentName, buildId: 'build-b' });
      const child = (index: number) => temporal.client.workflow.getHandle(`${migration.workflowId}/${index}`);
      expect(new Set(workflowTaskBuilds(await child(0).fetchHistory()))).toEqual(new Set(['build-a']));
      expect(new Set(workflowTaskBuilds(await child(1).fetchHistory()))).toEqual(new Set(['build-b']));
      expect((await child(1).describe()).memo?.[RELEASE_MEMO]).toBe('B');
      for (const history of [firstRunHistory, await migration.fetchHistory(), await child(0).fetchHistory()]) expect(failedWorkflowTasks(history)).toBe(0);
      // A new shape of history: recorded once as a new replay fixture (docs/versioning.md).
      await maybeRecordFixture(firstRun, 'bulk-migration.moves-to-current-build');
    } finally {
      workerB?.shutdown();
      workerA.shutdown();
      await Promise.all([runningA, runningB]);
    }
  });
});
