// What every CLI end-to-end file needs: the shared dev server, an emulator lab and a worker with the
// product's real workflows and activities polling the lab's task queue, plus the env that points the
// CLI subprocess at them.
import { connectTestTemporal, type TestTemporal } from '../harness/temporal';
import { openLab, type Lab } from '../workflows/emulator-harness';

export interface CliLab {
  temporal: TestTemporal;
  lab: Lab;
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startCliLab(): Promise<CliLab> {
  const temporal = await connectTestTemporal();
  const lab = await openLab(temporal);
  const worker = await lab.worker();
  const running = worker.run();
  return {
    temporal,
    lab,
    env: { CPR_TEMPORAL_ADDRESS: temporal.address, CPR_TEMPORAL_NAMESPACE: temporal.namespace, CPR_TASK_QUEUE: lab.taskQueue },
    async stop() {
      worker.shutdown();
      await running;
      await lab.close();
      await temporal.close();
    },
  };
}
