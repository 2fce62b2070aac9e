// The library entry must bundle into another team's workflow bundle: no Node built-ins, no
// @temporalio/client|worker|activity. The bundler refuses those, as the negative control shows.
import { join } from 'node:path';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { connectTestTemporal, uniqueId, uniqueTaskQueue } from '../harness/temporal';

const noop = (): void => undefined;
const logger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };

describe('library entry point', () => {
  it('bundles index.ts itself and a consumer workflow that imports it, and the consumer runs', async () => {
    const direct = await bundleWorkflowCode({ workflowsPath: join(__dirname, '..', '..', 'index.ts'), logger });
    expect(direct.code).toContain('bulkMigration');
    const consumer = await bundleWorkflowCode({ workflowsPath: join(__dirname, 'fixtures', 'consumer-workflows.ts'), logger });

    const temporal = await connectTestTemporal();
    try {
      const taskQueue = uniqueTaskQueue('consumer');
      const worker = await Worker.create({ connection: temporal.nativeConnection, namespace: temporal.namespace, taskQueue, workflowBundle: consumer });
      const out = await worker.runUntil(temporal.client.workflow.execute('libraryConsumer', { taskQueue, workflowId: uniqueId('consumer'), args: [] }));
      expect(out).toBe('cloudphone-recovery:bulkMigration:migrationProgress:50');
    } finally {
      await temporal.close();
    }
  });

  it('refuses a workflow file that drags the client in (the check above can fail)', async () => {
    await expect(bundleWorkflowCode({ workflowsPath: join(__dirname, 'fixtures', 'leaky-workflows.ts'), logger })).rejects.toThrow(/disallowed modules:\n\s+- '@temporalio\/client'/);
  });
});
