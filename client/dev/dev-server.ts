// Runs `temporal server start-dev` as a child process. We spawn it ourselves (instead of the SDK's
// ephemeral server) to get a start-up window longer than the SDK's fixed 5 s, which flakes on busy CI.
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import type { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';

type SearchAttributeKey = ReturnType<typeof defineSearchAttributeKey<SearchAttributeType>>;
import { requireTemporalCli } from './temporal-binaries';
import { killGroupOnExit } from './child';

export interface DevServerOptions {
  port: number;
  ip?: string;
  namespace?: string;
  /** SQLite file; omit for in-memory. */
  dbFilename?: string;
  /** Web UI port; omit for headless. */
  uiPort?: number;
  searchAttributes?: SearchAttributeKey[];
  extraArgs?: string[];
  startTimeoutMs?: number;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /**
   * Own process group: a terminal's Ctrl-C then reaches only the parent, which stops the server in
   * order (after its workers). The parent must stop it; it is also killed when the parent exits.
   */
  detached?: boolean;
}

export interface RunningDevServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const SA_TYPE_FLAG: Record<string, string> = {
  KEYWORD: 'Keyword',
  KEYWORD_LIST: 'KeywordList',
  INT: 'Int',
  TEXT: 'Text',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
};

export async function startDevServer(options: DevServerOptions): Promise<RunningDevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const namespace = options.namespace ?? 'default';
  if (await isListening(ip, options.port)) throw new Error(`port ${options.port} on ${ip} is already in use (Temporal frontend)`);
  if (options.uiPort !== undefined && (await isListening(ip, options.uiPort))) {
    throw new Error(`port ${options.uiPort} on ${ip} is already in use (Temporal Web UI)`);
  }
  const args = [
    'server', 'start-dev',
    '--ip', ip,
    '--port', String(options.port),
    '--namespace', namespace,
    '--log-format', 'pretty',
    '--log-level', options.logLevel ?? 'error',
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true',
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
    '--dynamic-config-value', 'frontend.workerVersioningWorkflowAPIs=true',
    // Worker Deployments (docs/versioning.md). On by default in CLI 1.9.1 (Server 1.32); stated so a
    // versioned worker keeps working if that default changes.
    '--dynamic-config-value', 'system.enableDeploymentVersions=true',
    '--dynamic-config-value', 'system.forceSearchAttributesCacheRefreshOnRead=true',
    ...(options.dbFilename ? ['--db-filename', options.dbFilename] : []),
    ...(options.uiPort !== undefined ? ['--ui-port', String(options.uiPort)] : ['--headless']),
    ...(options.searchAttributes ?? []).flatMap((key) => ['--search-attribute', `${key.name}=${SA_TYPE_FLAG[key.type] ?? key.type}`]),
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(requireTemporalCli(), args, { stdio: ['ignore', 'ignore', 'pipe'], detached: options.detached === true });
  if (options.detached) killGroupOnExit(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  while (!(await isListening(ip, options.port))) {
    if (exitCode !== undefined) throw new Error(`temporal dev server exited with code ${exitCode}: ${stderr.trim()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`temporal dev server did not listen on ${ip}:${options.port} within ${options.startTimeoutMs ?? 60_000} ms: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    address: `${ip}:${options.port}`,
    namespace,
    uiUrl: options.uiPort !== undefined ? `http://${ip}:${options.uiPort}` : undefined,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function isListening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
