// Shared set-up of the recovery workflow tests: a Worker per test on its own task queue, input builders
// with fast limits, and optional recording of histories into the replay fixtures.
import { writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import type { RecoverAppInput } from '../../workflows/input';
import { productWorkflowBundle, uniqueTaskQueue, type TestTemporal } from '../harness/temporal';
import { NO_METRICS_SINKS } from '../../worker/metrics';

export const FAST_LIMITS = {
  maxAttemptsPerInstance: 3,
  taskTimeoutMs: 5_000,
  pollIntervalMinMs: 10,
  pollIntervalMaxMs: 50,
  busyWaitMs: 0,
  approvalTimeoutMs: 60_000,
} as const;

export function input(instanceIds: string[], extra: Partial<RecoverAppInput> = {}, backupFileId = 'bf-backup0001'): RecoverAppInput {
  return { backupFileId, instanceIds, onBusyInstance: 'fail', limits: { ...FAST_LIMITS }, ...extra } as RecoverAppInput;
}

/** Runs `fn` while a fresh Worker with the given activities serves a fresh task queue. */
export async function withWorker<T>(temporal: TestTemporal, activities: object, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = uniqueTaskQueue('recover');
  const worker = await Worker.create({
    connection: temporal.nativeConnection,
    namespace: temporal.namespace,
    taskQueue,
    workflowBundle: await productWorkflowBundle(),
    activities,
    sinks: NO_METRICS_SINKS,
  });
  return worker.runUntil(fn(taskQueue));
}

export const HISTORIES_DIR = join(__dirname, '..', 'fixtures', 'histories');

/** With CPR_RECORD_HISTORIES=1, saves the run's history as a replay fixture named `recover-app.<name>.json`. */
export async function maybeRecordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  await maybeRecordFixture(handle, `recover-app.${name}`);
}

/** Same for any workflow of the product: `<workflow>.<shape>.json` (bulk migrations, lease registries). */
export async function maybeRecordFixture(handle: WorkflowHandle, fixtureName: string): Promise<void> {
  if (process.env.CPR_RECORD_HISTORIES !== '1') return;
  const target = join(HISTORIES_DIR, `${fixtureName}.json`);
  // Committed fixtures are immutable (docs/versioning.md): a new behaviour gets a new fixture name.
  if (existsSync(target)) throw new Error(`${target} exists; replay fixtures are never re-recorded in place, record under a new name`);
  const history = await handle.fetchHistory();
  await writeFile(target, historyToJSON(history) + '\n');
  // Replay must run under the original workflow ID: bulk migrations derive their children's IDs from it.
  await writeFile(join(HISTORIES_DIR, `${fixtureName}.workflow-id`), handle.workflowId + '\n');
}
