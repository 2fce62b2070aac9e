// `cpr dev` (= npm start) as an operator runs it: free ports, a temporary data dir, the demo recovery
// to a verified result, Ctrl-C, a clean exit with every port released; then a second start on the same
// data dir still knows the first demo (the SQLite file is reused).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, isListening } from '../../client/dev/dev-server';
import { CLI_MAIN, runCli } from './run-cli';

jest.setTimeout(90_000);

interface Ports {
  temporal: number;
  ui: number;
  emulator: number;
  api: number;
  metrics: number;
  sdkMetrics: number;
}

async function freePorts(): Promise<Ports> {
  const ports = new Set<number>();
  while (ports.size < 6) ports.add(await freePort());
  const [temporal, ui, emulator, api, metrics, sdkMetrics] = [...ports] as [number, number, number, number, number, number];
  return { temporal, ui, emulator, api, metrics, sdkMetrics };
}

function portArgs(p: Ports): string[] {
  return ['--temporal-port', `${p.temporal}`, '--ui-port', `${p.ui}`, '--emulator-port', `${p.emulator}`, '--api-port', `${p.api}`, '--metrics-port', `${p.metrics}`, '--sdk-metrics-port', `${p.sdkMetrics}`];
}

class DevProcess {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<number | null>;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [require.resolve('tsx/cli'), CLI_MAIN, 'dev', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CPR_API_TOKEN: '', CPR_LOG_LEVEL: 'debug' } });
    this.child.stdout!.on('data', (c: Buffer) => (this.output += c.toString()));
    this.child.stderr!.on('data', (c: Buffer) => (this.output += c.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /**
   * After a failed assertion: Ctrl-C first, so the stack stops the dev server, emulator and worker it
   * started (a SIGKILL of tsx would leave them running), then SIGKILL if it has not ended in 20 s.
   */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([this.exited.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 20_000)))]);
    clearTimeout(timer);
    if (!ended) this.child.kill('SIGKILL');
  }

  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.output.match(pattern);
      if (m) return m;
      if (this.child.exitCode !== null) throw new Error(`cpr dev exited (${this.child.exitCode}) before ${pattern}:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

it('starts the stack, runs the demo to verified, serves, and stops cleanly on Ctrl-C', async () => {
  const ports = await freePorts();
  const dataDir = mkdtempSync(join(tmpdir(), 'cpr-dev-'));
  const dev = new DevProcess([...portArgs(ports), '--data-dir', dataDir]);
  let again: DevProcess | undefined;
  try {
    const done = await dev.waitFor(/demo recovery finished: (\w+) — (\d+)\/(\d+) verified; backup (bf-\S+) released \(cpr status (\S+)\)/);
    expect(done[1]).toBe('succeeded');
    expect(done[2]).toBe(done[3]);
    await dev.waitFor(/serving; press Ctrl-C to stop/);
    const out = dev.output;
    expect(out).toContain(`Temporal gRPC     127.0.0.1:${ports.temporal}`);
    expect(out).toContain(`Temporal Web UI   http://127.0.0.1:${ports.ui}`);
    expect(out).toContain(`Emulator          http://127.0.0.1:${ports.emulator}`);
    expect(out).toContain(`HTTP API          http://127.0.0.1:${ports.api}`);
    expect(out).toContain(`http://127.0.0.1:${ports.metrics}/metrics`);
    expect(out).toContain(`http://127.0.0.1:${ports.sdkMetrics}/metrics`);
    const token = out.match(/API token\s+(\S+)\s+\(generated/)![1]!;
    // Followed live: the follower prints the phases it sees (it looks every 500 ms, so a phase shorter
    // than that may pass unseen) and each target's status as it changes.
    expect(out).toMatch(/phase: (poll|verify|release)/);
    expect(out).toMatch(/acp-demotarget\d+\s+verified/);
    expect(out).toMatch(/progress \[#+\]/);
    expect(existsSync(join(dataDir, 'temporal.db'))).toBe(true);

    // The served parts answer while it runs: API with the printed token, product metrics, Web UI.
    const workflowId = done[5]!;
    const api = await fetch(`http://127.0.0.1:${ports.api}/v1/recoveries/${encodeURIComponent(workflowId)}`, { headers: { authorization: `Bearer ${token}` } });
    expect(api.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${ports.metrics}/metrics`)).text();
    expect(metrics).toMatch(/cpr_vendor_api_calls_total\{action="RecoverApp",outcome="ok"\} [1-9]/);
    expect((await fetch(`http://127.0.0.1:${ports.ui}/`)).status).toBe(200);

    dev.child.kill('SIGINT');
    expect(await dev.exited).toBe(0);
    expect(dev.output).toContain('stopped cleanly');
    for (const port of Object.values(ports)) expect(await isListening('127.0.0.1', port)).toBe(false);

    // Structured logs: vendor calls carry the workflow, activity, instances and vendor request ID; the token never appears.
    const log = readFileSync(join(dataDir, 'cpr-dev.log'), 'utf8');
    expect(log).not.toContain(token);
    const recoverCall = log
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.vendorAction === 'RecoverApp');
    expect(recoverCall).toMatchObject({ workflowId, activityType: 'submitRecoveries', outcome: 'ok' });
    expect(recoverCall!.requestId).toEqual(expect.any(String));
    expect((recoverCall!.instanceIds as string[]).length).toBeGreaterThan(0);

    // Second start on the same data dir: the first demo's recovery is still there.
    again = new DevProcess([...portArgs(ports), '--data-dir', dataDir, '--no-demo']);
    await again.waitFor(/serving; press Ctrl-C to stop/);
    const listed = await runCli(['list', '--output', 'json'], { CPR_TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}` });
    expect(JSON.parse(listed.stdout).map((r: { workflowId: string }) => r.workflowId)).toContain(workflowId);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  } finally {
    await dev.stop();
    await again?.stop();
  }
});

it('refuses a busy port with one line naming the port and the flag', async () => {
  const ports = await freePorts();
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(ports.api, '127.0.0.1', resolve));
  try {
    const run = await runCli(['dev', ...portArgs(ports), '--data-dir', mkdtempSync(join(tmpdir(), 'cpr-dev-'))]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(`error: port ${ports.api} is already in use (--api-port); stop what uses it or pass --api-port <free port>`);
    expect(await isListening('127.0.0.1', ports.temporal)).toBe(false);
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
  }
});
