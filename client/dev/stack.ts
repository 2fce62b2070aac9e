// `npm start` / `cpr dev`: the whole product on one machine. A Temporal dev server (SQLite file in the
// data dir, Web UI on, search attributes registered), the Cloud Phone API emulator with the demo fleet
// as a child process, a worker and the HTTP API in this process; then one demo recovery with live
// progress, and serving until Ctrl-C, when everything is stopped in reverse order.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import pino from 'pino';
import { SEARCH_ATTRIBUTES } from '../../workflows/types';
import { isListening, startDevServer, type RunningDevServer } from './dev-server';
import { EMULATOR_MAIN, spawnTs, stopChild } from './child';
import { chooseDemoRecovery, fetchEmulatorState, type DemoRecovery } from './demo';
import { createLogger, installTemporalRuntime, type PinoLogger } from '../../worker/logging';
import { createMetrics, serveMetrics } from '../../worker/metrics';
import { startObservedWorker, type ObservedWorker } from '../../worker/observed-worker';
import { loadEcpConfig } from '../../activities/ecp';
import { loadWebhookConfig } from '../../activities/webhooks';
import { connectClient, type ConnectedClient } from '../cli/connection';
import { CliError, EXIT } from '../cli/errors';
import { followRecovery } from '../cli/progress';
import { renderRecovery } from '../cli/render';
import { parseInput, startRecovery, type RecoveryView } from '../service';
import { recoverAppInputSchema } from '../../workflows/input';
import { authFromEnv } from '../api/api-tokens';
import { buildApi, createApiLogger } from '../api/server';

export interface StackPorts {
  temporalPort: number;
  uiPort: number;
  emulatorPort: number;
  apiPort: number;
  metricsPort: number;
  sdkMetricsPort: number;
}

export interface StackOptions extends StackPorts {
  dataDir: string;
  /** Emulator real ms per emulated ms: 0.05 turns a 30 s vendor task into 1.5 s. */
  timeScale: number;
  demo: boolean;
  exitAfterDemo: boolean;
  apiToken?: string;
  out?: NodeJS.WriteStream;
  host?: string;
}

/** Which flag sets each port, for the one-line busy-port error. */
export const PORT_FLAGS: Record<keyof StackPorts, string> = {
  temporalPort: '--temporal-port',
  uiPort: '--ui-port',
  emulatorPort: '--emulator-port',
  apiPort: '--api-port',
  metricsPort: '--metrics-port',
  sdkMetricsPort: '--sdk-metrics-port',
};

export const DEFAULT_PORTS: StackPorts = { temporalPort: 7233, uiPort: 8233, emulatorPort: 18080, apiPort: 8080, metricsPort: 9464, sdkMetricsPort: 9465 };

type Cleanup = { name: string; run: () => Promise<void> };

