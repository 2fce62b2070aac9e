// The benchmark and chaos harness: every moving part in its own process, as in production. A Temporal
// dev server on a SQLite file in a temp dir (restartable on the same file), the Cloud Phone API emulator
// (`emulator/main.ts`), and the worker (`worker/main.ts`, restartable and SIGKILL-able). The Temporal
// client lives in the harness process. CPU seconds and peak RSS are read from /proc, so what we report
// is what the kernel charged to each process, not what it says about itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { freePort, isListening, startDevServer, type RunningDevServer } from '../client/dev/dev-server';
import { EmulatorAdmin } from '../emulator/admin-client';
import { SEARCH_ATTRIBUTES } from '../workflows/types';

export const PROJECT_ROOT = join(__dirname, '..');
const CLK_TCK = 100; // USER_HZ on Linux; /proc/<pid>/stat times are in these ticks

export interface ProcessUsage {
  /** user + system CPU seconds charged to the process so far. */
  cpuSeconds: number;
  /** VmHWM: the kernel's peak resident set, in MB. */
  peakRssMb: number;
  /** VmRSS now, in MB. */
  rssMb: number;
}

/** Reads one live process's CPU time and memory; undefined once it has exited. */
export function readUsage(pid: number | undefined): ProcessUsage | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime (14) + stime (15)
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    return { cpuSeconds: ticks / CLK_TCK, peakRssMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
  } catch {
    return undefined;
  }
}

/**
 * Usage of one role (worker, dev server) across restarts: CPU seconds add up over every incarnation,
 * peak RSS is the highest any incarnation reached. Sampled periodically because /proc vanishes with
 * the process (a SIGKILLed worker cannot be read afterwards; we keep its last sample).
 */
export class UsageTracker {
  private finishedCpu = 0;
  private peakRss = 0;
  private steadyPeakRss = 0;
  private last: ProcessUsage | undefined;
  private pid: number | undefined;
  private steadyFrom = Number.POSITIVE_INFINITY;

  attach(pid: number | undefined): void {
    this.detach();
    this.pid = pid;
    this.steadyFrom = Number.POSITIVE_INFINITY;
  }

  /** From now on RSS samples also count as steady-state (after start-up work such as bundling). */
  markSteady(): void {
    this.steadyFrom = Date.now();
  }

  detach(): void {
    this.sample();
    if (this.last) this.finishedCpu += this.last.cpuSeconds;
    this.last = undefined;
    this.pid = undefined;
  }

  sample(): void {
    const usage = readUsage(this.pid);
    if (!usage) return;
    this.last = usage;
    this.peakRss = Math.max(this.peakRss, usage.peakRssMb);
    if (Date.now() >= this.steadyFrom) this.steadyPeakRss = Math.max(this.steadyPeakRss, usage.rssMb);
  }

  totals(): { cpuSeconds: number; peakRssMb: number; steadyPeakRssMb: number } {
    this.sample();
    return { cpuSeconds: this.finishedCpu + (this.last?.cpuSeconds ?? 0), peakRssMb: this.peakRss, steadyPeakRssMb: this.steadyPeakRss };
  }
}

