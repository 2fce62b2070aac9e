// `cpr worker`: the production worker (worker/run.ts) behind CLI flags. Temporal from --address/--namespace,
// CPR_TEMPORAL_* or the TEMPORAL_* environment conventions (TLS, API key); the Cloud Phone API from
// CPR_ECP_* with credentials from the Alibaba Cloud default chain (ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET,
// profile, RAM role); tuning from worker/config.ts (CPR_VENDOR_QPS, …). SIGTERM/SIGINT: stop polling, let
// running activities finish (CPR_SHUTDOWN_GRACE_MS), then exit 0.
import { loadEcpConfig } from '../../activities/ecp';
import { loadWebhookConfig } from '../../activities/webhooks';
import { loadWorkerConfig } from '../../worker/config';
import { runWorkerProcess, SECRET_VARIABLES } from '../../worker/run';
import { loadRegionLanes } from '../../worker/regions';
import type { CliContext } from './context';
import { CliError, EXIT } from './errors';

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
  const env = process.env;
  let config, ecpConfig, webhooks, regions;
  try {
    config = loadWorkerConfig({ ...env, CPR_TEMPORAL_ADDRESS: target.address, CPR_TEMPORAL_NAMESPACE: target.namespace, ...(ctx.taskQueue ? { CPR_TASK_QUEUE: ctx.taskQueue } : {}) });
    ecpConfig = loadEcpConfig(env);
    webhooks = loadWebhookConfig(env);
    regions = loadRegionLanes(env);
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err), EXIT.invalidInput);
  }
  let code: number;
  try {
    code = await runWorkerProcess({
      temporal: target,
      config,
      ecpConfig,
      ...(regions ? { regions } : {}),
      ...(webhooks ? { webhooks } : {}),
      metrics: { host: flags.metricsHost, port: metricsPort, sdkPort: sdkMetricsPort },
      secrets: SECRET_VARIABLES.map((name) => env[name]),
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new CliError(`port ${metricsPort} is already in use (--metrics-port / CPR_METRICS_PORT)`);
    throw err;
  }
  // The Temporal Runtime keeps native handles; everything of ours has stopped.
  process.exit(code === 0 ? EXIT.ok : EXIT.failed);
}

function portFlag(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d{1,5}$/.test(value) || n > 65535) throw new CliError(`${flag}: must be a port number (0 = off)`, EXIT.invalidInput);
  return n;
}
