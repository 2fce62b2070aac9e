import { CallLog, type OutcomeCounts } from './call-log';
import { mergeConfig, type EmulatorConfig } from './config';
import { demoSeed } from './demo-seed';
import { OutageState, type Outage } from './outage';
import { SeededRandom } from './random';
import type { StateFile } from './state-file';
import { applySeed, type SeedSummary } from './seed';
import type { BackupFile, Instance, Invocation, Task, TaskStatus } from './state/model';
import { EmulatorWorld } from './state/world';
import { RequestAuthenticator } from './wire/auth';
import { ActionRateLimiter } from './wire/rate-limiter';

export interface EmulatorStats {
  callsByAction: Record<string, OutcomeCounts>;
  recoveryTasksByInstance: Record<string, number>;
  /** RecoverApp child tasks created while another task for the same (instance, backup) was running or had finished. */
  duplicateRecoveryTasks: number;
  counts: { instances: number; backups: number; tasks: number };
  /** The vendor outage in force, or null. */
  outage: Outage | null;
  outagesStarted: number;
  /** API requests received and not yet answered (slow replies included). */
  inFlightApiCalls: number;
}

export interface StateDump {
  now: string;
  instances: (Instance & { rate: number })[];
  backups: BackupFile[];
  tasks: (Task & { status: TaskStatus })[];
  invocations: Invocation[];
}

/** Everything one emulator process holds; the HTTP layer is a thin shell around it. */
export class EmulatorRuntime {
  config: EmulatorConfig;
  readonly world: EmulatorWorld;
  readonly callLog: CallLog;
  readonly authenticator: RequestAuthenticator;
  readonly rateLimiter = new ActionRateLimiter();
  readonly outage = new OutageState();
  faultRandom: SeededRandom;
  private throttledReplies = 0;
  inFlightApiCalls = 0;
  /** Bumped by every admin change; with the call log's sequence it tells the state saver something changed. */
  private adminChanges = 0;

  constructor(
    config: EmulatorConfig,
    private readonly accessKeys: ReadonlyMap<string, string>,
  ) {
    this.config = config;
    this.world = new EmulatorWorld(config);
    this.callLog = new CallLog(() => this.config.callLogLimit);
    this.authenticator = new RequestAuthenticator(
      (id) => this.accessKeys.get(id),
      () => this.config.checkFreshness,
    );
    this.faultRandom = new SeededRandom(config.randomSeed);
  }

  updateConfig(patch: unknown): EmulatorConfig {
    const next = mergeConfig(this.config, patch);
    const reseed = next.randomSeed !== this.config.randomSeed;
    this.config = next;
    this.world.config = next;
    if (reseed) this.reseed();
    return next;
  }

  /** The emulator's clock as clients see it (HTTP `Date`, signature freshness): real time plus `clockSkewMs`. */
  clientClock(now = Date.now()): number {
    return now + this.config.clockSkewMs;
  }

  /** Whether the next Throttling reply carries `Retry-After` (`mixed`: every other one, starting with the first). */
  nextThrottleGetsRetryAfter(): boolean {
    const mode = this.config.throttleRetryAfter;
    this.throttledReplies += 1;
    return mode === 'always' || (mode === 'mixed' && this.throttledReplies % 2 === 1);
  }

  private reseed(): void {
    this.faultRandom = new SeededRandom(this.config.randomSeed);
    this.world.reseed(this.config.randomSeed);
  }

  markChanged(): void {
    this.adminChanges += 1;
  }

  /** Moves whenever a call arrives or an admin change is made. */
  stateVersion(): number {
    return this.callLog.lastSequence * 1_000_003 + this.adminChanges;
  }

  /** Continues from a state file: its world and call log, its config with `overrides` on top. */
  restore(file: StateFile, overrides: unknown, now = Date.now()): void {
    this.updateConfig({ ...file.config, ...(overrides as object) });
    this.world.restore(file.world, Math.max(0, now - file.savedAt));
    this.callLog.restore(file.callLog);
  }

  /** Clears state, call log and rate buckets, then loads the seed (`'demo'` or a seed object). */
  reset(seed: unknown = 'demo'): SeedSummary {
    this.world.clear();
    this.callLog.clear();
    this.rateLimiter.reset();
    this.throttledReplies = 0;
    this.reseed();
    return applySeed(this.world, seed === 'demo' || seed === undefined ? demoSeed() : seed);
  }

  stats(): EmulatorStats {
    return {
      callsByAction: Object.fromEntries(this.callLog.callsByAction),
      recoveryTasksByInstance: Object.fromEntries(this.world.recoveryTasksByInstance),
      duplicateRecoveryTasks: this.world.duplicateRecoveryTasks,
      counts: { instances: this.world.instances.size, backups: this.world.backups.size, tasks: this.world.tasks.size },
      outage: this.outage.current(Date.now()) ?? null,
      outagesStarted: this.outage.started,
      inFlightApiCalls: this.inFlightApiCalls,
    };
  }

  dump(now: number): StateDump {
    const world = this.world;
    const invocations: Invocation[] = [];
    for (const byInstance of world.invocations.values()) invocations.push(...byInstance.values());
    return {
      now: new Date(now).toISOString(),
      instances: [...world.instances.values()].map((instance) => ({ ...instance, rate: world.recoveryRate(instance, now) })),
      backups: [...world.backups.values()],
      tasks: world.taskOrder.map((task) => ({ ...task, status: world.taskStatus(task, now) })),
      invocations,
    };
  }
}
