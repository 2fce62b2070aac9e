// Running the emulator (and other TypeScript programs of this repo) as child processes through tsx.
// The product never imports emulator code: it talks to it over HTTP like to the real service.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const PROJECT_ROOT = join(__dirname, '..', '..');
export const EMULATOR_MAIN = join(PROJECT_ROOT, 'emulator', 'main.ts');

/** `node <tsx cli> <script> …args`: no shell, so arguments are passed verbatim. */
export function spawnTs(script: string, args: string[], options: { stdio?: 'inherit' | 'pipe'; env?: NodeJS.ProcessEnv; detached?: boolean } = {}): ChildProcess {
  const tsxCli = require.resolve('tsx/cli');
  const child = spawn(process.execPath, [tsxCli, script, ...args], {
    cwd: PROJECT_ROOT,
    stdio: options.stdio === 'pipe' ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    env: options.env ?? process.env,
    // Own process group: a terminal's Ctrl-C reaches only the parent, which stops the child in order.
    detached: options.detached === true,
  });
  if (options.detached) killGroupOnExit(child);
  return child;
}

/**
 * A detached child runs in its own process group; if this process exits first, the whole group is killed.
 * The whole group: tsx (and the Temporal CLI) run the program in a grandchild that a kill of the child
 * alone would orphan.
 */
export function killGroupOnExit(child: ChildProcess): void {
  const killOnExit = (): void => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
}

/** Forwards SIGINT/SIGTERM/SIGHUP to the child until it exits; resolves with its exit code. */
export function forwardSignalsUntilExit(child: ChildProcess): Promise<number> {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const forward = (signal: NodeJS.Signals): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const s of signals) process.on(s, forward);
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      for (const s of signals) process.off(s, forward);
      resolve(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1));
    });
    child.once('error', () => resolve(1));
  });
}

/** Stops a child: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
