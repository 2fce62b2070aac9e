// The recovery counters count each run once, however often the workflow code that reports it runs:
// a workflow task the server rejects (a cancel racing the completion: UNHANDLED_COMMAND) runs again and
// reports again, with a different result; a closed run replayed on a restarted worker reports nothing.
// The counters are compared with what visibility says about the same runs.
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createEcpClient, loadEcpConfig } from '../../activities/ecp';
import { createWebhookActivities } from '../../activities/webhooks';
import { createConfirmedCounts, type ConfirmedCounts } from '../../worker/confirmed-counts';
import { createMetrics, metricsSinks, type CprMetrics } from '../../worker/metrics';
import { uniqueWorkerIdentity } from '../../worker/observed-worker';
import type { RecoveryResult } from '../../workflows/types';
import { connectTestTemporal, uniqueId, uniqueTaskQueue, type TestTemporal } from '../harness/temporal';
import { waitFor } from '../harness/wait';
import { createFixtureActivities } from './fixture-activities';
import { finishOnSignalWorkflow, finishSignal, racingCompletionWorkflow } from './fixture-workflows';

let temporal: TestTemporal;
let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  temporal = await connectTestTemporal();
  bundle = await bundleWorkflowCode({
    workflowsPath: join(__dirname, 'fixture-workflows.ts'),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
  });
});

afterAll(async () => {
  await temporal?.close();
});

/** A latch per workflow: the test learns that the run's task is in progress and decides when it may end. */
class Gates {
  private readonly gates = new Map<string, { entered: Promise<void>; enter(): void; released: Promise<void>; release(): void }>();

  get(workflowId: string) {
    let gate = this.gates.get(workflowId);
    if (!gate) {
      let enter!: () => void;
      let release!: () => void;
      const entered = new Promise<void>((resolve) => (enter = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      gate = { entered, enter, released, release };
      this.gates.set(workflowId, gate);
    }
    return gate;
  }

  readonly holdCompletion = async (): Promise<void> => {
    const gate = this.get(Context.current().info.workflowExecution!.workflowId);
    gate.enter();
    await gate.released;
  };
}

interface CountingWorker {
  worker: Worker;
  metrics: CprMetrics;
  counts: ConfirmedCounts;
  /** Sink calls as the worker saw them: what a counter fed straight from the sink would read. */
  sinkCalls: { started: number; finished: number };
}

async function countingWorker(taskQueue: string, gates: Gates): Promise<CountingWorker> {
  const metrics = createMetrics();
  const identity = uniqueWorkerIdentity();
  const counts = createConfirmedCounts({
    workflowService: temporal.nativeConnection.workflowService,
    namespace: temporal.namespace,
    identity,
    onStarted: () => metrics.recordStarted(),
    onFinished: (result) => metrics.recordResult(result),
  });
  const sinkCalls = { started: 0, finished: 0 };
  const sinks = metricsSinks(counts);
  const ecp = createEcpClient(
    loadEcpConfig(
      { CPR_ECP_ENDPOINT: '127.0.0.1:9', CPR_ECP_PROTOCOL: 'http' },
      { credentials: { accessKeyId: 'unused-id', accessKeySecret: 'unused-secret' } },
    ),
  );
  const worker = await Worker.create({
    connection: temporal.nativeConnection,
    namespace: temporal.namespace,
    taskQueue,
    identity,
    workflowBundle: bundle,
    activities: { ...createFixtureActivities(ecp, gates.holdCompletion), ...createWebhookActivities(undefined) },
    sinks: {
      cprMetrics: {
        recoveryStarted: {
          ...sinks.cprMetrics.recoveryStarted,
          fn: (info) => (sinkCalls.started++, sinks.cprMetrics.recoveryStarted.fn(info)),
        },
        recoveryFinished: {
          ...sinks.cprMetrics.recoveryFinished,
          fn: (info) => (sinkCalls.finished++, sinks.cprMetrics.recoveryFinished.fn(info)),
        },
      },
    },
  });
  return { worker, metrics, counts, sinkCalls };
}

function resultOf(workflowId: string): RecoveryResult {
  const now = new Date().toISOString();
  const target = (instanceId: string) => ({
    instanceId,
    backupFileId: 'bf-exactcount000001',
    status: 'verified' as const,
    phase: 'verify' as const,
    taskIds: ['t-1'],
    attempts: 1,
    timings: {},
  });
  return {
    workflowId,
    phase: 'done',
    paused: false,
    cancelRequested: false,
    awaitingApproval: false,
    counts: { total: 2, pending: 0, verified: 2, failed: 0, skipped: 0, cancelled: 0 },
    targets: [target('acp-exactcount00001'), target('acp-exactcount00002')],
    backups: [{ backupFileId: 'bf-exactcount000001', released: true, sourceMayBeReset: true }],
    snapshots: [],
    startedAt: now,
    updatedAt: now,
    outcome: 'succeeded',
    finishedAt: now,
  };
}

async function counterValues(metrics: CprMetrics): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of ['cpr_recoveries_started_total', 'cpr_recoveries_finished_total', 'cpr_recovery_targets_total', 'cpr_backups_total']) {
    const metric = metrics.registry.getSingleMetric(name)!;
    for (const v of (await metric.get()).values.filter((x) => x.value !== 0)) {
      const labels = Object.entries(v.labels)
        .map(([k, l]) => `${k}=${l}`)
        .join(',');
      out[labels ? `${name}{${labels}}` : name] = v.value;
    }
  }
  return out;
}

