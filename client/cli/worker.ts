// `cpr worker`: the production worker. Temporal from --address/--namespace, CPR_TEMPORAL_* or the
// TEMPORAL_* environment conventions (TLS, API key); the Cloud Phone API from CPR_ECP_* with
// credentials from the Alibaba Cloud default chain (ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET, profile, RAM
// role); tuning from worker/config.ts (CPR_VENDOR_QPS, …). SIGTERM/SIGINT: stop polling, let running
// activities finish (CPR_SHUTDOWN_GRACE_MS), then exit 0.
import { loadEcpConfig, describeEcpConfig } from '../../activities/ecp';
import { loadWebhookConfig } from '../../activities/webhooks';
import { createLogger, installTemporalRuntime } from '../../worker/logging';
import { createMetrics, serveMetrics, type MetricsServer } from '../../worker/metrics';
import { loadWorkerConfig } from '../../worker';
import { optionsFromConfig, startObservedWorker } from '../../worker/observed-worker';
import type { CliContext } from './context';
import { CliError, EXIT } from './errors';
import { waitForSignal } from './serve';

export interface WorkerFlags {
  metricsPort: string;
  sdkMetricsPort: string;
  metricsHost: string;
}

export async function workerCommand(flags: WorkerFlags, ctx: CliContext): Promise<number> {
  const metricsPort = portFlag(flags.metricsPort, '--metrics-port');
  const sdkMetricsPort = portFlag(flags.sdkMetricsPort, '--sdk-metrics-port');
  if (metricsPort !== 0 && metricsPort === sdkMetricsPort) throw new CliError('--metrics-port and --sdk-metrics-port must differ', EXIT.invalidInput);
  const target = ctx.target();
  let config, ecpConfig, webhooks;
  try {
    config = loadWorkerConfig({ ...process.env, CPR_TEMPORAL_ADDRESS: target.address, CPR_TEMPORAL_NAMESPACE: target.namespace, ...(ctx.taskQueue ? { CPR_TASK_QUEUE: ctx.taskQueue } : {}) });
    ecpConfig = loadEcpConfig(process.env);
    webhooks = loadWebhookConfig(process.env);
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err), EXIT.invalidInput);
  }
  const env = process.env;
  const logger = createLogger({
    secrets: [env.ALIBABA_CLOUD_ACCESS_KEY_SECRET, env.ALIBABA_CLOUD_SECURITY_TOKEN, env.TEMPORAL_API_KEY, env.CPR_WEBHOOK_SECRET, env.CPR_API_TOKEN],
  });
  installTemporalRuntime({
    logger,
    ...(sdkMetricsPort ? { sdkMetricsBindAddress: `${flags.metricsHost}:${sdkMetricsPort}` } : {}),
    shutdownSignals: [],
  });
  const metrics = createMetrics({ processMetrics: true });
  let metricsServer: MetricsServer | undefined;
  if (metricsPort) {
    try {
      metricsServer = await serveMetrics(metrics.registry, { port: metricsPort, host: flags.metricsHost });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new CliError(`port ${metricsPort} is already in use (--metrics-port / CPR_METRICS_PORT)`);
      throw err;
    }
  }
  const worker = await startObservedWorker({
    address: target.address,
    namespace: target.namespace,
    ...(target.tls !== undefined ? { tls: target.tls } : {}),
    ...(target.apiKey ? { apiKey: target.apiKey } : {}),
    ecpConfig,
    metrics,
    logger,
    ...(webhooks ? { webhooks } : {}),
    ...optionsFromConfig(config),
  });
  logger.info(
    {
      temporal: target.address,
      namespace: target.namespace,
      taskQueue: config.taskQueue,
      ecp: describeEcpConfig(ecpConfig),
      metrics: metricsServer?.url,
      sdkMetrics: sdkMetricsPort ? `http://${flags.metricsHost}:${sdkMetricsPort}/metrics` : undefined,
      webhooks: webhooks ? new URL(webhooks.url).host : undefined,
    },
    'cpr worker polling',
  );
  const stopped = await Promise.race([waitForSignal().then((s) => ({ signal: s })), worker.done.then(
      () => ({ signal: undefined }),
      (err: unknown) => {
        logger.error({ err }, 'worker failed');
        return { signal: undefined };
      },
    )]);
  if (stopped.signal) logger.info({ signal: stopped.signal }, 'shutting down: finishing running activities');
  try {
    await worker.stop().catch(() => undefined);
  } finally {
    await metricsServer?.close();
  }
  logger.info('cpr worker stopped');
  // The Temporal Runtime keeps native handles; everything of ours has stopped.
  process.exit(stopped.signal ? EXIT.ok : EXIT.failed);
}

function portFlag(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d{1,5}$/.test(value) || n > 65535) throw new CliError(`${flag}: must be a port number (0 = off)`, EXIT.invalidInput);
  return n;
}
