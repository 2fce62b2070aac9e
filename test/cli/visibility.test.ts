// Every run is visible: a recoverApp child that another team's parent workflow started with input the
// workflow rejects ends Failed and is still listed by `cpr list --status failed`, with its field
// errors in `cpr status` and GET /v1/recoveries/:id. Real dev server, real worker, CLI as a subprocess.
import { join } from 'node:path';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { connectTestTemporal, uniqueId, uniqueTaskQueue, type TestTemporal } from '../harness/temporal';
import { waitFor } from '../harness/wait';
import { startApi } from '../api/api-harness';
import { maybeRecordFixture } from '../workflows/harness';
import { runCli } from './run-cli';

let temporal: TestTemporal;
beforeAll(async () => {
  temporal = await connectTestTemporal();
});
afterAll(async () => temporal.close());

const noop = (): void => undefined;

it('a child rejected by its own validation is listed as a failed recovery with its field errors', async () => {
  const taskQueue = uniqueTaskQueue('visible');
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: join(__dirname, 'fixtures', 'foreign-parent.ts'),
    logger: { trace: noop, debug: noop, info: noop, warn: noop, error: (m: string) => console.error(m), log: noop },
  });
  const worker = await Worker.create({ connection: temporal.nativeConnection, namespace: temporal.namespace, taskQueue, workflowBundle });
  const childId = uniqueId('foreign-child');
  const env = { CPR_TEMPORAL_ADDRESS: temporal.address, CPR_TEMPORAL_NAMESPACE: temporal.namespace, CPR_TASK_QUEUE: taskQueue };

  await worker.runUntil(async () => {
    // `requestId` is an API field, not workflow input; the backup ID is malformed.
    const parent = await temporal.client.workflow.start('foreignParent', {
      taskQueue,
      workflowId: uniqueId('foreign-parent'),
      args: [childId, { backupFileId: 'backup-1', instanceIds: ['acp-aaaaaaaa'], requestId: 'r-1' }],
    });
    expect(await parent.result()).toMatch(/^child failed: invalid recovery input/);
    await maybeRecordFixture(temporal.client.workflow.getHandle(childId), 'recover-app.rejected-input');
  });

  const listed = await waitFor(
    'the rejected child in cpr list --status failed',
    async () => {
      const r = await runCli(['list', '--status', 'failed', '--kind', 'recovery', '--phase', 'validate', '--limit', '200', '-o', 'json'], env);
      if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
      return (JSON.parse(r.stdout) as { workflowId: string }[]).find((row) => row.workflowId === childId);
    },
    { everyMs: 300 },
  );
  expect(listed).toMatchObject({ kind: 'recovery', workflowId: childId, status: 'Failed', phase: 'validate' });

  const text = await runCli(['list', '--status', 'FAILED'], env);
  expect(text.code).toBe(0);
  expect(text.stdout).toMatch(new RegExp(`recovery\\s+${childId}\\s+Failed\\s+validate`));

  const status = await runCli(['status', childId], env);
  expect(status.code).toBe(0);
  expect(status.stdout).toContain('Failure    InvalidInput: invalid recovery input');
  expect(status.stdout).toMatch(/backupFileId: must be a backup file ID/);
  expect(status.stdout).toMatch(/requestId: /);

  const api = await startApi(temporal.client, taskQueue);
  try {
    const got = await api.call('GET', `/v1/recoveries/${childId}`);
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({ status: 'Failed', phase: 'validate', failure: { type: 'InvalidInput' } });
    expect(got.json.failure.issues.map((i: { field: string }) => i.field).sort()).toEqual(['backupFileId', 'requestId']);
  } finally {
    await api.close();
  }
}, 120_000);
