// Every Cloud Phone (eds-aic 2023-09-30) behaviour the product relies on, in one place. Each fact is
// `documented` (API reference pages or the vendor's published SDK models) or `assumed` (our reading,
// matched by the emulator, never confirmed by the vendor), and says what the product does when a real
// account behaves differently. Operators read the same list in docs/vendor-facts.md; `cpr doctor`
// compares an account against the status and code sets below. Code that branches on a vendor status,
// code or limit imports it from here rather than writing the literal.

export type FactBasis = 'documented' | 'assumed';

export interface VendorFact {
  id: string;
  basis: FactBasis;
  /** What the vendor does, as the product expects it. */
  fact: string;
  /** Where the product depends on it. */
  reliedOnBy: string;
  /** What the product does when a real account behaves differently. */
  whenDifferent: string;
}

// ---- statuses -------------------------------------------------------------------------------------------

/** DescribeAndroidInstances `AndroidInstanceStatus` (documented: reference page and SDK model). */
export const INSTANCE_STATUSES = [
  'CREATING',
  'FAILED',
  'STARTING',
  'RUNNING',
  'STOPPING',
  'STOPPED',
  'REBOOTING',
  'RESETTING',
  'BACKUPING',
  'BACKUP_FAILED',
  'RECOVERING',
  'RECOVER_FAILED',
  'DELETING',
  'DELETED',
  'UNAVAILABLE',
] as const;
export type KnownInstanceStatus = (typeof INSTANCE_STATUSES)[number];

/** The only status in which RecoverApp, RunCommand and verification may target an instance (documented). */
export const INSTANCE_READY: KnownInstanceStatus = 'RUNNING';

/** StartAndroidInstance is allowed only from these (documented on the StartAndroidInstance page). */
export const STARTABLE_INSTANCE_STATUSES: readonly KnownInstanceStatus[] = ['STOPPED', 'BACKUP_FAILED', 'RECOVER_FAILED'];

/**
 * An instance's path through one app recovery (assumed: the statuses are documented, their use by
 * RecoverApp is not): RUNNING, then RECOVERING with Rate 0..100, then RUNNING or RECOVER_FAILED.
 */
export const RECOVERY_INSTANCE_PATH = {
  before: 'RUNNING',
  during: 'RECOVERING',
  succeeded: 'RUNNING',
  failed: 'RECOVER_FAILED',
} as const satisfies Record<string, KnownInstanceStatus>;

/** DescribeBackupFiles `Status` (documented: SDK model). */
export const BACKUP_FILE_STATUSES = [
  'AVAILABLE',
  'BACKUPING',
  'RECOVERING',
  'DELETING',
  'BACKUP_FAILED',
  'RECOVERY_FAILED',
  'PART_BACKUP_FINISHED',
] as const;
export type KnownBackupFileStatus = (typeof BACKUP_FILE_STATUSES)[number];

/** The only backup status RecoverApp accepts (assumed from the reference's run description). */
export const BACKUP_READY: KnownBackupFileStatus = 'AVAILABLE';
/** A released backup may still be listed in this status for a while (assumed: deletion is asynchronous). */
export const BACKUP_BEING_DELETED: KnownBackupFileStatus = 'DELETING';

/** DescribeTasks `TaskStatus` (documented in the SDK models of 2025; current pages list none). */
export const TASK_STATUSES = ['Waiting', 'Processing', 'Finished', 'PartFinished', 'Failed', 'Skipped'] as const;
export type KnownTaskStatus = (typeof TASK_STATUSES)[number];
export const TASK_STATUSES_RUNNING: readonly KnownTaskStatus[] = ['Waiting', 'Processing'];
export const TASK_STATUSES_SUCCEEDED: readonly KnownTaskStatus[] = ['Finished'];
/** A child task that ends in one of these did not restore the app (PartFinished only happens on batch tasks). */
export const TASK_STATUSES_FAILED: readonly KnownTaskStatus[] = ['Failed', 'PartFinished', 'Skipped'];

