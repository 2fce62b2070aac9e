import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import type { EmulatorConfig } from './config';
import type { OutageRequest } from './outage';
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, startEmulator, type RunningEmulator } from './server';
import type { EmulatorSeed } from './seed';

export interface MainOutput {
  log(line: string): void;
  error(line: string): void;
}

const consoleOutput: MainOutput = {
  log: (line) => process.stdout.write(`${line}\n`),
  error: (line) => process.stderr.write(`${line}\n`),
};

const number =
  (name: string) =>
  (value: string): number => {
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < 0) throw new InvalidArgumentError(`${name} must be a non-negative number`);
    return parsed;
  };

const integer =
  (name: string) =>
  (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed)) throw new InvalidArgumentError(`${name} must be an integer`);
    return parsed;
  };

const oneOf =
  <T extends string>(name: string, values: readonly T[]) =>
  (value: string): T => {
    if (!(values as readonly string[]).includes(value)) throw new InvalidArgumentError(`${name} must be one of ${values.join(', ')}`);
    return value as T;
  };

interface CliOptions {
  port: number;
  host: string;
  seed: string;
  accessKeyId: string;
  accessKeySecret: string;
  timeScale?: number;
  qps?: number;
  freshnessCheck: boolean;
  throttleStatus?: number;
  dialect?: EmulatorConfig['dialect'];
  dialectSeed?: number;
  clockSkewMs?: number;
  outageAtMs?: number;
  outageDurationMs?: number;
  outageMode: OutageRequest['mode'];
  stateFile?: string;
}

function buildProgram(): Command {
  return new Command()
    .name('cloud-phone-emulator')
    .description('Local emulator of the Alibaba Cloud Cloud Phone API (eds-aic 2023-09-30)')
    .option('--port <n>', 'port to listen on (0 = any free port)', number('--port'), 18080)
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--seed <file|demo>', 'fleet to load: a JSON seed file or the built-in demo', 'demo')
    .option('--access-key-id <id>', 'AccessKey ID clients must sign with', DEFAULT_ACCESS_KEY_ID)
    .option('--access-key-secret <secret>', 'AccessKey secret clients must sign with', DEFAULT_ACCESS_KEY_SECRET)
    .option('--time-scale <x>', 'real ms per emulated ms (0.001 = a 60 s task takes 60 ms)', number('--time-scale'))
    .option('--qps <n>', 'requests per second per action per AccessKey (0 = unlimited)', number('--qps'))
    .option('--no-freshness-check', 'accept stale x-acs-date/Timestamp and reused nonces')
    .option('--throttle-status <400|429>', 'HTTP status of Throttling.User replies', (value: string) => {
      if (value !== '400' && value !== '429') throw new InvalidArgumentError('--throttle-status must be 400 or 429');
      return Number(value);
    })
    .option(
      '--dialect <familiar|unfamiliar>',
      'unfamiliar: unknown error/task codes and state variants',
      oneOf('--dialect', ['familiar', 'unfamiliar'] as const),
    )
    .option('--dialect-seed <n>', 'picks the unfamiliar names; same seed, same dialect', integer('--dialect-seed'))
    .option(
      '--clock-skew-ms <ms>',
      "shift the emulator's clock as clients see it (Date header, signature freshness)",
      integer('--clock-skew-ms'),
    )
    .option('--outage-at-ms <ms>', 'start a vendor outage this many real ms after start', number('--outage-at-ms'))
    .option('--outage-duration-ms <ms>', 'length of that outage in real ms (default 60000)', number('--outage-duration-ms'))
    .option(
      '--outage-mode <5xx|refuse>',
      'that outage: 503 ServiceUnavailable, or the port refuses connections',
      oneOf('--outage-mode', ['5xx', 'refuse'] as const),
      '5xx',
    )
    .option('--state-file <path>', 'keep the state in this file: loaded at start if present, saved every second and on exit')
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
}

function loadSeed(seed: string): EmulatorSeed | 'demo' {
  if (seed === 'demo') return 'demo';
  return JSON.parse(readFileSync(seed, 'utf8')) as EmulatorSeed;
}

/**
 * Runs the emulator until SIGINT/SIGTERM. Returns the running emulator, or undefined after printing one
 * error line and setting `process.exitCode = 1` (busy port, bad seed, bad option).
 */
export async function main(argv: readonly string[], output: MainOutput = consoleOutput): Promise<RunningEmulator | undefined> {
  let options: CliOptions;
  try {
    options = buildProgram()
      .parse([...argv], { from: 'user' })
      .opts<CliOptions>();
  } catch (error) {
    const exitCode = (error as { exitCode?: number }).exitCode ?? 1;
    process.exitCode = exitCode; // --help exits 0, bad options 1; commander already printed why
    return undefined;
  }
  const config: Partial<EmulatorConfig> = { checkFreshness: options.freshnessCheck };
  if (options.timeScale !== undefined) config.timeScale = options.timeScale;
  if (options.qps !== undefined) config.qpsPerAction = options.qps;
  if (options.throttleStatus === 400 || options.throttleStatus === 429) config.throttleStatus = options.throttleStatus;
  if (options.dialect !== undefined) config.dialect = options.dialect;
  if (options.dialectSeed !== undefined) config.dialectSeed = options.dialectSeed;
  if (options.clockSkewMs !== undefined) config.clockSkewMs = options.clockSkewMs;

  let emulator: RunningEmulator;
  try {
    emulator = await startEmulator({
      host: options.host,
      port: options.port,
      seed: loadSeed(options.seed),
      accessKeyId: options.accessKeyId,
      accessKeySecret: options.accessKeySecret,
      config,
      stateFile: options.stateFile,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    output.error(
      code === 'EADDRINUSE'
        ? `Error: port ${options.port} on ${options.host} is already in use`
        : `Error: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exitCode = 1;
    return undefined;
  }
  output.log(`Cloud Phone API emulator listening on ${emulator.url} (access key id ${options.accessKeyId})`);
  const outageTimer =
    options.outageAtMs === undefined
      ? undefined
      : setTimeout(() => {
          const outage = emulator.startOutage({ mode: options.outageMode, durationMs: options.outageDurationMs ?? 60_000 });
          output.log(`Vendor outage (${outage.mode}) until ${outage.endsAt}`);
        }, options.outageAtMs);
  const shutdown = (): void => {
    process.off('SIGINT', shutdown);
    process.off('SIGTERM', shutdown);
    clearTimeout(outageTimer);
    void emulator.close();
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  const close = emulator.close.bind(emulator);
  return {
    ...emulator,
    close: async () => {
      process.off('SIGINT', shutdown);
      process.off('SIGTERM', shutdown);
      clearTimeout(outageTimer);
      await close();
    },
  };
}

if (require.main === module) {
  void main(process.argv.slice(2));
}
