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
import { createWorker, type CreateWorkerOptions, type SharedBudgetOptions } from './create-worker';

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
  tuning?: Pick<CreateWorkerOptions, 'vendorQps' | 'vendorBudget' | 'maxConcurrentActivityTaskExecutions' | 'activityConcurrency' | 'shutdownGraceTime'>;
}

/** The parts of the options that come from the worker configuration (env / CPR_WORKER_CONFIG_FILE). */
export function optionsFromConfig(config: WorkerConfig): Pick<ObservedWorkerOptions, 'taskQueue' | 'customChecks' | 'workflowBundlePath' | 'tuning'> {
  return {
    taskQueue: config.taskQueue,
    customChecks: config.customChecks,
    ...(config.workflowBundlePath ? { workflowBundlePath: config.workflowBundlePath } : {}),
    tuning: {
      vendorQps: { default: config.vendorQps, perAction: config.vendorQpsPerAction },
      vendorBudget: config.vendorBudget,
      maxConcurrentActivityTaskExecutions: config.maxConcurrentActivityTaskExecutions,
      activityConcurrency: config.activityConcurrency,
      shutdownGraceTime: config.shutdownGraceTimeMs,
    },
  };
}

function sharedBudget(options: ObservedWorkerOptions): SharedBudgetOptions {
  const log = options.logger.child({ component: 'vendor-budget' });
  return {
    budgetKey: options.ecpConfig.regionId,
    onGrant: (event) =>
      event.kind === 'fallback'
        ? log.warn({ grants: event.grants }, 'vendor budget lease expired without renewal: running at the fallback share')
        : log.debug({ grants: event.grants, members: event.members }, 'vendor budget share granted'),
    onError: (err) => log.warn({ err }, 'vendor budget renewal failed'),
  };
}

export interface ObservedWorker {
  /** Resolves when the worker stopped (after stop() or a fatal error). */
  done: Promise<void>;
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
      // The account's limit belongs to its region: one budget per task queue and region.
      ...(options.tuning?.vendorBudget === 'shared' ? { vendorBudget: sharedBudget(options) } : {}),
      sinks: metricsSinks(options.metrics),
      interceptors: { activity: [activityLogInterceptors] },
      webhooks,
    });
  } catch (err) {
    await connection.close();
    throw err;
  }
  const done = worker.run().finally(() => connection.close());
  return {
    done,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
