// When to look at vendor work again. Recovery tasks and commands of one fleet take about the same time
// each, so looking before that time has passed only spends vendor calls (DescribeTasks,
// DescribeInvocations) that cannot answer "done". This module learns how long the work took in this
// worker process (from work already watched to the end) and says when the first look is worth making;
// after that, the callers' adaptive interval takes over. Pure apart from the estimate's own samples.

/** One observation: the work was still running `stillRunningMs` after submission and done by `doneByMs`. */
export interface DurationObservation {
  /** Time since submission of the last look that saw it still running; undefined if none did. */
  stillRunningMs?: number;
  /** Time since submission of the first look that saw it done. */
  doneByMs: number;
}

export interface DurationEstimateOptions {
  /** Samples kept (the most recent ones). */
  keep: number;
  /** Samples older than this are forgotten: another fleet, another backup size. */
  maxAgeMs: number;
}

const DEFAULT_OPTIONS: DurationEstimateOptions = { keep: 64, maxAgeMs: 15 * 60_000 };

/**
 * Without a look that saw the work still running, the true duration lies somewhere below `doneByMs`;
 * counting it a little shorter lets the estimate come down when the work gets faster.
 */
const UNBOUNDED_BELOW_FACTOR = 0.9;

/**
 * Work that should be ending is looked at again after this share of the time it has run so far, so its
 * end is seen at most that share late: the scout (the first batch of a run watched before anything was
 * learned) at every look, and a batch found still running at its learned time once more (after that the
 * caller's interval again: each look is a vendor call out of the shared budget).
 */
export const SCOUT_LOOK_SHARE = 0.15;
/** The shortest pause between such looks. */
export const SCOUT_MIN_INTERVAL_MS = 100;

/** Learned duration of one kind of vendor work, from the recent runs of it in this process. */
export class DurationEstimate {
  private readonly options: DurationEstimateOptions;
  private samples: { ms: number; at: number }[] = [];
  private scoutUntil = 0;

  constructor(options: Partial<DurationEstimateOptions> = {}) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
  }

  /** Records a watched-to-the-end piece of work: the middle of the interval in which it finished. */
  record(obs: DurationObservation, at: number): void {
    if (!Number.isFinite(obs.doneByMs) || obs.doneByMs < 0) return;
    const lower = obs.stillRunningMs !== undefined ? Math.min(obs.stillRunningMs, obs.doneByMs) : obs.doneByMs * UNBOUNDED_BELOW_FACTOR;
    this.samples.push({ ms: (lower + obs.doneByMs) / 2, at });
    if (this.samples.length > this.options.keep) this.samples.splice(0, this.samples.length - this.options.keep);
  }

  /**
   * True for the first watch of work with nothing learned yet: it becomes the scout until it has learned
   * (endScout) or maxAgeMs passed (a scout whose activity died frees the role that way).
   */
  claimScout(now: number): boolean {
    if (this.expectedMs(now) !== undefined || now < this.scoutUntil) return false;
    this.scoutUntil = now + this.options.maxAgeMs;
    return true;
  }

  endScout(): void {
    this.scoutUntil = 0;
  }

  /** The median recent duration, or undefined while nothing recent was watched to the end. */
  expectedMs(now: number): number | undefined {
    const recent = this.samples.filter((s) => now - s.at <= this.options.maxAgeMs).map((s) => s.ms);
    if (recent.length === 0) return undefined;
    recent.sort((a, b) => a - b);
    return recent[Math.floor((recent.length - 1) / 2)];
  }
}

/**
 * Delay before the first look at work submitted at `submittedAt`: until its expected finish if one is
 * known, else `coldMs` (what the caller did before it learned anything).
 */
export function firstLookDelayMs(p: { now: number; submittedAt: number; expectedMs: number | undefined; coldMs: number }): number {
  if (p.expectedMs === undefined) return Math.max(0, p.coldMs);
  return Math.max(0, p.submittedAt + p.expectedMs - p.now);
}

/**
 * Estimates per run: the recoveries of one migration restore the same kind of backups, so they learn
 * from each other; another run (other apps, other sizes) starts cold instead of waiting for durations
 * that are not its own. Bounded: the least recently used runs are forgotten.
 */
export class RunDurations {
  private readonly byRun = new Map<string, DurationEstimate>();

  constructor(private readonly maxRuns = 256) {}

  of(workflowId: string | undefined): DurationEstimate {
    const key = runKeyOf(workflowId ?? '');
    const found = this.byRun.get(key) ?? new DurationEstimate();
    this.byRun.delete(key);
    this.byRun.set(key, found);
    if (this.byRun.size > this.maxRuns) this.byRun.delete(this.byRun.keys().next().value as string);
    return found;
  }
}

/** Children of a bulk migration (`<migrationId>/<chunk>`, workflows/bulk-migration.ts) share their migration's key. */
export function runKeyOf(workflowId: string): string {
  const slash = workflowId.lastIndexOf('/');
  return slash > 0 && /^\d+$/.test(workflowId.slice(slash + 1)) ? workflowId.slice(0, slash) : workflowId;
}

export const recoveryTaskDurations = new RunDurations();
export const commandDurations = new RunDurations();

/**
 * The cadence of one watch over a batch of work started at `since` (undefined: unknown, e.g. a retried
 * activity, so no waiting and no learning): how long to wait before the first look, and what each
 * look teaches the estimate. The batch counts as done when every piece of it is.
 */
export class BatchCadence {
  private lastRunningMs: number | undefined;
  private learned = false;
  private lateLookTaken = false;
  private readonly scout: boolean;

  constructor(
    private readonly estimate: DurationEstimate,
    private readonly since: number | undefined,
    now: number,
  ) {
    this.scout = since !== undefined && estimate.claimScout(now);
  }

  firstLookDelayMs(now: number): number {
    if (this.since === undefined) return 0;
    return firstLookDelayMs({ now, submittedAt: this.since, expectedMs: this.estimate.expectedMs(now), coldMs: 0 });
  }

  /**
   * The longest pause before the next look this cadence allows (the caller takes the smaller of it and
   * its own interval): a share of the time the work has run, for the scout and once for work past its
   * learned time; otherwise no limit.
   */
  nextLookWithinMs(now: number): number {
    if (this.since === undefined || this.learned) return Number.POSITIVE_INFINITY;
    const soon = Math.max(SCOUT_MIN_INTERVAL_MS, (now - this.since) * SCOUT_LOOK_SHARE);
    if (this.scout) return soon;
    const expected = this.estimate.expectedMs(now);
    if (this.lateLookTaken || expected === undefined || now - this.since < expected) return Number.POSITIVE_INFINITY;
    this.lateLookTaken = true;
    return soon;
  }

  /** After a look that got an answer (not throttled, no error). */
  looked(lookAt: number, allDone: boolean): void {
    if (this.since === undefined || this.learned) return;
    if (allDone) {
      this.estimate.record({ stillRunningMs: this.lastRunningMs, doneByMs: lookAt - this.since }, lookAt);
      this.learned = true;
      if (this.scout) this.estimate.endScout();
    }
    this.lastRunningMs = lookAt - this.since;
  }
}
