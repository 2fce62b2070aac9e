// The emulator as its own process (`tsx emulator/main.ts`), as an operator or the chaos harness runs it.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { RunningEmulator } from '../../../emulator/server';

const EMULATOR_MAIN = join(__dirname, '..', '..', '..', 'emulator', 'main.ts');

export interface EmulatorProcess extends RunningEmulator {
  child: ChildProcess;
  /** Sends `signal` and resolves with the exit code (or the signal name) once the process has gone. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export function spawnEmulator(args: string[], startTimeoutMs = 60_000): Promise<EmulatorProcess> {
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), EMULATOR_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`emulator did not start within ${startTimeoutMs} ms: ${output}`));
    }, startTimeoutMs);
    const exitedEarly = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`emulator exited with ${code} before listening: ${output}`));
    };
    child.once('exit', exitedEarly);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on http:\/\/([^ :]+):(\d+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.off('exit', exitedEarly);
      const port = Number(match[2]);
      const endpoint = `${match[1]}:${port}`;
      const stop = (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | string> => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        return exited;
      };
      resolve({
        child,
        url: `http://${endpoint}`,
        endpoint,
        port,
        stop,
        startOutage: () => {
          throw new Error('use the admin API of a spawned emulator');
        },
        close: async () => {
          await stop();
        },
      });
    });
  });
}