it('counts each run once, with the outcome the server recorded, when a cancel races the completion', async () => {
  const taskQueue = uniqueTaskQueue('exact-counts');
  const gates = new Gates();
  const first = await countingWorker(taskQueue, gates);
  const racing = [uniqueId('race'), uniqueId('race'), uniqueId('race')];
  const plain = uniqueId('plain');

  await first.worker.runUntil(async () => {
    for (const workflowId of racing) {
      const handle = await temporal.client.workflow.start(racingCompletionWorkflow, {
        taskQueue,
        workflowId,
        args: [resultOf(workflowId)],
      });
      // The completing task is running (its local activity is held): cancel, then let the task finish.
      await gates.get(workflowId).entered;
      await handle.cancel();
      gates.get(workflowId).release();
      expect((await handle.result()).outcome).toBe('cancelled');
      // The server rejected the task that had already reported `succeeded`; it ran again with the cancel.
      const history = await handle.fetchHistory();
      const failedTasks = (history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes);
      expect(failedTasks.map((e) => e.workflowTaskFailedEventAttributes!.cause)).toContain(
        1 /* WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND */,
      );
    }
    const handle = await temporal.client.workflow.start(racingCompletionWorkflow, {
      taskQueue,
      workflowId: plain,
      args: [resultOf(plain)],
    });
    await gates.get(plain).entered;
    gates.get(plain).release();
    expect((await handle.result()).outcome).toBe('succeeded');
    await first.counts.settled();
  });

  // Fed straight from the sink (the old design), the counters would read more than there are runs:
  // every rejected task reported a start and a `succeeded` finish that the server never recorded.
  expect(first.sinkCalls.finished).toBeGreaterThanOrEqual(racing.length * 2 + 1);
  expect(first.sinkCalls.started).toBeGreaterThanOrEqual(racing.length * 2 + 1);

  // Visibility: how many runs closed, and with which outcome.
  const query = (extra: string) => `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Completed'${extra}`;
  await waitFor('visibility to list the 4 closed runs', async () => (await temporal.client.workflow.count(query(''))).count === 4);
  const visible = {
    cancelled: (await temporal.client.workflow.count(query(` AND CprOutcome = 'cancelled'`))).count,
    succeeded: (await temporal.client.workflow.count(query(` AND CprOutcome = 'succeeded'`))).count,
  };
  expect(visible).toEqual({ cancelled: 3, succeeded: 1 });

  const expected = {
    cpr_recoveries_started_total: 4,
    'cpr_recoveries_finished_total{outcome=cancelled}': visible.cancelled,
    'cpr_recoveries_finished_total{outcome=succeeded}': visible.succeeded,
    'cpr_recovery_targets_total{status=cancelled,reason=}': 2 * visible.cancelled,
    'cpr_recovery_targets_total{status=verified,reason=}': 2 * visible.succeeded,
    'cpr_backups_total{result=held,reason=cancelled}': visible.cancelled,
    'cpr_backups_total{result=released,reason=}': visible.succeeded,
  };
  expect(await counterValues(first.metrics)).toEqual(expected);

  // A restarted worker that replays the closed runs (a query needs a full replay) counts nothing, and
  // the first worker's counters stay as they were.
  const second = await countingWorker(taskQueue, gates);
  await second.worker.runUntil(async () => {
    for (const workflowId of [...racing, plain]) {
      await temporal.client.workflow.getHandle(workflowId).query('__stack_trace');
    }
  });
  await second.counts.settled();
  expect(second.sinkCalls).toEqual({ started: 0, finished: 0 });
  expect(await counterValues(second.metrics)).toEqual({});
  expect(await counterValues(first.metrics)).toEqual(expected);
});

it('counts a run once when a worker restarts between its start and its end, on the worker whose task the server accepted', async () => {
  const taskQueue = uniqueTaskQueue('exact-restart');
  const gates = new Gates();
  const workflowId = uniqueId('restart');
  const before = await countingWorker(taskQueue, gates);
  const handle = await before.worker.runUntil(async () => {
    const started = await temporal.client.workflow.start(finishOnSignalWorkflow, { taskQueue, workflowId, args: [resultOf(workflowId)] });
    await waitFor('the start to be counted', async () => (await before.metrics.recoveriesStarted.get()).values[0]?.value === 1);
    return started;
  });
  await before.counts.settled();

  // A new worker process (new identity) replays the start, which reports nothing, and runs the end.
  const after = await countingWorker(taskQueue, gates);
  await after.worker.runUntil(async () => {
    await handle.signal(finishSignal);
    expect((await handle.result()).outcome).toBe('succeeded');
    await after.counts.settled();
  });
  expect(after.sinkCalls.started).toBe(0);
  await waitFor(
    'visibility to list the closed run',
    async () => (await temporal.client.workflow.count(`TaskQueue = '${taskQueue}' AND CprOutcome = 'succeeded'`)).count === 1,
  );
  expect(await counterValues(before.metrics)).toEqual({ cpr_recoveries_started_total: 1 });
  expect(await counterValues(after.metrics)).toEqual({
    'cpr_recoveries_finished_total{outcome=succeeded}': 1,
    'cpr_recovery_targets_total{status=verified,reason=}': 2,
    'cpr_backups_total{result=released,reason=}': 1,
  });
});