/** Runs the stack; resolves with the process exit code once everything has stopped. */
export async function runDevStack(options: StackOptions): Promise<number> {
  const out = options.out ?? process.stdout;
  const host = options.host ?? '127.0.0.1';
  const say = (line = ''): void => void out.write(`${line}\n`);
  await checkPorts(options, host);

  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const logFile = join(dataDir, 'cpr-dev.log');
  const apiToken = options.apiToken ?? (process.env.CPR_API_TOKEN?.trim() || undefined);
  const generatedToken = apiToken ? undefined : randomBytes(24).toString('base64url');
  const token = apiToken ?? generatedToken!;
  const emulatorKeys = { accessKeyId: `dev-${randomBytes(6).toString('hex')}`, accessKeySecret: randomBytes(24).toString('base64url') };
  const logger = createLogger({
    destination: pino.destination({ dest: logFile, sync: true, mkdir: true }),
    secrets: [token, emulatorKeys.accessKeySecret],
    base: { stack: 'dev' },
  });

  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!stop.signal.aborted) say(`\n${signal} received: shutting down…`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const removeHandlers = (): void => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };

  const cleanups: Cleanup[] = [];
  let exitCode: number = EXIT.ok;
  try {
    // Before any worker or native connection: SDK logs into pino, SDK metrics on their own port.
    installTemporalRuntime({ logger, sdkMetricsBindAddress: `${host}:${options.sdkMetricsPort}`, shutdownSignals: [] });

    say('starting Temporal dev server…');
    const temporal: RunningDevServer = await startDevServer({
      port: options.temporalPort,
      ip: host,
      uiPort: options.uiPort,
      dbFilename: join(dataDir, 'temporal.db'),
      searchAttributes: SEARCH_ATTRIBUTES,
      detached: true,
    });
    cleanups.push({ name: 'Temporal dev server', run: () => temporal.stop() });
    abortIfStopped(stop.signal);

    say('starting Cloud Phone API emulator (demo fleet)…');
    const emulator = await startEmulatorChild(options.emulatorPort, host, options.timeScale, emulatorKeys);
    cleanups.push({ name: 'emulator', run: () => stopChild(emulator.child) });
    abortIfStopped(stop.signal);

    const metrics = createMetrics({ processMetrics: true });
    const metricsServer = await serveMetrics(metrics.registry, { port: options.metricsPort, host });
    cleanups.push({ name: 'metrics server', run: () => metricsServer.close() });

    say('starting worker…');
    const webhooks = loadWebhookConfig(process.env);
    const worker: ObservedWorker = await startObservedWorker({
      address: temporal.address,
      namespace: temporal.namespace,
      ecpConfig: loadEcpConfig({ CPR_ECP_ENDPOINT: emulator.endpoint, CPR_ECP_PROTOCOL: 'http' }, { credentials: emulatorKeys }),
      metrics,
      logger,
      ...(webhooks ? { webhooks } : {}),
    });
    cleanups.push({ name: 'worker', run: () => worker.stop() });
    abortIfStopped(stop.signal);

    const connected: ConnectedClient = await connectClient({ address: temporal.address, namespace: temporal.namespace });
    cleanups.push({ name: 'Temporal client', run: () => connected.close() });
    const api = await buildApi({ client: connected.client, token, ...authFromEnv(process.env), logger: createApiLogger({ destination: pino.destination({ dest: logFile, sync: true }) }) });
    await api.listen({ port: options.apiPort, host });
    cleanups.push({ name: 'HTTP API', run: () => api.close() });

    const relPath = relative(process.cwd(), dataDir);
    const rel = relPath === '' ? '.' : relPath.startsWith('..') ? dataDir : relPath;
    say();
    say('cloudphone-recovery dev stack is up');
    say(`  Temporal gRPC     ${temporal.address}  (namespace ${temporal.namespace}, data ${join(rel, 'temporal.db')})`);
    say(`  Temporal Web UI   ${temporal.uiUrl}`);
    say(`  Emulator          ${emulator.url}  (state: ${emulator.url}/__emulator/state)`);
    say(`  HTTP API          http://${host}:${options.apiPort}  (OpenAPI: http://${host}:${options.apiPort}/openapi.json)`);
    say(`  Console           http://${host}:${options.apiPort}/console/  (sign in with the API token)`);
    say(generatedToken ? `  API token         ${generatedToken}  (generated; set CPR_API_TOKEN to choose one)` : '  API token         from CPR_API_TOKEN');
    say(`  Metrics           ${metricsServer.url}  (product)  http://${host}:${options.sdkMetricsPort}/metrics  (Temporal SDK)`);
    say(`  Logs              ${join(rel, 'cpr-dev.log')}`);
    say(`  CLI               CPR_TEMPORAL_ADDRESS=${temporal.address} npx cpr list`);
    say();

    if (options.demo && !stop.signal.aborted) {
      const final = await runDemo(connected, emulator.url, stop.signal, say, out);
      if (options.exitAfterDemo) {
        const c = final?.result?.counts;
        exitCode = c && c.total > 0 && c.verified === c.total ? EXIT.ok : EXIT.failed;
        stop.abort();
      }
    } else if (options.exitAfterDemo) stop.abort();

    if (!stop.signal.aborted) {
      say('serving; press Ctrl-C to stop');
      await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
    }
  } catch (err) {
    if (!(err instanceof StoppedError)) {
      await shutdown(cleanups, logger, () => undefined);
      removeHandlers();
      throw err;
    }
  }
  // Handlers stay until everything stopped: a terminal's Ctrl-C arrives more than once (directly and
  // relayed by the launchers), and a repeat must not kill the process halfway through the shutdown.
  await shutdown(cleanups, logger, say);
  removeHandlers();
  say('stopped cleanly');
  return exitCode;
}