/** DescribeInvocations `InvocationStatus`; documented, but spelled `Running` or `RUNNING` depending on the source. */
export const INVOCATION_STATUSES = ['PENDING', 'RUNNING', 'SUCCESS', 'FAILED', 'TIMEOUT'] as const;
export type KnownInvocationStatus = (typeof INVOCATION_STATUSES)[number];

// ---- error codes ----------------------------------------------------------------------------------------

/** Gateway codes that mean the request was not authenticated or not authorised (documented common codes). */
export const AUTH_ERROR_CODES: readonly string[] = [
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'InvalidCredentials',
  'MissingAccessKeyId',
  'InvalidSignatureMethod',
  'InvalidSecurityToken',
];
/** Prefixes of further auth codes (InvalidAccessKeyId.NotFound, Forbidden.RAM, InvalidTimeStamp.Expired...). */
export const AUTH_ERROR_PREFIXES: readonly string[] = ['InvalidAccessKeyId', 'Forbidden', 'InvalidTimeStamp', 'InvalidSecurityToken'];
/** The code a clock more than SIGNATURE_MAX_CLOCK_SKEW_MS away from the server's gets (documented for V2). */
export const CLOCK_SKEW_ERROR_CODE = 'InvalidTimeStamp.Expired';
/** Throttling: any code starting with this, or Rejected.Throttling, with HTTP 400 or 429 (documented). */
export const THROTTLING_PREFIX = 'Throttling';
export const THROTTLING_CODES: readonly string[] = ['Throttling', 'Throttling.User', 'Throttling.Api', 'Rejected.Throttling'];
/** Gateway codes for a temporary server-side failure (documented). */
export const SERVER_ERROR_CODES: readonly string[] = ['ServiceUnavailable', 'InternalError'];
/** A replayed signature nonce (documented); the next attempt signs with a fresh one. */
export const NONCE_REUSED_CODE = 'SignatureNonceUsed';
/** Codes that mean our request named an unknown action or version: our bug, never retried (documented). */
export const API_MISMATCH_CODES: readonly string[] = ['NoSuchVersion', 'UnsupportedOperation', 'InvalidApi.NotFound'];

/**
 * Operation-specific codes. The vendor publishes none; these are assumed (the emulator's choice). The
 * generic rules still classify anything else: `Invalid*`/`Missing*` as invalid, `*.NotFound` as not found.
 */
export const OPERATION_ERROR_CODES = {
  instanceNotFound: 'InvalidParameter.InstanceId',
  backupNotFound: 'InvalidParameter.BackupFileId',
  instanceWrongStatus: 'IncorrectInstanceStatus',
  backupWrongStatus: 'IncorrectBackupFileStatus',
  backupPathInvalid: 'InvalidParameter.BackupFilePath',
  uploadTypeInvalid: 'InvalidParameter.UploadType',
} as const;

/**
 * RecoverApp rejections about the backup, not one instance (assumed). Only logged: whether a refusal is
 * about the backup is decided by reading the backup (activities/recovery/observed-state.ts).
 */
export const BACKUP_LEVEL_REJECTION_CODES: readonly string[] = [
  OPERATION_ERROR_CODES.backupWrongStatus,
  OPERATION_ERROR_CODES.backupNotFound,
  OPERATION_ERROR_CODES.backupPathInvalid,
  OPERATION_ERROR_CODES.uploadTypeInvalid,
];

