// The product worker as operators run it (worker/run.ts for `cpr worker` and worker/main.ts, the dev stack): createWorker plus the
// observability layer: vendor-call metrics and logs through the client's onCall hook, activity log
// context interceptors, the metrics sink fed by the recovery workflow, and the webhook activities.
import { NativeConnection, bundleWorkflowCode } from '@temporalio/worker';
import type { TLSConfig } from '@temporalio/client';
import { createEcpClient, type EcpConfig } from '../activities/ecp';
import type { CustomChecks } from '../activities';
import { createWebhookActivities, type WebhookConfig } from '../activities/webhooks';
import { PinoTemporalLogger, activityLogInterceptors, logVendorCall, type PinoLogger } from './logging';
import { metricsSinks, type CprMetrics } from './metrics';
import type { WorkerConfig } from './config';
import { createWorker, type CreateWorkerOptions } from './create-worker';

export interface ObservedWorkerOptions {
  address: string;
  namespace: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  ecpConfig: EcpConfig;
  metrics: CprMetrics;
  logger: PinoLogger;
  webhooks?: WebhookConfig;
  taskQueue?: string;
  customChecks?: CustomChecks;
  /** Prebuilt workflow bundle (`npm run bundle`); otherwise bundled at start. */
  workflowBundlePath?: string;
  /** The rest of createWorker's tuning (rate limits, concurrency, grace time). */
  tuning?: Pick<CreateWorkerOptions, 'vendorQps' | 'maxConcurrentActivityTaskExecutions' | 'activityConcurrency' | 'shutdownGraceTime'>;
  /** Worker Deployment version (CPR_WORKER_VERSIONING=on); omitted: unversioned. */
  deployment?: CreateWorkerOptions['deployment'];
}

/** The parts of the options that come from the worker configuration (env / CPR_WORKER_CONFIG_FILE). */
export function optionsFromConfig(
  config: WorkerConfig,
): Pick<ObservedWorkerOptions, 'taskQueue' | 'customChecks' | 'workflowBundlePath' | 'tuning' | 'deployment'> {
  return {
    taskQueue: config.taskQueue,
    customChecks: config.customChecks,
    ...(config.workflowBundlePath ? { workflowBundlePath: config.workflowBundlePath } : {}),
    ...(config.workerVersioning === 'on' ? { deployment: { deploymentName: config.deploymentName, buildId: config.buildId } } : {}),
    tuning: {
      vendorQps: { default: config.vendorQps, perAction: config.vendorQpsPerAction },
      maxConcurrentActivityTaskExecutions: config.maxConcurrentActivityTaskExecutions,
      activityConcurrency: config.activityConcurrency,
      shutdownGraceTime: config.shutdownGraceTimeMs,
    },
  };
}

export interface ObservedWorker {
  /** Resolves when the worker stopped (after stop() or a fatal error). */
  done: Promise<void>;
  /** `deploymentName.buildId` of a versioned worker, for the start-up log. */
  deploymentVersion?: string;
  stop(): Promise<void>;
}

export async function startObservedWorker(options: ObservedWorkerOptions): Promise<ObservedWorker> {
  const connection = await NativeConnection.connect({
    address: options.address,
    ...(options.tls !== undefined ? { tls: options.tls } : {}),
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
  });
  const logCall = logVendorCall(options.logger.child({ component: 'vendor' }));
  const ecp = createEcpClient(options.ecpConfig, {
    onCall: (event) => {
      options.metrics.onVendorCall(event);
      logCall(event);
    },
  });
  const webhooks = createWebhookActivities(options.webhooks, { onDelivery: (result) => options.metrics.webhookDeliveries.inc({ result }) });
  let worker;
  try {
    // Bundled here so webpack's report goes to the log, not the operator's terminal.
    const workflowBundle = options.workflowBundlePath
      ? { codePath: options.workflowBundlePath }
      : await bundleWorkflowCode({
          workflowsPath: require.resolve('../workflows'),
          logger: new PinoTemporalLogger(options.logger.child({ component: 'bundler' }, { level: 'warn' })),
        });
    worker = await createWorker({
      workflowBundle,
      connection,
      namespace: options.namespace,
      ...(options.taskQueue ? { taskQueue: options.taskQueue } : {}),
      ecp,
      ...(options.customChecks ? { customChecks: options.customChecks } : {}),
      shutdownGraceTime: '10 seconds',
      ...options.tuning,
      sinks: metricsSinks(options.metrics),
      interceptors: { activity: [activityLogInterceptors] },
      webhooks,
      ...(options.deployment ? { deployment: options.deployment } : {}),
    });
  } catch (err) {
    await connection.close();
    throw err;
  }
  const done = worker.run().finally(() => connection.close());
  const version = worker.options.workerDeploymentOptions?.version;
  return {
    done,
    ...(version ? { deploymentVersion: `${version.deploymentName}.${version.buildId}` } : {}),
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
