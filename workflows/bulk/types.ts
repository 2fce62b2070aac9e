// Shapes of a bulk migration's progress and result. Types only: safe for any bundle or client.
import type { ReasonCode, RunOutcome, StatusCounts, TerminalStatus } from '../types';

/** A target's reason in a migration: recoverApp's reason, or 'ChildFailed' when its child run failed as a whole. */
export type MigrationReason = ReasonCode | 'ChildFailed';

/** One target's outcome, as the report lists it. */
export interface MigrationRow {
  instanceId: string;
  backupFileId: string;
  status: TerminalStatus;
  reason?: MigrationReason;
}

/** The same row as carried across continue-as-new: a tuple keeps 10,000+ rows well under the 2 MB payload limit. */
export type CompactRow = [instanceId: string, backupFileId: string, status: TerminalStatus, reason?: MigrationReason];

export type WaveKind = 'canary' | 'wave';
export type WaveState = 'pending' | 'running' | 'done';

export interface WaveProgress {
  index: number;
  kind: WaveKind;
  targets: number;
  chunks: number;
  state: WaveState;
  verified: number;
  failed: number;
  skipped: number;
  cancelled: number;
  /** failed / (verified + failed + skipped), set when the wave is done. */
  failureRate?: number;
  /** True when this wave's failure rate paused the migration. */
  pausedMigration?: boolean;
}

export interface ChildrenProgress {
  /** Child runs the plan needs (one per chunk). */
  total: number;
  running: number;
  done: number;
  /** Children that failed as a whole (their targets count as failed with reason ChildFailed). */
  failed: number;
  cancelled: number;
}

export type MigrationState = 'running' | 'paused' | 'cancelling' | 'completed' | 'cancelled';

export interface MigrationProgress {
  migrationId: string;
  state: MigrationState;
  paused: boolean;
  pausedBy?: 'operator' | 'failure-rate';
  pausedReason?: string;
  cancelRequested: boolean;
  /** Current maximum of concurrently running children. */
  window: number;
  counts: StatusCounts;
  reasons: Partial<Record<MigrationReason, number>>;
  waves: WaveProgress[];
  children: ChildrenProgress;
  /** Runs of this workflow so far (1 + continue-as-new count). */
  runs: number;
  startedAt: string;
  updatedAt: string;
}

export interface MigrationResult {
  migrationId: string;
  outcome: RunOutcome;
  counts: StatusCounts;
  reasons: Partial<Record<MigrationReason, number>>;
  waves: WaveProgress[];
  children: ChildrenProgress;
  runs: number;
  /** Every target that did not verify, and verified targets up to VERIFIED_ROW_LIMIT. */
  rows: MigrationRow[];
  /** Verified targets left out of `rows` to keep the result small (counted in `counts`). */
  verifiedRowsOmitted: number;
  startedAt: string;
  finishedAt: string;
}

/** Verified rows kept in detail; beyond this only their count is kept (failures are always kept). */
export const VERIFIED_ROW_LIMIT = 10_000;
