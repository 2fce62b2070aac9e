// The activity interface the recovery workflow is written against. Types only: the workflow imports
// this file with `import type`, activities/recovery/*.ts implement it (createRecoveryActivities).
import type { AcquireLeasesResult, Evidence, LeaseHolder, ReasonCode } from '../../workflows/types';
import type { RecoveryItem, Verification } from '../../workflows/input';

/** One file of an app's data directory, path relative to /data/data/<package>/. */
export interface FileEntry {
  path: string;
  size: number;
  sha256: string;
}

/** What a restored app must look like, read from the source instance in preflight. */
export interface ExpectedApp {
  packageName: string;
  versionName?: string;
  versionCode?: number;
  /** Absent when the data rule is 'none'. Sorted by path. */
  files?: FileEntry[];
}

/** The vendor's record of a backup, as RecoverApp needs it. */
export interface BackupFacts {
  backupFileId: string;
  backupFilePath: string;
  uploadType: string;
  uploadEndpoint?: string;
  sourceInstanceId?: string;
  packages: string[];
}

export interface Verdict {
  ok: boolean;
  reason?: ReasonCode;
  message?: string;
  evidence?: Evidence;
}

export interface PreflightRequest {
  items: RecoveryItem[];
  verification: Verification;
  /** Parallel vendor calls inside the activity. */
  concurrency?: number;
}

export interface BackupPreflight extends Verdict {
  backupFileId: string;
  facts?: BackupFacts;
  /** One per package to verify (verification.packages or the backup's SourceAppInfoList). */
  expected?: ExpectedApp[];
}

export interface TargetPreflight extends Verdict {
  instanceId: string;
  backupFileId: string;
  /** Packages of the backup already installed on the target (for the existingApp policy). */
  existingPackages: string[];
}

export interface PreflightResult {
  backups: BackupPreflight[];
  targets: TargetPreflight[];
}

export interface SnapshotRequest {
  targets: { instanceId: string; packages: string[] }[];
  /** OSS directory URL ending in '/'. */
  directory: string;
  uploadEndpoint?: string;
  pollIntervalMs: number;
  timeoutMs: number;
}

export interface SnapshotOutcome extends Verdict {
  instanceId: string;
  backupFileId?: string;
}

export interface RecoveryGroup {
  backup: BackupFacts;
  instanceIds: string[];
}

export interface SubmitRecoveriesRequest {
  groups: RecoveryGroup[];
  /** 1-based attempt of these targets; tasks created on a target after attemptStartedAt belong to it. */
  attempt: number;
  attemptStartedAt: string;
  chunkSize: number;
  /** Tasks of these targets' earlier attempts: never adopted as this attempt's, however close in time. */
  earlierTaskIds?: string[];
}

export interface SubmittedTask {
  instanceId: string;
  taskId: string;
  /** True when an earlier (lost) call had already created this task and it was adopted, not re-sent. */
  adopted: boolean;
}

export interface SubmitRecoveriesResult {
  submitted: SubmittedTask[];
  rejected: ({ instanceId: string } & Verdict)[];
}

export interface PolledTask {
  instanceId: string;
  taskId: string;
  submittedAt: string;
  /** The backup being restored; read when the task fails with a code the product does not know. */
  backupFileId?: string;
  /** This target's tasks of earlier attempts: a second failure with the same unknown code is not retried. */
  earlierTaskIds?: string[];
}

export interface PollTasksRequest {
  tasks: PolledTask[];
  taskTimeoutMs: number;
  pollIntervalMinMs: number;
  pollIntervalMaxMs: number;
  /** Return partial results after this long, so one activity never runs unbounded. */
  maxDurationMs: number;
}

export type TaskOutcomeStatus = 'finished' | 'failed' | 'timeout' | 'pending';

export interface TaskOutcome {
  instanceId: string;
  taskId: string;
  status: TaskOutcomeStatus;
  /** Whether a new attempt may fix a failure (vendor-side transient), as opposed to a permanent one. */
  retryable: boolean;
  errorCode?: string;
  errorMessage?: string;
  /** Why a failure with a code the product does not know was (not) retried, from observed state. */
  decidedBy?: string;
  finishedAt?: string;
}

export interface PollTasksResult {
  outcomes: TaskOutcome[];
  describeCalls: number;
  throttled: number;
}

export interface VerifyRequest {
  targets: { instanceId: string; backupFileId: string }[];
  expectations: Record<string, ExpectedApp[]>;
  verification: Verification;
  chunkSize: number;
  pollIntervalMs: number;
}

export interface VerifyOutcome extends Verdict {
  instanceId: string;
}

export interface ReleaseOutcome {
  backupFileId: string;
  released: boolean;
  /** The vendor no longer knew the file (a repeated delete); counted as released. */
  alreadyGone: boolean;
  /** Set when the backup was kept on purpose rather than because the delete failed. */
  keptBecause?: 'backup-status-unknown';
  error?: string;
}

export interface RecoveryActivities {
  preflight(req: PreflightRequest): Promise<PreflightResult>;
  snapshotApps(req: SnapshotRequest): Promise<SnapshotOutcome[]>;
  submitRecoveries(req: SubmitRecoveriesRequest): Promise<SubmitRecoveriesResult>;
  pollTasks(req: PollTasksRequest): Promise<PollTasksResult>;
  verifyTargets(req: VerifyRequest): Promise<VerifyOutcome[]>;
  releaseBackups(req: { backupFileIds: string[] }): Promise<ReleaseOutcome[]>;
}

/** `shards`: the lease shard count of the calling run (its run settings); absent: LEASE_SHARDS. */
export interface LeaseActivityRequest {
  holderWorkflowId: string;
  instanceIds: string[];
  shards?: number;
}

export interface LeaseActivities {
  acquireLeases(req: LeaseActivityRequest): Promise<AcquireLeasesResult>;
  releaseLeases(req: LeaseActivityRequest): Promise<void>;
  describeLeases(req: { instanceIds: string[]; shards?: number }): Promise<LeaseHolder[]>;
}
