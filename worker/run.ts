// The production worker process, whichever edge starts it (`cpr worker`, worker/main.ts): logging with
// secrets redacted, the Temporal runtime, the metrics servers, the observed worker, and an orderly stop
// on SIGTERM/SIGINT (stop polling, give running activities shutdownGraceTimeMs, close the metrics server).
// Each edge resolves the settings (flags, environment); only the log level still defaults to
// CPR_LOG_LEVEL inside createLogger (worker/logging.ts), and tracing reads the standard OTEL_* variables
// itself, as every OpenTelemetry SDK does (worker/tracing.ts).
import type { TLSConfig } from '@temporalio/client';
import { describeEcpConfig, type EcpConfig } from '../activities/ecp';
import type { WebhookConfig } from '../activities/webhooks';
import type { WorkerConfig } from './config';
import { activityLogInterceptors, createLogger, installTemporalRuntime, logBudgetEvents, logVendorCall, type PinoLogger } from './logging';
import { createMetrics, serveMetrics, type CprMetrics } from './metrics';
import { optionsFromConfig, startObservedWorker, type ObservedWorker } from './observed-worker';
import { startTracing } from './tracing';
import { waitForSignal } from './signals';
import { startRegionWorkers, type RegionLane } from './regions';

export interface WorkerProcessSettings {
  temporal: { address: string; namespace: string; tls?: TLSConfig | boolean; apiKey?: string };
  config: WorkerConfig;
  ecpConfig: EcpConfig;
  webhooks?: WebhookConfig;
  /** Interface and ports of the product and Temporal SDK metrics servers (0 = off). */
  metrics: { host: string; port: number; sdkPort: number };
  /** CPR_REGIONS_FILE (worker/regions.ts): one activity lane per region and account, besides the main queue. */
  regions?: RegionLane[];
  /** Values the logs must never show (credentials, tokens). */
  secrets: (string | undefined)[];
}

/** Environment variables whose values are secrets, for `secrets` (edges read them; this module does not). */
export const SECRET_VARIABLES = ['ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'ALIBABA_CLOUD_SECURITY_TOKEN', 'TEMPORAL_API_KEY', 'CPR_WEBHOOK_SECRET', 'CPR_API_TOKEN'] as const;

/**
 * Runs the worker until a signal (resolves 0) or until it stops by itself or fails (resolves 1).
 * The caller exits the process: the Temporal Runtime keeps native handles after everything of ours stopped.
 * Rejects before polling when the metrics port is taken (the error's code is EADDRINUSE) or Temporal is unreachable.
 */
export async function runWorkerProcess(settings: WorkerProcessSettings): Promise<number> {
  const { temporal, config, ecpConfig, webhooks, metrics: ports } = settings;
  const logger = createLogger({ secrets: settings.secrets });
  installTemporalRuntime({ logger, ...(ports.sdkPort ? { sdkMetricsBindAddress: `${ports.host}:${ports.sdkPort}` } : {}), shutdownSignals: [] });
  const metrics = createMetrics({ processMetrics: true });
  const tracing = startTracing();
  const metricsServer = ports.port ? await serveMetrics(metrics.registry, { port: ports.port, host: ports.host }) : undefined;
  try {
    const mainWorker = await startObservedWorker({
      ...temporal,
      ecpConfig,
      metrics,
      logger,
      ...(webhooks ? { webhooks } : {}),
      ...(tracing ? { tracing } : {}),
      ...optionsFromConfig(config),
    });
    const worker = settings.regions ? await withRegionLanes(mainWorker, settings, metrics, logger) : mainWorker;
    logger.info(
      {
        temporal: temporal.address,
        namespace: temporal.namespace,
        taskQueue: config.taskQueue,
        ecp: describeEcpConfig(ecpConfig),
        metrics: metricsServer?.url,
        sdkMetrics: ports.sdkPort ? `http://${ports.host}:${ports.sdkPort}/metrics` : undefined,
        webhooks: webhooks ? new URL(webhooks.url).host : undefined,
        tracing: tracing ? 'on' : 'off',
        deploymentVersion: worker.deploymentVersion,
      },
      `cpr worker polling task queue '${config.taskQueue}'`,
    );
    const signal = await Promise.race([
      waitForSignal(),
      worker.done.then(
        () => undefined,
        (err: unknown) => void logger.error({ err }, 'worker failed'),
      ),
    ]);
    if (signal) logger.info({ signal }, 'shutting down: finishing running activities');
    await worker.stop().catch((err: unknown) => logger.error({ err }, 'worker stopped with an error'));
    logger.info('cpr worker stopped');
    return signal ? 0 : 1;
  } finally {
    await metricsServer?.close();
    await tracing?.shutdown().catch((err: unknown) => logger.warn({ err }, 'trace export did not finish'));
  }
}

/** The main worker plus one activity worker per region lane, started and stopped together. */
async function withRegionLanes(
  main: ObservedWorker,
  settings: WorkerProcessSettings,
  metrics: CprMetrics,
  logger: PinoLogger,
): Promise<ObservedWorker> {
  const { temporal, config } = settings;
  const lanes = settings.regions ?? [];
  const logCall = logVendorCall(logger.child({ component: 'vendor' }));
  const regional = await startRegionWorkers({
    ...temporal,
    taskQueue: config.taskQueue,
    lanes,
    customChecks: config.customChecks,
    activityConcurrency: config.activityConcurrency,
    maxConcurrentActivityTaskExecutions: config.maxConcurrentActivityTaskExecutions,
    shutdownGraceTime: config.shutdownGraceTimeMs,
    interceptors: { activity: [activityLogInterceptors] },
    ecpHooks: { onCall: (event) => (metrics.onVendorCall(event), logCall(event)) },
    vendorBudget: config.vendorBudget,
    budget: logBudgetEvents(logger.child({ component: 'vendor-budget' })),
  }).catch(async (err: unknown) => {
    await main.stop();
    throw err;
  });
  logger.info({ lanes: lanes.map((l) => ({ lane: l.lane, ecp: describeEcpConfig(l.ecpConfig), vendorQps: l.vendorQps })) }, 'cpr worker serving region lanes');
  return {
    done: Promise.race([main.done, regional.done]),
    async stop() {
      await Promise.all([main.stop(), regional.stop()]);
    },
  };
}
