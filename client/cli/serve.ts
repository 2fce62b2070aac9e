// Long-running entry points: `cpr api`, `cpr emulator` (`cpr worker` is worker.ts).
import { ApiListenError, loadApiConfig, serveApi } from '../api/main';
import { EMULATOR_MAIN, forwardSignalsUntilExit, spawnTs } from '../dev/child';
import type { CliContext } from './context';
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
  try {
    await serveApi(config, ctx.target());
  } catch (err) {
    if (err instanceof ApiListenError) throw new CliError(err.message);
    throw err;
  }
  return EXIT.ok;
}
