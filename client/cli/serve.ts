// Long-running entry points: `cpr worker`, `cpr api`, `cpr emulator`.
import { buildApi, createApiLogger } from '../api/server';
import { loadApiConfig } from '../api/main';
import { EMULATOR_MAIN, forwardSignalsUntilExit, spawnTs } from '../dev/child';
import type { CliContext } from './context';
import { connectClient } from './connection';
import { CliError, EXIT } from './errors';

/** The emulator is its own program: run it as a child (never imported), passing flags and signals through. */
export async function emulatorCommand(args: string[]): Promise<number> {
  const child = spawnTs(EMULATOR_MAIN, args, { stdio: 'inherit' });
  return forwardSignalsUntilExit(child);
}

export async function apiCommand(flags: { port: string; host: string }, ctx: CliContext): Promise<number> {
  let config;
  try {
    config = loadApiConfig({ ...process.env, CPR_API_PORT: flags.port, CPR_API_HOST: flags.host, ...(ctx.taskQueue ? { CPR_API_TASK_QUEUE: ctx.taskQueue } : {}) });
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err), EXIT.invalidInput);
  }
  const target = ctx.target();
  const { client, close } = await connectClient(target);
  const logger = createApiLogger({ level: config.logLevel });
  const app = await buildApi({ client, ...(config.token ? { token: config.token } : {}), tokens: config.tokens, sessionSecret: config.sessionSecret, allowNoAuth: config.allowNoAuth, taskQueue: config.taskQueue, logger });
  if (!config.token && !config.tokens) logger.warn('serving WITHOUT authentication (CPR_API_ALLOW_NO_AUTH=1): local development only');
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    await close();
    if ((err as { code?: string }).code === 'EADDRINUSE') throw new CliError(`port ${config.port} on ${config.host} is already in use (--port / CPR_API_PORT)`);
    throw err;
  }
  process.stderr.write(`cpr api listening on http://${config.host}:${config.port} (Temporal ${target.address}, namespace ${target.namespace}); console http://${config.host}:${config.port}/console/\n`);
  await waitForSignal();
  await app.close();
  await close();
  return EXIT.ok;
}

/**
 * Resolves on the first SIGINT/SIGTERM and keeps absorbing later ones: a terminal's Ctrl-C reaches the
 * process more than once (directly and relayed by the launchers), and a repeat must not kill it while
 * it shuts down in order.
 */
export function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let first: NodeJS.Signals | undefined;
    const on = (signal: NodeJS.Signals): void => {
      if (first) return;
      first = signal;
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

export { workerCommand } from './worker';
