// `npm run chaos` and `npm run bench` end by themselves, as a user runs them: a subprocess per harness,
// small sizes, and a deadline far above the run's own length. A run that held the process open after
// printing its result (it did, for --timeout seconds, through an uncleared deadline timer) fails here,
// as does one the exit guard of bench/exit.ts had to end.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { LEAK_MESSAGE } from '../../bench/exit';

const ROOT = join(__dirname, '..', '..');

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs a harness like `npm run <script> -- <args>` would; kills it (a failure) if it outlives `deadlineMs`. */
function runHarness(script: 'bench/chaos.ts' | 'bench/bench.ts', args: string[], deadlineMs: number): Promise<Finished> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, script), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
  return new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr, seconds: (Date.now() - started) / 1000 });
    }),
  );
}

const explain = (r: Finished): string => `exit ${r.code ?? r.signal} after ${r.seconds.toFixed(0)} s\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`;

// Three small runs one after another (they share the project's dist/ build): each starts a dev server,
// the emulator and a worker, so allow several minutes on a loaded 2-core machine.
jest.setTimeout(900_000);
const DEADLINE_MS = 280_000;

it('npm run chaos with a dev-server restart exits 0 by itself once every invariant held', async () => {
  const r = await runHarness('bench/chaos.ts', ['--instances', '5', '--kills', '0', '--restarts', '1', '--seed', '3', '--no-write'], DEADLINE_MS);
  expect({ code: r.code, held: /chaos baseline: all invariants held/.test(r.stdout), leak: r.stderr.includes(LEAK_MESSAGE), explain: explain(r) }).toEqual({
    code: 0,
    held: true,
    leak: false,
    explain: explain(r),
  });
  expect(r.stderr).toMatch(/restarted Temporal dev server/);
});

it('npm run chaos exits 1 by itself when an invariant fails (the migration cannot finish within --timeout)', async () => {
  // Emulated recoveries at real speed (time scale 1) take far longer than the 10 s the run is given.
  const r = await runHarness('bench/chaos.ts', ['--instances', '2', '--kills', '0', '--restarts', '0', '--time-scale', '1', '--timeout', '10', '--no-write'], DEADLINE_MS);
  expect({ code: r.code, leak: r.stderr.includes(LEAK_MESSAGE), explain: explain(r) }).toEqual({ code: 1, leak: false, explain: explain(r) });
  expect(r.stdout).toMatch(/INVARIANT VIOLATIONS/);
  expect(r.stdout).toMatch(/the migration completed with a result\s+1\s+1\s+not finished within 10 s/);
});

it('npm run bench exits 0 by itself after a tiny run', async () => {
  const r = await runHarness('bench/bench.ts', ['--instances', '3', '--targets-per-backup', '3', '--time-scale', '0.02', '--no-write'], DEADLINE_MS);
  expect({ code: r.code, leak: r.stderr.includes(LEAK_MESSAGE), explain: explain(r) }).toEqual({ code: 0, leak: false, explain: explain(r) });
  expect(r.stdout).toMatch(/instances \(verified \/ total\)\s+3 \/ 3/);
});