/** Failed-task `ErrorCode`s a new attempt cannot fix (assumed; FilePathNotFound is a documented example). */
export const PERMANENT_TASK_FAILURE_CODES: readonly string[] = [
  'ImageMismatch',
  'ArchitectureMismatch',
  OPERATION_ERROR_CODES.instanceWrongStatus,
  OPERATION_ERROR_CODES.backupWrongStatus,
  'BackupFileNotFound',
  'FilePathNotFound',
  'InvalidParameter',
];
/** Failed-task codes a retry may fix (assumed: the emulator's recovery and RunCommand codes). */
export const TRANSIENT_TASK_FAILURE_CODES: readonly string[] = [
  'RecoverTimeout',
  'InstanceBusy',
  'InstanceStatusChanged',
  'CommandFailed',
  'CommandTimeout',
  'SendFileFailed',
];
/** Further codes of the emulator's contract the product has seen; judged from observed state like unknown codes. */
export const OTHER_TASK_FAILURE_CODES: readonly string[] = ['InstanceNotFound', 'InstanceNotRunning', 'AppNotFound'];
/** Every failed-task code the product has been told about; doctor flags any other one it sees. */
export const KNOWN_TASK_FAILURE_CODES: readonly string[] = [
  ...PERMANENT_TASK_FAILURE_CODES,
  ...TRANSIENT_TASK_FAILURE_CODES,
  ...OTHER_TASK_FAILURE_CODES,
];

// ---- limits ---------------------------------------------------------------------------------------------

/** Instances per call: documented (50) for RunCommand and DescribeInvocations, assumed for the rest. */
export const MAX_INSTANCES_PER_CALL = 50;
/** BackupFileIdList per DeleteBackupFile (assumed; undocumented). */
export const MAX_BACKUP_FILES_PER_CALL = 50;
/** TaskIds per DescribeTasks (assumed; equals the documented MaxResults maximum, so one page per chunk). */
export const MAX_TASK_IDS_PER_CALL = 100;
/** SourceAppList per BackupApp (assumed; undocumented). */
export const MAX_PACKAGES_PER_CALL = 50;
/** MaxResults maximum of the listing operations (documented: 1..100). */
export const MAX_PAGE_SIZE = 100;
/** Signatures whose time is further than this from the server's fail (documented for V2, assumed for V3). */
export const SIGNATURE_MAX_CLOCK_SKEW_MS = 15 * 60_000;

// ---- membership helpers ---------------------------------------------------------------------------------

const has = (list: readonly string[]) => {
  const set = new Set(list);
  return (value: string): boolean => set.has(value);
};
export const isKnownInstanceStatus: (status: string) => boolean = has(INSTANCE_STATUSES);
export const isKnownBackupFileStatus: (status: string) => boolean = has(BACKUP_FILE_STATUSES);
export const isKnownTaskStatus: (status: string) => boolean = has(TASK_STATUSES);
const invocation = has(INVOCATION_STATUSES);
/** Case-insensitive: sources disagree on the spelling. */
export const isKnownInvocationStatus = (status: string): boolean => invocation(status.trim().toUpperCase());
export const isKnownTaskFailureCode: (code: string) => boolean = has(KNOWN_TASK_FAILURE_CODES);

/** True for any code the client's error classification has a specific rule for (not only a prefix rule). */
export function isKnownErrorCode(code: string): boolean {
  return (
    AUTH_ERROR_CODES.includes(code) ||
    AUTH_ERROR_PREFIXES.some((p) => code.startsWith(p)) ||
    code.startsWith(THROTTLING_PREFIX) ||
    THROTTLING_CODES.includes(code) ||
    SERVER_ERROR_CODES.includes(code) ||
    code === NONCE_REUSED_CODE ||
    API_MISMATCH_CODES.includes(code) ||
    (Object.values(OPERATION_ERROR_CODES) as string[]).includes(code)
  );
}

// ---- the list -------------------------------------------------------------------------------------------

