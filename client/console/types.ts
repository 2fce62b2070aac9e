// Shapes the console reads from /v1. The run shapes are the product's own types (type-only imports:
// nothing of the server is bundled); the view envelopes mirror client/service.
import type { DryRunResult } from '../../workflows/dry-run';
import type { MigrationProgress, MigrationResult } from '../../workflows/bulk/types';
import type { RecoveryProgress, RecoveryResult } from '../../workflows/types';

export type { DryRunResult, MigrationProgress, RecoveryProgress, RecoveryResult };
export type { BackupOutcome, TargetResult, StatusCounts, Phase } from '../../workflows/types';
export type { WaveProgress } from '../../workflows/bulk/types';

export type Role = 'viewer' | 'operator' | 'approver';
export interface Me {
  name: string;
  roles: Role[];
  accountable: boolean;
}

export interface RunSummary {
  kind: 'recovery' | 'migration';
  id: string;
  status: string;
  startedAt: string;
  closedAt?: string;
  backupFileIds: string[];
  phase?: string;
  outcome?: string;
  targets?: number;
  verified?: number;
  failed?: number;
}

export interface RecoveryView {
  workflowId: string;
  runId: string;
  status: string;
  startedAt: string;
  closedAt?: string;
  summary?: string;
  backupFileIds: string[];
  phase?: string;
  outcome?: string;
  progress?: RecoveryProgress;
  result?: RecoveryResult;
  failure?: { message: string; type?: string };
  progressUnavailable?: string;
}

export interface MigrationView {
  migrationId: string;
  runId: string;
  status: string;
  startedAt: string;
  closedAt?: string;
  progress?: MigrationProgress;
  result?: Omit<MigrationResult, 'rows'>;
  failure?: { message: string; type?: string };
  progressUnavailable?: string;
}