class StoppedError extends Error {}

function abortIfStopped(signal: AbortSignal): void {
  if (signal.aborted) throw new StoppedError('stopped during start-up');
}

async function shutdown(cleanups: Cleanup[], logger: PinoLogger, say: (line: string) => void): Promise<void> {
  for (const c of cleanups.reverse()) {
    try {
      await c.run();
      say(`  stopped ${c.name}`);
    } catch (err) {
      logger.warn({ err }, `stopping ${c.name} failed`);
      say(`  stopping ${c.name} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  cleanups.length = 0;
}

async function checkPorts(options: StackPorts, host: string): Promise<void> {
  const seen = new Map<number, string>();
  for (const key of Object.keys(PORT_FLAGS) as (keyof StackPorts)[]) {
    const port = options[key];
    const flag = PORT_FLAGS[key];
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new CliError(`${flag}: must be a port number from 1 to 65535`, EXIT.invalidInput);
    const other = seen.get(port);
    if (other) throw new CliError(`${flag} and ${other} are both ${port}; give each a different port`, EXIT.invalidInput);
    seen.set(port, flag);
  }
  for (const key of Object.keys(PORT_FLAGS) as (keyof StackPorts)[]) {
    if (await isListening(host, options[key])) {
      throw new CliError(`port ${options[key]} is already in use (${PORT_FLAGS[key]}); stop what uses it or pass ${PORT_FLAGS[key]} <free port>`, EXIT.failed);
    }
  }
}

interface EmulatorChild {
  child: ChildProcess;
  url: string;
  endpoint: string;
}

async function startEmulatorChild(port: number, host: string, timeScale: number, keys: { accessKeyId: string; accessKeySecret: string }): Promise<EmulatorChild> {
  const child = spawnTs(
    EMULATOR_MAIN,
    ['--port', String(port), '--host', host, '--seed', 'demo', '--time-scale', String(timeScale), '--access-key-id', keys.accessKeyId, '--access-key-secret', keys.accessKeySecret],
    { stdio: 'pipe', detached: true },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const deadline = Date.now() + 30_000;
  while (!(await isListening(host, port))) {
    if (exitCode !== undefined) throw new CliError(`emulator exited with code ${exitCode}: ${stderr.trim().split('\n')[0] ?? ''}`);
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new CliError(`emulator did not listen on ${host}:${port} within 30 s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // Keep draining its output so a chatty emulator never blocks on a full pipe.
  child.stdout?.resume();
  return { child, url: `http://${host}:${port}`, endpoint: `${host}:${port}` };
}

async function runDemo(
  connected: ConnectedClient,
  emulatorUrl: string,
  signal: AbortSignal,
  say: (line?: string) => void,
  out: NodeJS.WriteStream,
): Promise<RecoveryView | undefined> {
  let demo: DemoRecovery;
  try {
    demo = chooseDemoRecovery(await fetchEmulatorState(emulatorUrl));
  } catch (err) {
    say(`demo skipped: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
  const started = await startRecovery(connected.client, parseInput(recoverAppInputSchema, demo.input));
  say(`demo recovery ${started.workflowId}: ${demo.description}`);
  const final = await followRecovery(connected.client, started.workflowId, { out, intervalMs: 300, signal });
  if (!final) {
    say(`demo recovery ${started.workflowId} still running (stopped following)`);
    return undefined;
  }
  say();
  say(renderRecovery(final));
  say();
  const r = final.result;
  const backups = r?.backups.map((b) => `${b.backupFileId} ${b.released ? 'released' : `kept (${b.keptBecause ?? 'unknown'})`}`).join(', ');
  say(
    r
      ? `demo recovery finished: ${r.outcome} — ${r.counts.verified}/${r.counts.total} verified; backup ${backups} (cpr status ${final.workflowId})`
      : `demo recovery finished: ${final.status}${final.failure ? ` — ${final.failure.message}` : ''}`,
  );
  return final;
}
