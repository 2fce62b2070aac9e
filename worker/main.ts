// `node dist/worker/main.js` (or `tsx worker/main.ts`): the production worker configured only from the
// environment, for containers and process managers; `cpr worker` is the same worker behind CLI flags.
// SIGTERM/SIGINT stop polling, give running activities shutdownGraceTimeMs to finish, then exit 0;
// workflows resume on another worker.
import { describeEcpConfig, loadEcpConfig } from '../activities/ecp';
import { loadWebhookConfig } from '../activities/webhooks';
import { loadWorkerConfig } from './config';
import { createLogger, installTemporalRuntime } from './logging';
import { createMetrics, serveMetrics } from './metrics';
import { optionsFromConfig, startObservedWorker } from './observed-worker';

async function main(): Promise<number> {
  const env = process.env;
  const config = loadWorkerConfig(env);
  const ecpConfig = loadEcpConfig(env);
  const webhooks = loadWebhookConfig(env);
  const logger = createLogger({
    secrets: [env.ALIBABA_CLOUD_ACCESS_KEY_SECRET, env.ALIBABA_CLOUD_SECURITY_TOKEN, env.TEMPORAL_API_KEY, env.CPR_WEBHOOK_SECRET, env.CPR_API_TOKEN],
  });
  const metricsHost = env.CPR_METRICS_HOST ?? '0.0.0.0';
  const sdkMetricsPort = Number(env.CPR_SDK_METRICS_PORT ?? 0);
  installTemporalRuntime({ logger, ...(sdkMetricsPort ? { sdkMetricsBindAddress: `${metricsHost}:${sdkMetricsPort}` } : {}), shutdownSignals: [] });
  const metrics = createMetrics({ processMetrics: true });
  const metricsPort = Number(env.CPR_METRICS_PORT ?? 0);
  const metricsServer = metricsPort ? await serveMetrics(metrics.registry, { port: metricsPort, host: metricsHost }) : undefined;

  const worker = await startObservedWorker({
    address: config.temporalAddress,
    namespace: config.namespace,
    ecpConfig,
    metrics,
    logger,
    ...(webhooks ? { webhooks } : {}),
    ...optionsFromConfig(config),
  });
  logger.info(
    { temporal: config.temporalAddress, namespace: config.namespace, ecp: describeEcpConfig(ecpConfig), metrics: metricsServer?.url },
    `cpr worker polling task queue '${config.taskQueue}'`,
  );
  const signal = await Promise.race([
    new Promise<string>((resolve) => ['SIGTERM', 'SIGINT'].forEach((s) => process.once(s, () => resolve(s)))),
    worker.done.then(() => undefined),
  ]);
  if (signal) logger.info({ signal }, 'shutting down: finishing running activities');
  await worker.stop().catch((err: unknown) => logger.error({ err }, 'worker stopped with an error'));
  await metricsServer?.close();
  logger.info('cpr worker stopped');
  return signal ? 0 : 1;
}

main().then(
  // The Temporal Runtime keeps native handles after everything of ours has stopped.
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
