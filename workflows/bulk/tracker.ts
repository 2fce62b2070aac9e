// The migration's bookkeeping: counts per status and reason, waves, children, paused state and the
// compact per-target rows. Plain class, no SDK calls; its snapshot is what continue-as-new carries.
import { workflowNow } from '../clock';
import type { RecoveryResult, RunOutcome, StatusCounts, TerminalStatus } from '../types';
import type { Chunk, WaveDef } from './chunks';
import {
  VERIFIED_ROW_LIMIT,
  type ChildrenProgress,
  type CompactRow,
  type MigrationProgress,
  type MigrationReason,
  type MigrationResult,
  type MigrationState,
  type WaveProgress,
} from './types';

export interface PauseState {
  by: 'operator' | 'failure-rate';
  reason: string;
}

/** Everything a later run needs besides the remaining chunks. Small: counts plus compact rows. */
export interface TrackerSnapshot {
  totalTargets: number;
  window: number;
  paused?: PauseState;
  counts: StatusCounts;
  reasons: Partial<Record<MigrationReason, number>>;
  waves: WaveProgress[];
  children: ChildrenProgress;
  rows: CompactRow[];
  verifiedRowsOmitted: number;
  runs: number;
  startedAt: string;
}

export function initialSnapshot(waves: WaveDef[], totalTargets: number, window: number): TrackerSnapshot {
  return {
    totalTargets,
    window,
    counts: { total: totalTargets, pending: totalTargets, verified: 0, failed: 0, skipped: 0, cancelled: 0 },
    reasons: {},
    waves: waves.map((w) => ({ index: w.index, kind: w.kind, targets: w.targets, chunks: w.chunks, state: 'pending', verified: 0, failed: 0, skipped: 0, cancelled: 0 })),
    children: { total: waves.reduce((sum, w) => sum + w.chunks, 0), running: 0, done: 0, failed: 0, cancelled: 0 },
    rows: [],
    verifiedRowsOmitted: 0,
    runs: 1,
    startedAt: workflowNow(),
  };
}

export class MigrationTracker {
  readonly s: TrackerSnapshot;
  cancelRequested = false;
  cancelReason?: string;
  /** Children started by this run (for the test-only continue-as-new threshold). */
  startedThisRun = 0;
  updatedAt = workflowNow();

  constructor(snapshot: TrackerSnapshot) {
    this.s = snapshot;
    this.s.children.running = 0; // nothing survives a continue-as-new in flight
  }

  get running(): number {
    return this.s.children.running;
  }
  get window(): number {
    return this.s.window;
  }
  get paused(): PauseState | undefined {
    return this.s.paused;
  }

  setWindow(window: number): void {
    this.s.window = window;
    this.touch();
  }
  pause(state: PauseState): void {
    this.s.paused = state;
    this.touch();
  }
  resume(): void {
    this.s.paused = undefined;
    this.touch();
  }

  launched(chunk: Chunk): void {
    this.s.children.running++;
    this.startedThisRun++;
    const wave = this.s.waves[chunk.wave];
    if (wave && wave.state === 'pending') wave.state = 'running';
    this.touch();
  }

  /** A child finished with a result: take each target's status from it. */
  chunkFinished(chunk: Chunk, result: RecoveryResult): void {
    const byInstance = new Map(result.targets.map((t) => [t.instanceId, t]));
    const childCancelled = result.outcome === 'cancelled';
    for (const item of chunk.items) {
      for (const instanceId of item.instanceIds) {
        const target = byInstance.get(instanceId);
        if (target && target.status !== 'pending') this.record(chunk, instanceId, item.backupFileId, target.status, target.reason);
        else if (childCancelled) this.record(chunk, instanceId, item.backupFileId, 'cancelled', target?.reason ?? 'Cancelled');
        else this.record(chunk, instanceId, item.backupFileId, 'failed', target?.reason ?? 'ChildFailed');
      }
    }
    this.childClosed(childCancelled ? 'cancelled' : 'done');
  }