/** `node --import tsx <script>`: one process (no tsx wrapper), so its PID is the program's own. */
/** TypeScript runs through the tsx loader; compiled JavaScript (the production worker) runs on plain node. */
function spawnTs(script: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const loader = script.endsWith('.js') ? [] : ['--import', 'tsx'];
  return spawn(process.execPath, [...loader, isAbsolute(script) ? script : join(PROJECT_ROOT, script), ...args], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function runToCompletion(what: string, child: ChildProcess): Promise<void> {
  const output = tail(child);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${what} failed: ${output()}`);
}

function tail(child: ChildProcess, keep = 4000): () => string {
  let text = '';
  const add = (chunk: Buffer): void => {
    text = (text + chunk.toString()).slice(-keep);
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return () => text;
}

function teeTo(child: ChildProcess, file: string): void {
  const out = createWriteStream(file, { flags: 'a' });
  child.stdout?.on('data', (chunk: Buffer) => out.write(chunk));
  child.stderr?.on('data', (chunk: Buffer) => out.write(chunk));
  child.once('exit', () => out.end());
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}): ${output().trim()}`);
    if (Date.now() > deadline) throw new Error(`${what} not ready within ${timeoutMs} ms: ${output().trim()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export interface StackOptions {
  /** Emulator real ms per emulated ms. */
  timeScale: number;
  /** Emulator token bucket per action (real requests/s); the worker's limiter is given the same numbers. */
  qps: number;
  qpsPerAction?: Record<string, number>;
  /** Worker tuning (environment of worker/main.ts). */
  worker?: { maxConcurrentActivities?: number; activityConcurrency?: number; extraEnv?: Record<string, string> };
  /** Dev-server dynamic config and flags. */
  temporalExtraArgs?: string[];
  /** Worker program and arguments (default `worker/main.ts`; `client/cli/main.ts worker` adds logging and webhooks). */
  workerCommand?: [script: string, ...args: string[]];
  /** Emulator start flags: its dialect (seeded), and a state file that survives a restart of its process. */
  emulator?: { dialect?: 'familiar' | 'unfamiliar'; dialectSeed?: number; keepStateAcrossRestarts?: boolean };
  /** Restart the worker whenever it exits on its own, as a process manager would (default on). */
  superviseWorker?: boolean;
  /** Keep the temp dir (SQLite file, logs) for inspection. */
  keepDir?: boolean;
  log?: (line: string) => void;
}

/** The running stack; every process is owned (and stopped) by this object. */
export class BenchStack {
  readonly dir: string;
  readonly dbFile: string;
  readonly accessKeyId = `bench${randomBytes(4).toString('hex')}`;
  readonly accessKeySecret = randomBytes(18).toString('base64url');
  readonly workerUsage = new UsageTracker();
  readonly temporalUsage = new UsageTracker();
  readonly emulatorUsage = new UsageTracker();
  temporalPort = 0;
  temporal?: RunningDevServer;
  connection?: Connection;
  client!: Client;
  emulatorChild?: ChildProcess;
  emulatorUrl = '';
  emulatorEndpoint = '';
  admin!: EmulatorAdmin;
  worker?: ChildProcess;
  workerOutput: () => string = () => '';
  /** Worker processes beyond the first (addWorker). */
  readonly extraWorkers: { child: ChildProcess; usage: UsageTracker; output: () => string }[] = [];
  workerStarts = 0;
  /** Times the worker exited by itself (not stopped or killed by the harness) and was started again. */
  workerCrashes = 0;
  temporalStarts = 0;
  emulatorStarts = 0;
  emulatorPort = 0;
  private sampler?: NodeJS.Timeout;
  private closing = false;

  constructor(readonly options: StackOptions) {
    this.dir = mkdtempSync(join(tmpdir(), 'cpr-bench-'));
    this.dbFile = join(this.dir, 'temporal.db');
  }

  get address(): string {
    return `127.0.0.1:${this.temporalPort}`;
  }

  private say(line: string): void {
    this.options.log?.(line);
  }

  async start(): Promise<void> {
    this.sampler = setInterval(() => {
      this.workerUsage.sample();
      this.temporalUsage.sample();
      this.emulatorUsage.sample();
      for (const w of this.extraWorkers) w.usage.sample();
    }, 250);
    this.sampler.unref();
    this.temporalPort = await freePort();
    await this.startTemporal();
    this.connection = await Connection.connect({ address: this.address });
    this.client = new Client({ connection: this.connection, namespace: 'default' });
    await this.startEmulator();
    await this.bundleWorkflows();
    await this.startWorker();
  }

  /**
   * The worker runs as in production: compiled JavaScript (no tsx loader) and a prebuilt workflow bundle,
   * both built here in their own processes so neither tsc nor webpack counts in the worker's RSS.
   */
  private async bundleWorkflows(): Promise<void> {
    await runToCompletion('tsc build', spawnTs(require.resolve('typescript/lib/tsc.js'), ['-p', 'tsconfig.build.json', '--outDir', this.buildDir, '--incremental', '--tsBuildInfoFile', join(this.buildDir, '.tsbuildinfo')], process.env));
    await runToCompletion('workflow bundling', spawnTs('scripts/bundle-workflows.ts', [this.bundleFile], process.env));
  }

  /** The project's own dist/ (`npm run build`): compiled code must resolve the project's node_modules. */
  get buildDir(): string {
    return join(PROJECT_ROOT, 'dist');
  }

  get bundleFile(): string {
    return join(this.dir, 'workflow-bundle.js');
  }

  async startTemporal(): Promise<void> {
    this.temporal = await startDevServer({
      port: this.temporalPort,
      dbFilename: this.dbFile,
      searchAttributes: SEARCH_ATTRIBUTES,
      extraArgs: [
        '--dynamic-config-value', 'history.defaultWorkflowTaskTimeout="30s"',
        ...(this.options.temporalExtraArgs ?? []),
      ],
      startTimeoutMs: 90_000,
    });
    this.temporalStarts++;
    this.temporalUsage.attach(this.temporal.process.pid);
    this.say(`temporal dev server on ${this.address} (db ${this.dbFile})`);
  }

  /** Stops the dev server (SIGTERM) and starts it again on the same port and database file. */
  async restartTemporal(downMs = 0): Promise<void> {
    this.temporalUsage.detach();
    await this.temporal?.stop();
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.startTemporal();
  }

  get emulatorStateFile(): string {
    return join(this.dir, 'emulator-state.json');
  }

  private async startEmulator(): Promise<void> {
    this.emulatorPort ||= await freePort();
    const port = this.emulatorPort;
    const emulator = this.options.emulator ?? {};
    const args = [
      '--port', String(port),
      '--seed', 'demo',
      '--time-scale', String(this.options.timeScale),
      '--qps', String(this.options.qps),
      '--access-key-id', this.accessKeyId,
      '--access-key-secret', this.accessKeySecret,
      ...(emulator.dialect ? ['--dialect', emulator.dialect] : []),
      ...(emulator.dialectSeed !== undefined ? ['--dialect-seed', String(emulator.dialectSeed)] : []),
      ...(emulator.keepStateAcrossRestarts ? ['--state-file', this.emulatorStateFile] : []),
    ];
    const child = spawnTs('emulator/main.ts', args, process.env);
    const output = tail(child);
    await waitFor('emulator', () => isListening('127.0.0.1', port), child, output, 60_000);
    this.emulatorChild = child;
    this.emulatorStarts++;
    this.emulatorUsage.attach(child.pid);
    this.emulatorUrl = `http://127.0.0.1:${port}`;
    this.emulatorEndpoint = `127.0.0.1:${port}`;
    this.admin = new EmulatorAdmin(this.emulatorUrl);
    if (this.options.qpsPerAction && this.emulatorStarts === 1) await this.admin.patchConfig({ qpsOverrides: this.options.qpsPerAction });
    this.say(`emulator on ${this.emulatorUrl}`);
  }

  /**
   * Restarts the emulator process on the same port: SIGTERM (it writes its state file and drops every
   * open connection, so calls in flight see a reset), down for `downMs`, then started again from the
   * state file.
   */
  async restartEmulator(downMs = 0): Promise<void> {
    if (!this.options.emulator?.keepStateAcrossRestarts) throw new Error('restartEmulator needs emulator.keepStateAcrossRestarts');
    await this.stopEmulator();
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.startEmulator();
  }

  private async stopEmulator(): Promise<void> {
    const emulator = this.emulatorChild;
    if (!emulator) return;
    this.emulatorUsage.detach();
    emulator.kill('SIGTERM');
    const timer = setTimeout(() => emulator.kill('SIGKILL'), 5_000);
    await exited(emulator);
    clearTimeout(timer);
    this.emulatorChild = undefined;
  }

  /** Every vendor call fails (503, or the connection is refused) for `durationMs`; the emulator recovers by itself. */
  async vendorOutage(durationMs: number, mode: '5xx' | 'refuse'): Promise<void> {
    await this.admin.startOutage({ durationMs, mode });
  }

  /** CPR_VENDOR_QPS text: the worker paces itself with the limits the vendor enforces. */
  vendorQpsSpec(): string {
    const parts = [String(this.options.qps > 0 ? this.options.qps : 1000)];
    for (const [action, qps] of Object.entries(this.options.qpsPerAction ?? {})) parts.push(`${action}=${qps > 0 ? qps : 1000}`);
    return parts.join(',');
  }

  workerEnv(): NodeJS.ProcessEnv {
    const w = this.options.worker ?? {};
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CPR_TEMPORAL_ADDRESS: this.address,
      CPR_ECP_ENDPOINT: this.emulatorEndpoint,
      CPR_ECP_PROTOCOL: 'http',
      ALIBABA_CLOUD_ACCESS_KEY_ID: this.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: this.accessKeySecret,
      CPR_VENDOR_QPS: this.vendorQpsSpec(),
      CPR_SHUTDOWN_GRACE_MS: '0',
      CPR_WORKFLOW_BUNDLE: this.bundleFile,
      // The README's production setting: a small young generation keeps RSS down at no CPU cost measured here.
      NODE_OPTIONS: [process.env.NODE_OPTIONS, '--max-semi-space-size=2'].filter(Boolean).join(' '),
      ...w.extraEnv,
    };
    if (w.maxConcurrentActivities !== undefined) env.CPR_MAX_CONCURRENT_ACTIVITIES = String(w.maxConcurrentActivities);
    if (w.activityConcurrency !== undefined) env.CPR_ACTIVITY_CONCURRENCY = String(w.activityConcurrency);
    return env;
  }

  /** Starts worker/main.ts and waits until it polls (it prints one line when it does). */
  async startWorker(): Promise<void> {
    const [script, ...args] = this.options.workerCommand ?? [join(this.buildDir, 'worker', 'main.js')];
    const child = spawnTs(script, args, this.workerEnv());
    this.worker = child;
    this.workerOutput = tail(child, 20_000);
    // Everything the worker printed, for a run that needs more than the last 20 kB to be understood.
    if (process.env.CPR_BENCH_WORKER_LOG) teeTo(child, process.env.CPR_BENCH_WORKER_LOG);
    this.workerUsage.attach(child.pid);
    await waitFor('worker', () => /cpr worker polling/.test(this.workerOutput()), child, this.workerOutput, 120_000);
    this.workerUsage.markSteady();
    this.workerStarts++;
    this.say(`worker pid ${child.pid} polling`);
    if (this.options.superviseWorker !== false) child.once('exit', (code, signal) => this.onWorkerExit(child, code, signal));
  }

  /** A worker that exits without the harness asking (a fatal worker error) is started again, like a process manager would. */
  private onWorkerExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.worker !== child || this.closing) return; // stopped or killed on purpose
    this.worker = undefined;
    this.workerUsage.detach();
    this.workerCrashes++;
    this.say(`worker pid ${child.pid} exited by itself (${code ?? signal}): ${this.workerOutput().slice(-600).trim()}; starting it again`);
    const again = (): void => {
      if (this.closing) return;
      this.startWorker().catch((err: unknown) => {
        this.say(`worker restart failed: ${err instanceof Error ? err.message : String(err)}; retrying in 2 s`);
        setTimeout(again, 2_000);
      });
    };
    again();
  }

  /** SIGKILL: no shutdown hooks, no heartbeats flushed, activities abandoned mid-call. */
  async killWorker(): Promise<void> {
    const child = this.worker;
    if (!child) return;
    this.worker = undefined;
    this.workerUsage.sample();
    child.kill('SIGKILL');
    await exited(child);
    this.workerUsage.detach();
    this.say(`worker pid ${child.pid} SIGKILLed`);
  }

  async stopWorker(): Promise<void> {
    const child = this.worker;
    if (!child) return;
    this.worker = undefined;
    this.workerUsage.sample();
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited(child);
    clearTimeout(timer);
    this.workerUsage.detach();
  }

  /**
   * One more worker process on the same task queue, with the same program and environment as the first
   * (`npm run bench -- --workers 3`): every worker of a deployment shares one vendor budget.
   */
  async addWorker(): Promise<void> {
    const [script, ...args] = this.options.workerCommand ?? [join(this.buildDir, 'worker', 'main.js')];
    const child = spawnTs(script, args, this.workerEnv());
    const output = tail(child, 20_000);
    const usage = new UsageTracker();
    usage.attach(child.pid);
    this.extraWorkers.push({ child, usage, output });
    // Each added worker's output goes to a file of its own beside the first worker's.
    if (process.env.CPR_BENCH_WORKER_LOG) teeTo(child, `${process.env.CPR_BENCH_WORKER_LOG}.${this.extraWorkers.length + 1}`);
    await waitFor('worker', () => /cpr worker polling/.test(output()), child, output, 120_000);
    usage.markSteady();
    this.say(`worker pid ${child.pid} polling (${this.liveWorkers()} workers)`);
  }

  /** SIGKILLs one added worker (the first one still running), or the first worker when none was added. */
  async killOneWorker(): Promise<void> {
    const extra = this.extraWorkers.find((w) => w.child.exitCode === null && w.child.signalCode === null);
    if (!extra) return this.killWorker();
    extra.usage.sample();
    extra.child.kill('SIGKILL');
    await exited(extra.child);
    extra.usage.detach();
    this.say(`worker pid ${extra.child.pid} SIGKILLed (${this.liveWorkers()} workers)`);
  }

  liveWorkers(): number {
    const alive = (c: ChildProcess | undefined): boolean => c !== undefined && c.exitCode === null && c.signalCode === null;
    return (alive(this.worker) ? 1 : 0) + this.extraWorkers.filter((w) => alive(w.child)).length;
  }

  /** CPU seconds of every worker process added together; the highest peak RSS any of them reached. */
  allWorkersUsage(): { cpuSeconds: number; peakRssMb: number } {
    const all = [this.workerUsage.totals(), ...this.extraWorkers.map((w) => w.usage.totals())];
    return { cpuSeconds: all.reduce((n, u) => n + u.cpuSeconds, 0), peakRssMb: Math.max(...all.map((u) => u.peakRssMb)) };
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.sampler) clearInterval(this.sampler);
    for (const { child, usage } of this.extraWorkers) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      usage.sample();
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited(child);
      clearTimeout(timer);
      usage.detach();
    }
    await this.stopWorker().catch(() => undefined);
    await this.connection?.close().catch(() => undefined);
    this.temporalUsage.detach();
    await this.temporal?.stop().catch(() => undefined);
    await this.stopEmulator().catch(() => undefined);
    if (!this.options.keepDir) rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function startStack(options: StackOptions): Promise<BenchStack> {
  const stack = new BenchStack(options);
  try {
    await stack.start();
  } catch (err) {
    await stack.close();
    throw err;
  }
  return stack;
}
