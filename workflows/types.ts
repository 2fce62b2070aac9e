// Shared types, message definitions and constants of the recovery workflows. Safe to import from
// workflow code, activities, clients and other teams' workflow bundles (no Node or SDK-client imports).
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import { CURRENT_RUN_SETTINGS } from './run-settings';

export const TASK_QUEUE = 'cloudphone-recovery';
export const RECOVER_APP_WORKFLOW = 'recoverApp';
export const BULK_MIGRATION_WORKFLOW = 'bulkMigration';

export type Phase = 'preflight' | 'lease' | 'protect' | 'recover' | 'poll' | 'verify' | 'release' | 'done';
export const PHASES: readonly Phase[] = ['preflight', 'lease', 'protect', 'recover', 'poll', 'verify', 'release', 'done'];

export type TargetStatus = 'pending' | 'verified' | 'failed' | 'skipped' | 'cancelled';
export type TerminalStatus = Exclude<TargetStatus, 'pending'>;

/** Reason codes an operator sees next to a target (a list, so the HTTP API can document them). */
export const REASON_CODES = [
  // preflight
  'BackupNotFound',
  'BackupNotAvailable',
  'BackupPathMismatch',
  'PackageNotInBackup',
  'SourceUnavailable',
  'InstanceNotFound',
  'InstanceNotRunning',
  'ImageMismatch',
  'ArchitectureMismatch',
  'TargetIsSource',
  'CrossRegionUnreachable',
  'RegionUnavailable',
  // lease / protect
  'InstanceBusy',
  'AppAlreadyPresent',
  'SnapshotFailed',
  // recover / poll
  'RecoverRejected',
  'TaskFailed',
  'TaskTimeout',
  // verify
  'AppMissing',
  'VersionMismatch',
  'DataMismatch',
  'CustomCheckFailed',
  'VerificationError',
  // control
  'Cancelled',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export interface Evidence {
  expected?: unknown;
  found?: unknown;
  detail?: string;
}

export interface TargetTimings {
  leasedAt?: string;
  recoverStartedAt?: string;
  recoverFinishedAt?: string;
  verifiedAt?: string;
}

export interface TargetResult {
  instanceId: string;
  backupFileId: string;
  status: TargetStatus;
  phase: Phase;
  /** Vendor child task IDs, one per attempt, in order. */
  taskIds: string[];
  attempts: number;
  reason?: ReasonCode;
  /** One line an operator can act on; names the lease holder for InstanceBusy. */
  message?: string;
  evidence?: Evidence;
  /** BackupApp snapshot of the app that was on the target before it was overwritten. */
  snapshotBackupFileId?: string;
  timings: TargetTimings;
}

export interface BackupOutcome {
  backupFileId: string;
  sourceInstanceId?: string;
  released: boolean;
  /** Why the backup was kept, when it was. */
  keptBecause?: 'not-all-verified' | 'policy-never' | 'approval-timeout' | 'approval-pending' | 'cancelled' | 'preflight-failed' | 'release-failed' | 'backup-status-unknown';
  /** True only when every target verified: the operator may reset the source instance. */
  sourceMayBeReset: boolean;
}

export interface StatusCounts {
  total: number;
  pending: number;
  verified: number;
  failed: number;
  skipped: number;
  cancelled: number;
}

export type RunOutcome = 'succeeded' | 'partial' | 'failed' | 'cancelled';

export interface RecoveryProgress {
  workflowId: string;
  phase: Phase;
  paused: boolean;
  cancelRequested: boolean;
  awaitingApproval: boolean;
  counts: StatusCounts;
  targets: TargetResult[];
  backups: BackupOutcome[];
  snapshots: { instanceId: string; backupFileId: string }[];
  startedAt: string;
  updatedAt: string;
  /** Who started the run (input `requestedBy`), when given. */
  requestedBy?: string;
  /** The release policy and whether the approver must differ from the requester (absent on older runs). */
  releaseBackup?: 'after-all-verified' | 'never' | 'on-approval';
  distinctApprover?: boolean;
  /** Who approved the release (releaseBackup 'on-approval'), and when. */
  approvedBy?: string;
  approvedAt?: string;
}

export interface RecoveryResult extends RecoveryProgress {
  outcome: RunOutcome;
  finishedAt: string;
}

// ---- messages -------------------------------------------------------------------------------------
export const progressQuery = defineQuery<RecoveryProgress>('progress');
/** Approve releasing the backups; rejected before verification completes or when a target failed. */
export interface ApproveReleaseRequest {
  approvedBy?: string;
  note?: string;
}
export interface ApproveReleaseResult {
  approved: true;
  backups: string[];
}
export interface PauseRequest {
  reason?: string;
}
export const approveReleaseUpdate = defineUpdate<ApproveReleaseResult, [ApproveReleaseRequest]>('approveRelease');
export const pauseUpdate = defineUpdate<{ paused: boolean }, [PauseRequest]>('pause');
export const resumeUpdate = defineUpdate<{ paused: boolean }, []>('resume');

// ---- search attributes (registered on the dev server by the project; see README) -------------------
// The SQLite dev server allows at most 3 Int attributes, so skipped = targets - verified - failed - pending.
export const SA_BACKUP_FILE_IDS = defineSearchAttributeKey('CprBackupFileIds', SearchAttributeType.KEYWORD_LIST);
export const SA_PHASE = defineSearchAttributeKey('CprPhase', SearchAttributeType.KEYWORD);
export const SA_OUTCOME = defineSearchAttributeKey('CprOutcome', SearchAttributeType.KEYWORD);
export const SA_TARGETS = defineSearchAttributeKey('CprTargets', SearchAttributeType.INT);
export const SA_VERIFIED = defineSearchAttributeKey('CprVerified', SearchAttributeType.INT);
export const SA_FAILED = defineSearchAttributeKey('CprFailed', SearchAttributeType.INT);
export const SA_KIND = defineSearchAttributeKey('CprKind', SearchAttributeType.KEYWORD);

/**
 * A keyword-list search attribute holds at most 2 KiB (server limit), about 80 backup IDs: runs over more
 * backups are listed under their first MAX_SEARCHABLE_BACKUP_IDS (a bulk migration's children each stay
 * within it; the full list is always in the run's input and result).
 */
export const MAX_SEARCHABLE_BACKUP_IDS = 64;
export function searchableBackupIds(backupFileIds: readonly string[]): string[] {
  return [...new Set(backupFileIds)].slice(0, MAX_SEARCHABLE_BACKUP_IDS);
}

export const SEARCH_ATTRIBUTES = [SA_BACKUP_FILE_IDS, SA_PHASE, SA_OUTCOME, SA_TARGETS, SA_VERIFIED, SA_FAILED, SA_KIND];

/** CprKind of a recovery run (lists filter on it). */
export const RECOVERY_KIND = 'recovery';
/** CprKind of a bulk migration run. */
export const MIGRATION_KIND = 'migration';
export const RUN_KINDS = [RECOVERY_KIND, MIGRATION_KIND] as const;
export type RunKind = (typeof RUN_KINDS)[number];
/** CprPhase of a recovery whose input is being validated: a run rejected there ends Failed in this phase. */
export const VALIDATE_PHASE = 'validate';

/**
 * The search attributes a recovery starts with, whoever starts it: the client service, a parent
 * migration (its children show in recovery lists) and the run itself at start (which covers raw starts
 * by other teams' workflows). Keep the order: the run's own upsert is a recorded command.
 */
export function recoveryStartSearchAttributes(backupFileIds: readonly string[], targets: number): SearchAttributePair[] {
  return [
    { key: SA_KIND, value: RECOVERY_KIND },
    { key: SA_BACKUP_FILE_IDS, value: searchableBackupIds(backupFileIds) },
    { key: SA_PHASE, value: 'preflight' },
    { key: SA_TARGETS, value: targets },
  ];
}

// ---- leases --------------------------------------------------------------------------------------
export const LEASE_REGISTRY_WORKFLOW = 'leaseRegistry';
/**
 * Lease shards new runs use (their run settings record it). Changing it moves leases between registries:
 * drain recoveries first, or use a new registry ID prefix (docs/versioning.md).
 */
export const LEASE_SHARDS = CURRENT_RUN_SETTINGS.leaseShards;

export interface LeaseHolder {
  instanceId: string;
  holderWorkflowId: string;
  since: string;
}

export interface AcquireLeasesResult {
  granted: string[];
  busy: LeaseHolder[];
}