  /** A child failed or was cancelled as a whole: every one of its targets shares that fate. */
  chunkAborted(chunk: Chunk, how: 'failed' | 'cancelled'): void {
    for (const item of chunk.items) {
      for (const instanceId of item.instanceIds) {
        this.record(chunk, instanceId, item.backupFileId, how, how === 'cancelled' ? 'Cancelled' : 'ChildFailed');
      }
    }
    this.childClosed(how);
  }

  /** Chunks never started because the migration was cancelled. */
  notStarted(chunks: Chunk[]): void {
    for (const chunk of chunks) {
      for (const item of chunk.items) for (const id of item.instanceIds) this.record(chunk, id, item.backupFileId, 'cancelled', 'Cancelled');
      const wave = this.s.waves[chunk.wave];
      if (wave) wave.state = 'done';
    }
    this.touch();
  }

  waveFinished(index: number): boolean {
    const w = this.s.waves[index];
    return !w || w.verified + w.failed + w.skipped + w.cancelled >= w.targets;
  }

  /** Close a finished wave; true when its failure rate is above the threshold. */
  closeWave(index: number, threshold: number): boolean {
    const w = this.s.waves[index];
    if (!w || w.state === 'done') return false;
    w.state = 'done';
    const finished = w.verified + w.failed + w.skipped;
    w.failureRate = finished === 0 ? 0 : w.failed / finished;
    this.touch();
    return w.failureRate > threshold;
  }

  progress(migrationId: string, done: boolean): MigrationProgress {
    const s = this.s;
    const state: MigrationState = done
      ? this.cancelRequested
        ? 'cancelled'
        : 'completed'
      : this.cancelRequested
        ? 'cancelling'
        : s.paused
          ? 'paused'
          : 'running';
    return {
      migrationId,
      state,
      paused: s.paused !== undefined,
      pausedBy: s.paused?.by,
      pausedReason: s.paused?.reason,
      cancelRequested: this.cancelRequested,
      window: s.window,
      counts: { ...s.counts },
      reasons: { ...s.reasons },
      waves: s.waves.map((w) => ({ ...w })),
      children: { ...s.children },
      runs: s.runs,
      startedAt: s.startedAt,
      updatedAt: this.updatedAt,
    };
  }

  result(migrationId: string): MigrationResult {
    const s = this.s;
    const c = s.counts;
    const outcome: RunOutcome = this.cancelRequested
      ? 'cancelled'
      : c.verified === c.total
        ? 'succeeded'
        : c.verified === 0
          ? 'failed'
          : 'partial';
    return {
      migrationId,
      outcome,
      counts: { ...c },
      reasons: { ...s.reasons },
      waves: s.waves.map((w) => ({ ...w })),
      children: { ...s.children },
      runs: s.runs,
      rows: s.rows.map(([instanceId, backupFileId, status, reason]) => (reason ? { instanceId, backupFileId, status, reason } : { instanceId, backupFileId, status })),
      verifiedRowsOmitted: s.verifiedRowsOmitted,
      startedAt: s.startedAt,
      finishedAt: workflowNow(),
    };
  }

  /** The state a continue-as-new carries (remaining chunks travel next to it). */
  snapshot(): TrackerSnapshot {
    return { ...this.s, runs: this.s.runs + 1 };
  }

  private record(chunk: Chunk, instanceId: string, backupFileId: string, status: TerminalStatus, reason: MigrationReason | undefined): void {
    const s = this.s;
    s.counts[status]++;
    s.counts.pending--;
    const wave = s.waves[chunk.wave];
    if (wave) wave[status]++;
    if (reason && status !== 'verified') s.reasons[reason] = (s.reasons[reason] ?? 0) + 1;
    if (status === 'verified' && s.counts.verified > VERIFIED_ROW_LIMIT) {
      s.verifiedRowsOmitted++;
      return;
    }
    s.rows.push(reason && status !== 'verified' ? [instanceId, backupFileId, status, reason] : [instanceId, backupFileId, status]);
  }

  private childClosed(how: 'done' | 'failed' | 'cancelled'): void {
    const c = this.s.children;
    c.running--;
    c.done++;
    if (how === 'failed') c.failed++;
    if (how === 'cancelled') c.cancelled++;
    this.touch();
  }

  private touch(): void {
    this.updatedAt = workflowNow();
  }
}
