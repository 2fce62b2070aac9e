// `tsx client/api/main.ts`: the HTTP API as a process. Configuration from the environment:
//   CPR_API_TOKEN and/or CPR_API_TOKENS_FILE (one is required unless CPR_API_ALLOW_NO_AUTH=1), CPR_API_SESSION_SECRET, CPR_API_PORT (8080), CPR_API_HOST (127.0.0.1),
//   CPR_API_TASK_QUEUE (cloudphone-recovery), CPR_API_LOG_LEVEL (info), CPR_API_CORS_ORIGINS (none),
//   CPR_TEMPORAL_ADDRESS / CPR_TEMPORAL_NAMESPACE over the temporal.toml profile and TEMPORAL_* variables.
import { connectClient, resolveTemporalTarget, type TemporalTarget } from '../cli/connection';
import { waitForSignal } from '../../worker/signals';
import { TASK_QUEUE } from '../../workflows/types';
import { authFromEnv, type ApiToken } from './api-tokens';
import { buildApi, createApiLogger, parseCorsOrigins } from './server';
import { startTracing } from '../../worker/tracing';

type Env = Record<string, string | undefined>;

export interface ApiConfig {
  token?: string;
  tokens?: ApiToken[];
  sessionSecret?: string;
  allowNoAuth: boolean;
  port: number;
  host: string;
  taskQueue: string;
  logLevel: string;
  /** Browser origins allowed to call the API (CORS); empty = CORS off. */
  corsOrigins: string[];
}

export function loadApiConfig(env: Env): ApiConfig {
  const allowNoAuth = env.CPR_API_ALLOW_NO_AUTH === '1';
  const token = env.CPR_API_TOKEN?.trim() || undefined;
  const auth = authFromEnv(env);
  if (!token && !auth.tokens && !allowNoAuth) throw new Error('CPR_API_TOKEN or CPR_API_TOKENS_FILE is required (set CPR_API_ALLOW_NO_AUTH=1 only for local development)');
  if (token && token.length < 16) throw new Error('CPR_API_TOKEN must be at least 16 characters');
  const portText = env.CPR_API_PORT ?? '8080';
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65535) throw new Error(`CPR_API_PORT must be a port number, got "${portText}"`);
  const host = env.CPR_API_HOST ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:\-[\]]{1,255}$/.test(host)) throw new Error(`CPR_API_HOST must be a host name or IP address, got "${host}"`);
  const taskQueue = env.CPR_API_TASK_QUEUE ?? TASK_QUEUE;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(taskQueue)) throw new Error('CPR_API_TASK_QUEUE must be a task queue name');
  const logLevel = env.CPR_API_LOG_LEVEL ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) throw new Error('CPR_API_LOG_LEVEL must be a pino level');
  const corsOrigins = parseCorsOrigins(env.CPR_API_CORS_ORIGINS);
  return { ...(token ? { token } : {}), ...auth, allowNoAuth, port, host, taskQueue, logLevel, corsOrigins };
}

/** Why the API could not listen, in words an operator can act on (the port and host name their settings). */
export class ApiListenError extends Error {
  override readonly name = 'ApiListenError';
}

/**
 * The HTTP API as a process, whichever edge starts it (`cpr api`, this file): serves until SIGINT/SIGTERM,
 * then closes the server and the Temporal connection. Each edge resolves the configuration and the target.
 */
export async function serveApi(config: ApiConfig, target: TemporalTarget): Promise<void> {
  // Off unless the standard OTEL_* variables ask for it (worker/tracing.ts); requests become root spans.
  const tracing = startTracing();
  const { client, close } = await connectClient(target);
  const logger = createApiLogger({ level: config.logLevel });
  const app = await buildApi({ client, ...(config.token ? { token: config.token } : {}), tokens: config.tokens, sessionSecret: config.sessionSecret, allowNoAuth: config.allowNoAuth, taskQueue: config.taskQueue, logger, corsOrigins: config.corsOrigins });
  if (!config.token && !config.tokens) logger.warn('serving WITHOUT authentication (CPR_API_ALLOW_NO_AUTH=1): local development only');

  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    await close();
    const code = (err as { code?: string }).code;
    if (code === 'EADDRINUSE') throw new ApiListenError(`port ${config.port} on ${config.host} is already in use (--port / CPR_API_PORT)`);
    if (code === 'EACCES') throw new ApiListenError(`not allowed to listen on ${config.host}:${config.port}; use a port above 1024`);
    if (code === 'EADDRNOTAVAIL') throw new ApiListenError(`${config.host} is not an address of this machine (--host / CPR_API_HOST)`);
    throw err;
  }
  logger.info({ temporal: target.address, namespace: target.namespace, taskQueue: config.taskQueue }, `cpr api listening on http://${config.host}:${config.port}; console http://${config.host}:${config.port}/console/`);
  const signal = await waitForSignal();
  logger.info({ signal }, 'shutting down');
  await app.close();
  await close();
  await tracing?.shutdown();
}

async function main(): Promise<void> {
  await serveApi(loadApiConfig(process.env), resolveTemporalTarget({}, process.env));
  process.exit(0);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`cpr-api: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
