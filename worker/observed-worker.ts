// The product worker as operators run it (worker/run.ts for `cpr worker` and worker/main.ts, the dev stack): createWorker plus the
// observability layer: vendor-call metrics and logs through the client's onCall hook, activity log
// context interceptors, the metrics sink fed by the recovery workflow (counted once the server confirms
// the report, worker/confirmed-counts.ts), per-phase gauges from visibility (worker/phase-census.ts),
// tracing when started (worker/tracing.ts), and the webhook activities.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { NativeConnection, bundleWorkflowCode, type InjectedSinks } from '@temporalio/worker';
import type { TLSConfig } from '@temporalio/client';
import { createEcpClient, type EcpConfig } from '../activities/ecp';
import { productBundleOptions } from './workflow-bundle';
import type { CustomChecks } from '../activities';
import { createWebhookActivities, type WebhookConfig } from '../activities/webhooks';
import { PinoTemporalLogger, activityLogInterceptors, logBudgetEvents, logVendorCall, type PinoLogger } from './logging';
import { metricsSinks, type CprMetrics } from './metrics';
import { createConfirmedCounts, type ConfirmedCounts } from './confirmed-counts';
import { DEFAULT_PHASE_CENSUS_REFRESH_MS, readPhaseCensus, registerPhaseGauges, type PhaseGauges } from './phase-census';
import { workerTracing, type Tracing } from './tracing';
import type { WorkerConfig } from './config';
import { createWorker, type CreateWorkerOptions, type SharedBudgetOptions } from './create-worker';
import { TASK_QUEUE } from '../workflows/types';

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
  /** The rest of createWorker's tuning (rate limits, concurrency, grace time, lease registry IDs). */
  tuning?: Pick<CreateWorkerOptions, 'vendorQps' | 'vendorBudget' | 'maxConcurrentActivityTaskExecutions' | 'activityConcurrency' | 'shutdownGraceTime' | 'leases'>;
  /** Tracing started in this process (startTracing); workflows, activities and vendor calls become spans. */
  tracing?: Tracing;
  /** Worker Deployment version (CPR_WORKER_VERSIONING=on); omitted: unversioned. */
  deployment?: CreateWorkerOptions['deployment'];
  /** How long one visibility census of the per-phase gauges is reused (worker/phase-census.ts); 0 = no gauges. Default 30 s. */
  phaseMetricsRefreshMs?: number;
}

/**
 * A worker identity unique to this process: the recovery counters compare it with the identity the
 * server recorded (worker/confirmed-counts.ts). The SDK default `pid@host` repeats across containers
 * (pid 1, shared host names), so a random suffix is added.
 */
export function uniqueWorkerIdentity(): string {
  return `${process.pid}@${hostname()}/${randomUUID().slice(0, 8)}`;
}

/** A class name of the OpenTelemetry workflow interceptors, present in a bundle built with them. */
const WORKFLOW_TRACING_MARK = 'OpenTelemetryInboundInterceptor';

/** Pending count confirmations get this long after the worker stopped, before the connection closes. */
const CONFIRMATION_GRACE_MS = 5_000;

/** The parts of the options that come from the worker configuration (env / CPR_WORKER_CONFIG_FILE). */
export function optionsFromConfig(
  config: WorkerConfig,
): Pick<ObservedWorkerOptions, 'taskQueue' | 'customChecks' | 'workflowBundlePath' | 'tuning' | 'deployment' | 'phaseMetricsRefreshMs'> {
  return {
    taskQueue: config.taskQueue,
    phaseMetricsRefreshMs: config.phaseMetricsRefreshS * 1000,
    customChecks: config.customChecks,
    ...(config.workflowBundlePath ? { workflowBundlePath: config.workflowBundlePath } : {}),
    ...(config.workerVersioning === 'on' ? { deployment: { deploymentName: config.deploymentName, buildId: config.buildId } } : {}),
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
  return { budgetKey: options.ecpConfig.regionId, ...logBudgetEvents(options.logger.child({ component: 'vendor-budget' })) };
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
  const identity = uniqueWorkerIdentity();
  const countsLog = options.logger.child({ component: 'metrics' });
  const counts = createConfirmedCounts({
    workflowService: connection.workflowService,
    namespace: options.namespace,
    identity,
    onStarted: () => options.metrics.recordStarted(),
    onFinished: (result) => options.metrics.recordResult(result),
    onError: (err, report) => countsLog.warn({ err, ...report }, 'recovery report not counted: history unreadable'),
  });
  const tracing = options.tracing ? workerTracing(options.tracing) : undefined;
  const phaseRefreshMs = options.phaseMetricsRefreshMs ?? DEFAULT_PHASE_CENSUS_REFRESH_MS;
  const census = { workflowService: connection.workflowService, namespace: options.namespace, taskQueue: options.taskQueue ?? TASK_QUEUE };
  const phaseGauges: PhaseGauges | undefined =
    phaseRefreshMs > 0
      ? registerPhaseGauges(options.metrics.registry, {
          read: () => readPhaseCensus(census),
          refreshMs: phaseRefreshMs,
          onError: (err) => countsLog.warn({ err }, 'per-phase gauges: visibility census failed'),
        })
      : undefined;
  let worker;
  try {
    if (tracing && options.workflowBundlePath && !(await readFile(options.workflowBundlePath, 'utf8')).includes(WORKFLOW_TRACING_MARK)) {
      options.logger.warn({ workflowBundle: options.workflowBundlePath }, 'tracing is on but the workflow bundle has no tracing interceptors (build it with `npm run bundle -- --tracing`): activities and vendor calls are traced, workflows are not');
    }
    // Bundled here so webpack's report goes to the log, not the operator's terminal.
    const workflowBundle = options.workflowBundlePath
      ? { codePath: options.workflowBundlePath }
      : await bundleWorkflowCode({
          ...productBundleOptions(),
          ...(tracing ? { workflowInterceptorModules: tracing.workflowInterceptorModules } : {}),
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
      identity,
      sinks: { ...metricsSinks(counts), ...(tracing ? tracing.sinks : NO_WORKFLOW_SPANS) },
      // The tracing interceptor first: the log context and vendor-call spans run inside the activity's span.
      interceptors: {
        activity: [...(tracing?.activityInterceptors ?? []), activityLogInterceptors],
        // Activities' own client calls (lease registry updates) continue the activity's trace.
        ...(tracing ? { client: { workflow: tracing.clientInterceptors } } : {}),
      },
      webhooks,
      ...(options.deployment ? { deployment: options.deployment } : {}),
    });
  } catch (err) {
    phaseGauges?.unregister();
    await connection.close();
    throw err;
  }
  const done = worker.run().finally(async () => {
    phaseGauges?.unregister();
    await settledWithin(counts, CONFIRMATION_GRACE_MS);
    await connection.close();
  });
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

/** A bundle built with tracing, run with tracing off: its workflow spans are dropped here, silently. */
const NO_WORKFLOW_SPANS = { exporter: { export: { fn: () => undefined, callDuringReplay: false } } } as unknown as InjectedSinks<Record<string, never>>;

function settledWithin(counts: ConfirmedCounts, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([counts.settled(), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() => clearTimeout(timer));
}
