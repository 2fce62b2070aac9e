// `tsx worker/main.ts`: one worker against CPR_TEMPORAL_ADDRESS. SIGTERM/SIGINT stop polling, give
// running activities shutdownGraceTimeMs to finish, then exit; workflows resume on another worker.
import { NativeConnection } from '@temporalio/worker';
import { loadEcpConfig } from '../activities/ecp';
import { loadWorkerConfig } from './config';
import { createWorker } from './create-worker';

async function main(): Promise<void> {
  const config = loadWorkerConfig(process.env);
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  try {
    const worker = await createWorker({
      connection,
      namespace: config.namespace,
      taskQueue: config.taskQueue,
      ecp: loadEcpConfig(process.env),
      customChecks: config.customChecks,
      vendorQps: { default: config.vendorQps, perAction: config.vendorQpsPerAction },
      maxConcurrentActivityTaskExecutions: config.maxConcurrentActivityTaskExecutions,
      activityConcurrency: config.activityConcurrency,
      shutdownGraceTime: config.shutdownGraceTimeMs,
      workflowBundlePath: config.workflowBundlePath,
    });
    // The SDK runtime turns SIGINT/SIGTERM/SIGQUIT/SIGUSR2 into worker.shutdown(); run() then resolves.
    console.log(`cpr worker polling task queue '${config.taskQueue}' on ${config.temporalAddress} (namespace ${config.namespace})`);
    await worker.run();
    console.log('cpr worker stopped');
  } finally {
    await connection.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
