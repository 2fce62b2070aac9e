// Service-layer behaviour against the real dev server with no worker: starts, idempotency, typed errors.
// (Runs that execute are covered through the HTTP API in test/api/recoveries.test.ts.)
import { WorkflowNotFoundError } from '@temporalio/client';
import {
  approveRelease,
  cancelRecovery,
  ConflictError,
  getRecovery,
  InvalidInputError,
  NotFoundError,
  parseInput,
  startRecovery as startPlan,
  watchProgress,
} from '../../client/service';
import { connectTestTemporal, uniqueId, uniqueTaskQueue, type TestTemporal } from '../harness/temporal';
import { recoveryInput } from '../api/api-harness';
import { waitFor } from '../harness/wait';
import { recoverAppInputSchema } from '../../workflows/input';

let temporal: TestTemporal;
const taskQueue = uniqueTaskQueue('svc');
const started: string[] = [];

beforeAll(async () => (temporal = await connectTestTemporal()));
afterAll(async () => {
  for (const id of started) await temporal.client.workflow.getHandle(id).terminate('test cleanup').catch(() => undefined);
  await temporal.close();
});

/** As an edge does it: parse the raw input once (InvalidInputError on bad input), then start. */
async function startRecovery(client: TestTemporal['client'], raw: unknown, options: Parameters<typeof startPlan>[2]): ReturnType<typeof startPlan> {
  return startPlan(client, parseInput(recoverAppInputSchema, raw), options);
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

it('rejects bad input with the fields and starts nothing', async () => {
  const requestId = uniqueId('svc-bad');
  const err = await caught(startRecovery(temporal.client, { items: [{ backupFileId: 'bf-abcdef12', instanceIds: [] }], existingApp: 'wipe' }, { requestId, taskQueue }));
  expect(err).toBeInstanceOf(InvalidInputError);
  expect((err as InvalidInputError).issues.map((i) => i.field).sort()).toEqual(['existingApp', 'items[0].instanceIds']);
  await expect(temporal.client.workflow.getHandle(`recovery-${requestId}`).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
});

it('returns the same run for the same request ID, even with keys reordered or after the run closed', async () => {
  const requestId = uniqueId('svc-idem');
  const input = recoveryInput();
  const first = await startRecovery(temporal.client, input, { requestId, taskQueue });
  started.push(first.workflowId);
  expect(first).toMatchObject({ workflowId: `recovery-${requestId}`, created: true });

  const reordered = Object.fromEntries(Object.entries(input).reverse());
  const again = await startRecovery(temporal.client, reordered, { requestId, taskQueue });
  expect(again).toEqual({ ...first, created: false });

  await temporal.client.workflow.getHandle(first.workflowId).terminate('closing for the test');
  const afterClose = await startRecovery(temporal.client, input, { requestId, taskQueue });
  expect(afterClose).toEqual({ ...first, created: false });
  // Exactly one run under this ID: the latest run (read from the server, not from eventually consistent
  // visibility) is still the first, terminated one, and visibility shows it once it has caught up.
  const latest = await temporal.client.workflow.getHandle(first.workflowId).describe();
  expect({ runId: latest.runId, status: latest.status.name }).toEqual({ runId: first.runId, status: 'TERMINATED' });
  const runs = await waitFor('the terminated run in visibility', async () => {
    const listed = [];
    for await (const wf of temporal.client.workflow.list({ query: `WorkflowId = '${first.workflowId}'` })) listed.push(wf);
    return listed.some((wf) => wf.status.name === 'TERMINATED') && listed;
  });
  expect(runs.map((wf) => wf.runId)).toEqual([first.runId]);

  const different = await caught(startRecovery(temporal.client, { ...input, existingApp: 'overwrite' }, { requestId, taskQueue }));
  expect(different).toBeInstanceOf(ConflictError);
});

it('starts distinct runs without a request ID', async () => {
  const input = recoveryInput();
  const a = await startRecovery(temporal.client, input, { taskQueue });
  const b = await startRecovery(temporal.client, input, { taskQueue });
  started.push(a.workflowId, b.workflowId);
  expect(a.workflowId).not.toBe(b.workflowId);
  expect(a.workflowId.startsWith(`recovery-${input.backupFileId}-`)).toBe(true);
});

it('reports unknown and malformed IDs as typed errors', async () => {
  expect(await caught(getRecovery(temporal.client, 'recovery-never-started'))).toBeInstanceOf(NotFoundError);
  expect(await caught(cancelRecovery(temporal.client, 'recovery-never-started'))).toBeInstanceOf(NotFoundError);
  const bad = await caught(getRecovery(temporal.client, "x' OR '1'='1"));
  expect(bad).toBeInstanceOf(InvalidInputError);
  expect((bad as InvalidInputError).issues[0]!.field).toBe('id');
});

it('shows a terminated run with its failure, refuses control requests and ends a watch at once', async () => {
  const run = await startRecovery(temporal.client, recoveryInput(), { taskQueue });
  started.push(run.workflowId);
  await temporal.client.workflow.getHandle(run.workflowId).terminate('operator stopped it');
  const view = await getRecovery(temporal.client, run.workflowId);
  expect(view).toMatchObject({ status: 'Terminated', failure: { message: 'operator stopped it' } });
  expect(view.closedAt).toBeDefined();

  const approve = await caught(approveRelease(temporal.client, run.workflowId, { approvedBy: 'ops' }));
  expect(approve).toBeInstanceOf(ConflictError);
  expect((approve as ConflictError).reason).toBe(`recovery ${run.workflowId} is already closed (Terminated)`);

  const events = [];
  for await (const e of watchProgress(temporal.client, run.workflowId, { intervalMs: 100 })) events.push(e);
  expect(events).toEqual([{ type: 'closed', recovery: expect.objectContaining({ status: 'Terminated' }) }]);
});
