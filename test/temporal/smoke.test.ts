import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { temporalBinaries } from '../../client/dev/temporal-binaries';
import { connectTestTemporal, uniqueId, uniqueTaskQueue, type TestTemporal } from '../harness/temporal';
import { greetWorkflow, longTimerWorkflow } from '../fixtures/smoke-workflows';

const activities = { greet: async (name: string) => `hello, ${name}` };
let bundle: Awaited<ReturnType<typeof bundleWorkflowCode>>;

beforeAll(async () => {
  bundle = await bundleWorkflowCode({ workflowsPath: join(__dirname, '..', 'fixtures', 'smoke-workflows.ts') });
});

describe('real Temporal servers', () => {
  let temporal: TestTemporal;
  beforeAll(async () => (temporal = await connectTestTemporal()));
  afterAll(async () => temporal.close());

  it('runs a workflow with a real activity on the shared dev server', async () => {
    const taskQueue = uniqueTaskQueue('smoke');
    const worker = await Worker.create({ connection: temporal.nativeConnection, namespace: temporal.namespace, taskQueue, workflowBundle: bundle, activities });
    const result = await worker.runUntil(
      temporal.client.workflow.execute(greetWorkflow, { taskQueue, workflowId: uniqueId('smoke'), args: ['dev server'] }),
    );
    expect(result).toBe('hello, dev server');
  });

  it('has the product search attributes registered', async () => {
    const { SEARCH_ATTRIBUTES } = await import('../../workflows/types');
    const response = await temporal.client.connection.operatorService.listSearchAttributes({ namespace: temporal.namespace });
    for (const key of SEARCH_ATTRIBUTES) expect(Object.keys(response.customAttributes)).toContain(key.name);
  });

  it('skips a 30-day timer on the Java time-skipping server', async () => {
    const path = temporalBinaries().testServer;
    expect(path).toBeDefined();
    const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: path! } } });
    try {
      const taskQueue = uniqueTaskQueue('skip');
      const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities });
      const started = Date.now();
      const result = await worker.runUntil(env.client.workflow.execute(longTimerWorkflow, { taskQueue, workflowId: uniqueId('skip'), args: [30] }));
      expect(result).toBe('hello, after the long timer');
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      await env.teardown();
    }
  });
});
