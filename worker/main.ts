// `node dist/worker/main.js` (or `tsx worker/main.ts`): the production worker configured only from the
// environment, for containers and process managers; `cpr worker` runs the same worker (worker/run.ts)
// behind CLI flags. SIGTERM/SIGINT stop polling, give running activities shutdownGraceTimeMs to finish,
// then exit 0; workflows resume on another worker.
import { loadEcpConfig } from '../activities/ecp';
import { loadWebhookConfig } from '../activities/webhooks';
import { DEFAULT_TEMPORAL_ADDRESS, resolveTemporalTarget } from '../client/cli/connection';
import { loadWorkerConfig } from './config';
import { runWorkerProcess, SECRET_VARIABLES } from './run';
import { loadRegionLanes } from './regions';

async function main(): Promise<number> {
  const env = process.env;
  const config = loadWorkerConfig(env);
  const webhooks = loadWebhookConfig(env);
  // The worker's own settings (CPR_TEMPORAL_*, its config file) win; otherwise the temporal.toml profile
  // and the TEMPORAL_* variables (address, namespace, API key, TLS), as for the CLI and the API.
  const temporal = resolveTemporalTarget(
    {
      ...(config.temporalAddress !== DEFAULT_TEMPORAL_ADDRESS ? { address: config.temporalAddress } : {}),
      ...(config.namespace !== 'default' ? { namespace: config.namespace } : {}),
    },
    env,
  );
  return runWorkerProcess({
    temporal,
    config,
    ecpConfig: loadEcpConfig(env),
    regions: loadRegionLanes(env),
    ...(webhooks ? { webhooks } : {}),
    metrics: { host: env.CPR_METRICS_HOST ?? '0.0.0.0', port: Number(env.CPR_METRICS_PORT ?? 0), sdkPort: Number(env.CPR_SDK_METRICS_PORT ?? 0) },
    secrets: SECRET_VARIABLES.map((name) => env[name]),
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
