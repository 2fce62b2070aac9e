import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { CallLogSnapshot } from './call-log';
import type { EmulatorConfig } from './config';
import type { EmulatorRuntime } from './runtime';
import type { WorldSnapshot } from './state/world';

const STATE_FILE_VERSION = 1;

/** What `--state-file` holds: the whole emulated account, so a restarted emulator carries on. */
export interface StateFile {
  version: typeof STATE_FILE_VERSION;
  /** Real epoch ms of the save; the gap until the next load is time the emulated clock stood still. */
  savedAt: number;
  config: EmulatorConfig;
  world: WorldSnapshot;
  callLog: CallLogSnapshot;
}

export class StateFileError extends Error {
  override name = 'StateFileError';
}

export function readStateFile(path: string): StateFile | undefined {
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new StateFileError(`state file ${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const file = parsed as Partial<StateFile> | null;
  if (!file || file.version !== STATE_FILE_VERSION || !file.world || !file.callLog || !file.config || typeof file.savedAt !== 'number') {
    throw new StateFileError(`state file ${path} is not an emulator state file of version ${STATE_FILE_VERSION}`);
  }
  return file as StateFile;
}

/** Writes atomically (temp file + rename), so a kill mid-write leaves the previous state intact. */
export function writeStateFile(path: string, runtime: EmulatorRuntime, now = Date.now()): void {
  const file: StateFile = {
    version: STATE_FILE_VERSION,
    savedAt: now,
    config: runtime.config,
    world: runtime.world.snapshot(),
    callLog: runtime.callLog.snapshot(),
  };
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(file));
  renameSync(temporary, path);
}

/** Saves the state every `intervalMs` when something changed since the last save, and on `stop()`. */
export class StateSaver {
  private timer?: NodeJS.Timeout;
  private savedVersion = -1;

  constructor(
    private readonly path: string,
    private readonly runtime: EmulatorRuntime,
    private readonly intervalMs = 1_000,
  ) {}

  start(): void {
    this.saveIfChanged();
    this.timer = setInterval(() => this.saveIfChanged(), this.intervalMs);
    this.timer.unref();
  }

  saveIfChanged(): void {
    const version = this.runtime.stateVersion();
    if (version === this.savedVersion) return;
    try {
      writeStateFile(this.path, this.runtime);
      this.savedVersion = version;
    } catch (error) {
      process.stderr.write(`[emulator] could not save state to ${this.path}: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }

  /** Stops the timer and saves one last time (always: time has passed, and pending work needs its pause measured). */
  stop(): void {
    clearInterval(this.timer);
    this.savedVersion = -1;
    this.saveIfChanged();
  }
}