export const VENDOR_FACTS: readonly VendorFact[] = [
  {
    id: 'signing',
    basis: 'documented',
    fact: 'Requests are signed ACS3-HMAC-SHA256 (V3) by the vendor library; credentials come from the @alicloud/credentials default chain.',
    reliedOnBy: 'every vendor call (activities/ecp/call.ts)',
    whenDifferent:
      'Auth failures are classified `auth` and never retried; the target fails with the vendor code. `cpr doctor` names the credential source and the code.',
  },
  {
    id: 'clock-skew',
    basis: 'assumed',
    fact: `A request whose signing time is more than ${SIGNATURE_MAX_CLOCK_SKEW_MS / 60_000} minutes from the server's clock is refused with ${CLOCK_SKEW_ERROR_CODE} (documented for V2 signatures, assumed for V3).`,
    reliedOnBy: 'every vendor call',
    whenDifferent:
      "Classified `auth`, not retried. `cpr doctor` compares the local clock with the server's Date header and warns past 5 minutes, blocks past 15.",
  },
  {
    id: 'gateway-error-codes',
    basis: 'documented',
    fact: 'Common gateway codes: Throttling* (HTTP 400 or 429), SignatureDoesNotMatch, InvalidAccessKeyId.*, Forbidden*, ServiceUnavailable, InternalError, SignatureNonceUsed; error bodies are JSON with Code, Message, RequestId.',
    reliedOnBy: 'error classification (activities/ecp/errors.ts)',
    whenDifferent:
      'Unknown codes fall to generic rules: 5xx and unparsable replies are transient; other 4xx are `invalid`/`notFound` by prefix, else `unknown` (not retried).',
  },
  {
    id: 'operation-error-codes',
    basis: 'assumed',
    fact: `No operation-specific codes are published. Assumed: unknown instance ${OPERATION_ERROR_CODES.instanceNotFound}, unknown backup ${OPERATION_ERROR_CODES.backupNotFound}, instance not RUNNING ${OPERATION_ERROR_CODES.instanceWrongStatus}, backup not AVAILABLE ${OPERATION_ERROR_CODES.backupWrongStatus}, bad path ${OPERATION_ERROR_CODES.backupPathInvalid}, bad upload type ${OPERATION_ERROR_CODES.uploadTypeInvalid}.`,
    reliedOnBy: 'nothing decides on them any more: they name reasons and are logged (BACKUP_LEVEL_REJECTION_CODES)',
    whenDifferent:
      'Any definite refusal (HTTP 4xx with a code, not throttling or auth) is settled from state: the backup is read (DescribeBackupFiles) and every instance of the call (DescribeAndroidInstances, DescribeTasks since the attempt started). A gone or unusable backup fails the call without splitting it; an instance with a task of this attempt is adopted; one not RUNNING is not sent again and fails naming its raw status and the vendor code; the rest are sent again. The vendor code and message stay in the reason whatever they are.',
  },
  {
    id: 'rejection-scope',
    basis: 'assumed',
    fact: 'RecoverApp, RunCommand and DeleteBackupFile reject the whole call synchronously when one listed item is unfit (all-or-nothing), and the message names the item.',
    reliedOnBy: 'submitRecoveries, runCommandAndCollect, releaseBackups (splitting on the named ID, else halving)',
    whenDifferent:
      'After any refusal each instance is looked at before anything is re-sent, so a partly applied call is adopted (DescribeTasks), never duplicated. Instances whose state explains the refusal are taken out and the rest sent once more; only when state explains nothing is the call split on the named ID or halved. An accepted call without a TaskId for an instance is reconciled the same way, else NoTaskReturned.',
  },
  {
    id: 'recoverapp-no-client-token',
    basis: 'documented',
    fact: 'RecoverApp is asynchronous, returns one TaskId per instance, and has no ClientToken (no idempotency).',
    reliedOnBy: 'submitRecoveries (task IDs recorded at once; reconciliation via DescribeTasks InstanceId + Level 2 before any re-send)',
    whenDifferent:
      'A reply without TaskIds is treated as "may have started" and reconciled, never blindly re-sent; after an unknown outcome an instance that is not RUNNING and has no visible task is looked at again (bounded) and then failed naming its status, never re-sent. Tasks of earlier attempts of the same run are never adopted.',
  },
  {
    id: 'recoverapp-overwrites',
    basis: 'documented',
    fact: "An app already on the target is uninstalled first; the target's old app data is lost.",
    reliedOnBy: 'the existingApp policy (refuse | overwrite | snapshot-then-overwrite)',
    whenDifferent: 'Not applicable: the policy protects data before the call either way.',
  },
  {
    id: 'instance-statuses',
    basis: 'documented',
    fact: `Instance statuses: ${INSTANCE_STATUSES.join(', ')}. RecoverApp needs ${INSTANCE_READY}. StartAndroidInstance is allowed from ${STARTABLE_INSTANCE_STATUSES.join(', ')}.`,
    reliedOnBy: 'preflight (targets must be RUNNING), restartRecoverFailed',
    whenDifferent:
      'An unknown status is never treated as RUNNING: preflight skips the target naming the raw status (marked as unknown); before a retry it is waited for (bounded) and then refused naming it; while a task runs it is only logged, the task status decides. `cpr doctor` flags statuses not in this list.',
  },
  {
    id: 'recovery-instance-path',
    basis: 'assumed',
    fact: `During an app recovery the instance goes ${RECOVERY_INSTANCE_PATH.before} -> ${RECOVERY_INSTANCE_PATH.during} (Rate 0..100) -> ${RECOVERY_INSTANCE_PATH.succeeded}, or ${RECOVERY_INSTANCE_PATH.failed} (with ErrorCode) when the task fails.`,
    reliedOnBy: 'restartRecoverFailed (starts RECOVER_FAILED instances before a retry), RunCommand isolation while RECOVERING',
    whenDifferent:
      'Task status, not instance status, decides success. Before a retry only an instance in RECOVER_FAILED is started; one back to RUNNING is sent RecoverApp directly; one in a passing or unknown status (e.g. RESTORING_APP) is waited for, bounded; one stopped or gone is not sent anything and fails naming its status.',
  },
  {
    id: 'backup-statuses',
    basis: 'documented',
    fact: `Backup file statuses: ${BACKUP_FILE_STATUSES.join(', ')}. RecoverApp needs ${BACKUP_READY}.`,
    reliedOnBy: 'preflight (backup must be AVAILABLE), releaseBackups',
    whenDifferent:
      "Any status other than AVAILABLE blocks the recovery with the raw status in the reason. An unknown status also blocks release: the backup is kept with keptBecause 'backup-status-unknown'. `cpr doctor` flags statuses not in this list.",
  },
  {
    id: 'backup-during-recovery',
    basis: 'assumed',
    fact: 'A backup shows RECOVERING while restores from it run, and AVAILABLE (or RECOVERY_FAILED) after.',
    reliedOnBy: 'nothing decides on it; preflight reads it once before submitting',
    whenDifferent:
      'No effect on decisions: recoveries are tracked by task, a refusal treats RECOVERING like AVAILABLE, and release reads the backup and happens only after every target verified, whether or not its status changed during restores.',
  },
  {
    id: 'backup-delete',
    basis: 'assumed',
    fact: `DeleteBackupFile is asynchronous (${BACKUP_BEING_DELETED}, then gone); deleting an unknown or already deleted file is refused with ${OPERATION_ERROR_CODES.backupNotFound}.`,
    reliedOnBy: 'releaseBackups',
    whenDifferent:
      'Each backup is read before its delete: gone, DELETING or DELETED counts as released without a call; an unknown status keeps it. A refused delete, under any code, counts as released only when a fresh read shows the file gone; otherwise the backup is kept with the vendor code and the observed status in the error.',
  },
  {
    id: 'task-statuses',
    basis: 'documented',
    fact: `Task statuses: ${TASK_STATUSES.join(', ')}; ${TASK_STATUSES_SUCCEEDED.join(', ')} is success, ${TASK_STATUSES_FAILED.join(', ')} end without success.`,
    reliedOnBy: 'pollTasks, snapshot tasks',
    whenDifferent:
      'An unknown status is treated as still running until the task deadline, then the task is reported TaskTimeout (retryable). `cpr doctor` flags statuses not in this list.',
  },
  {
    id: 'task-failure-codes',
    basis: 'assumed',
    fact: `Failed tasks carry ErrorCode/ErrorMsg. Assumed permanent: ${PERMANENT_TASK_FAILURE_CODES.join(', ')}; assumed transient: ${TRANSIENT_TASK_FAILURE_CODES.join(', ')}; also known: ${OTHER_TASK_FAILURE_CODES.join(', ')}.`,
    reliedOnBy: 'pollTasks: known codes decide at once (the common case)',
    whenDifferent:
      "Any other code is judged from state: the instance and the backup are read, and the target's earlier tasks. A retry is allowed only when the instance is RUNNING or on its way back (RECOVER_FAILED, a passing status) and the backup is AVAILABLE or busy with restores, and at most once per code: a second failure with the same unknown code on the same target is permanent. Otherwise the target fails with the vendor code and message and the observation in its reason. `cpr doctor` flags unknown codes it sees on recent tasks.",
  },
  {
    id: 'task-type',
    basis: 'assumed',
    fact: 'The TaskType of a RecoverApp task is undocumented.',
    reliedOnBy: 'reconciliation after an ambiguous RecoverApp',
    whenDifferent:
      'The product never filters on it: it tracks returned TaskIds, and during reconciliation adopts any task whose type is not a known non-recovery type.',
  },
  {
    id: 'invocation-statuses',
    basis: 'documented',
    fact: `Invocation statuses ${INVOCATION_STATUSES.join(', ')}, spelled in upper or title case depending on the source.`,
    reliedOnBy: 'runCommandAndCollect (verification and preflight reads)',
    whenDifferent:
      'Compared case-insensitively; an unknown status counts as still running until the command timeout plus a grace period, then TIMEOUT (not verified, backup kept).',
  },
  {
    id: 'command-output',
    basis: 'documented',
    fact: "DescribeInvocations (marked deprecated by the vendor) returns each instance's Output; the shell offers pm, dumpsys, find, stat, sha256sum, cat, ls and can read /data/data/<package> (readability assumed).",
    reliedOnBy: 'verification (docs/verification-commands.md)',
    whenDifferent:
      'Missing output or an unreadable data dir makes verification fail (VerificationError or DataMismatch): the backup is kept, never deleted unverified.',
  },
  {
    id: 'list-limits',
    basis: 'assumed',
    fact: `At most ${MAX_INSTANCES_PER_CALL} instances per call (documented for RunCommand and DescribeInvocations only), ${MAX_BACKUP_FILES_PER_CALL} backup files per delete, ${MAX_TASK_IDS_PER_CALL} task IDs per DescribeTasks, MaxResults 1..${MAX_PAGE_SIZE} (documented).`,
    reliedOnBy: 'the typed client (activities/ecp/validate.ts) and every chunked activity',
    whenDifferent:
      'A lower real cap shows as an InvalidParameter rejection of the whole call; lower the limit here. A higher one only costs extra calls.',
  },
  {
    id: 'rate-limits',
    basis: 'assumed',
    fact: 'No eds-aic QPS limits are published.',
    reliedOnBy: 'the per-action rate limiter (CPR_VENDOR_QPS, default 10 per action per worker)',
    whenDifferent:
      'Throttling replies are retried with backoff inside the activity and only slow the run down. `cpr doctor` checks the configured limits are plausible.',
  },
  {
    id: 'time-formats',
    basis: 'documented',
    fact: 'Times come as ISO 8601 (tasks) or `YYYY-MM-DD HH:mm:ss` (backups, invocations); the zone of the latter is undocumented and read as UTC (assumed).',
    reliedOnBy: 'reconciliation windows (task StartTime), reports',
    whenDifferent:
      "An unparsable time is treated as absent; reconciliation then also excludes tasks by finish time, so a zone error cannot adopt an older attempt's task.",
  },
];
