// Decisions from observed vendor state, not from error codes (docs/vendor-facts.md, "When the cloud
// answers differently"). The vendor publishes neither its operation error codes nor the state machine of
// a recovery, so every decision that matters for safety or cost is taken from what DescribeAndroidInstances,
// DescribeTasks and DescribeBackupFiles show. Codes only speed up the common case. Pure functions only:
// the activities gather the observations, these say what they mean.
import {
  BACKUP_BEING_DELETED,
  BACKUP_READY,
  INSTANCE_READY,
  PERMANENT_TASK_FAILURE_CODES,
  RECOVERY_INSTANCE_PATH,
  TRANSIENT_TASK_FAILURE_CODES,
  isKnownBackupFileStatus,
  isKnownInstanceStatus,
  type KnownBackupFileStatus,
  type KnownInstanceStatus,
} from '../ecp';

// ---- instances ------------------------------------------------------------------------------------------

/**
 * What an instance status means for the next step:
 * - ready: RecoverApp may be sent;
 * - restartable: a failed recovery left it there; StartAndroidInstance brings it back;
 * - settling: a known status the instance leaves by itself (starting, rebooting, recovering...);
 * - stopped: known, but only an operator action brings it back (stopped, failed, being deleted);
 * - gone: the vendor no longer lists it;
 * - unknown: a status the product does not know; never treated as RUNNING.
 */
export type InstanceCondition = 'ready' | 'restartable' | 'settling' | 'stopped' | 'gone' | 'unknown';

const SETTLING_INSTANCE_STATUSES: readonly KnownInstanceStatus[] = [
  'CREATING',
  'STARTING',
  'STOPPING',
  'REBOOTING',
  'RESETTING',
  'BACKUPING',
  RECOVERY_INSTANCE_PATH.during,
];

export function instanceCondition(status: string | undefined): InstanceCondition {
  if (status === undefined || status === 'DELETED') return 'gone';
  if (!isKnownInstanceStatus(status)) return 'unknown';
  if (status === INSTANCE_READY) return 'ready';
  if (status === RECOVERY_INSTANCE_PATH.failed) return 'restartable';
  if ((SETTLING_INSTANCE_STATUSES as readonly string[]).includes(status)) return 'settling';
  return 'stopped';
}

/**
 * Whether the instance must be started before a retry. Only the failed-recovery status is: an instance
 * back to RUNNING needs nothing, and one the operator stopped is not ours to start.
 */
export function needsRestart(status: string | undefined): boolean {
  return instanceCondition(status) === 'restartable';
}

/** A status a new attempt may get past: RUNNING, or one a Start or a short wait leads back to RUNNING. */
function instanceCanPass(condition: InstanceCondition): boolean {
  return condition === 'ready' || condition === 'restartable' || condition === 'settling';
}

// ---- backups --------------------------------------------------------------------------------------------

/**
 * - ready: AVAILABLE;
 * - busy: a known status it leaves by itself while restores or a backup run (RECOVERING, BACKUPING);
 * - gone: not listed any more, or being deleted;
 * - unusable: known, and a recovery from it cannot pass (failed or partial backup);
 * - unknown: a status the product does not know; blocks recovery and release alike.
 */
export type BackupCondition = 'ready' | 'busy' | 'gone' | 'unusable' | 'unknown';

const BUSY_BACKUP_STATUSES: readonly KnownBackupFileStatus[] = ['RECOVERING', 'BACKUPING', 'RECOVERY_FAILED'];

export function backupCondition(status: string | undefined): BackupCondition {
  // DELETED is not a documented status, but means what its name says wherever a vendor shows it.
  if (status === undefined || status === BACKUP_BEING_DELETED || status === 'DELETED') return 'gone';
  if (!isKnownBackupFileStatus(status)) return 'unknown';
  if (status === BACKUP_READY) return 'ready';
  if ((BUSY_BACKUP_STATUSES as readonly string[]).includes(status)) return 'busy';
  return 'unusable';
}

/** Describes a status for a reason: the raw value, marked when the product does not know it. */
export function describeStatus(status: string | undefined, known: (s: string) => boolean): string {
  if (status === undefined) return 'gone';
  return known(status) ? status : `${status} (a status the product does not know)`;
}

// ---- a rejected RecoverApp ------------------------------------------------------------------------------

export interface InstanceObservation {
  instanceId: string;
  /** Raw status from DescribeAndroidInstances; undefined when the vendor no longer lists it. */
  status: string | undefined;
  /** A recovery task this attempt already created on it (DescribeTasks since the attempt started). */
  taskId?: string;
}

export type RejectionStep =
  /** A task of this attempt exists: record it, never send again. */
  | { kind: 'adopt'; taskId: string }
  /** Not RUNNING (or gone, or unknown): not sent again; fails naming the raw status. */
  | { kind: 'not-ready'; status: string }
  /** RUNNING and without a task: may be sent again once the unfit instances are out of the call. */
  | { kind: 'resend' };

/** What to do with one instance of a rejected RecoverApp call, from what was observed after it. */
export function stepAfterRejection(o: InstanceObservation): RejectionStep {
  if (o.taskId) return { kind: 'adopt', taskId: o.taskId };
  if (instanceCondition(o.status) !== 'ready') return { kind: 'not-ready', status: describeStatus(o.status, isKnownInstanceStatus) };
  return { kind: 'resend' };
}

/**
 * Whether a rejection is about the backup rather than one instance, judged by the backup's observed
 * status: gone or not usable for RecoverApp. A backup-level code with an AVAILABLE backup is not
 * believed; a rejection under an unknown code with a gone backup is.
 */
export function backupBlocksRecovery(status: string | undefined): boolean {
  const c = backupCondition(status);
  return c === 'gone' || c === 'unusable' || c === 'unknown';
}

// ---- a failed task --------------------------------------------------------------------------------------

export interface FailedTaskObservation {
  errorCode?: string;
  errorMessage?: string;
  /** Instance status read after the failure; undefined when gone. Absent ("not read") for a known code. */
  instanceStatus?: string | undefined;
  /** Backup status read after the failure; undefined when gone. */
  backupStatus?: string | undefined;
  /** Whether the instance and backup were read (only for codes the product does not know). */
  observed: boolean;
  /** An earlier attempt on this target failed with the same code. */
  sameCodeBefore: boolean;
}

export interface FailureJudgement {
  retryable: boolean;
  /** Why, in one clause an operator can read; absent when the code alone decided the common case. */
  basis?: string;
}

export const isPermanentTaskFailureCode = (code: string | undefined): boolean =>
  code !== undefined && (PERMANENT_TASK_FAILURE_CODES.includes(code) || code.startsWith('InvalidParameter'));
export const isTransientTaskFailureCode = (code: string | undefined): boolean =>
  code !== undefined && TRANSIENT_TASK_FAILURE_CODES.includes(code);

/** Codes that decide by themselves; anything else is judged from observed state. */
export function failureNeedsObservation(code: string | undefined): boolean {
  return !isPermanentTaskFailureCode(code) && !isTransientTaskFailureCode(code);
}

/**
 * May a new attempt pass? Known permanent codes: no. Known transient codes: yes (the retry step still
 * checks the instance before sending). Any other code: only when the instance is RUNNING or on its way
 * back and the backup is usable, and not when this target already failed once with the same code (a
 * second identical failure of an unknown kind is treated as permanent, which bounds wasted retries to one).
 */
export function judgeTaskFailure(o: FailedTaskObservation): FailureJudgement {
  if (isPermanentTaskFailureCode(o.errorCode)) return { retryable: false };
  if (isTransientTaskFailureCode(o.errorCode)) return { retryable: true };
  const code = o.errorCode ?? 'no error code';
  if (o.sameCodeBefore)
    return { retryable: false, basis: `not retried: the previous attempt failed with the same unrecognised code ${code}` };
  if (!o.observed) return { retryable: false, basis: `not retried: unrecognised code ${code} and the instance state could not be read` };
  const instance = instanceCondition(o.instanceStatus);
  if (!instanceCanPass(instance)) {
    return {
      retryable: false,
      basis: `not retried: unrecognised code ${code} and the instance is ${describeStatus(o.instanceStatus, isKnownInstanceStatus)}`,
    };
  }
  const backup = backupCondition(o.backupStatus);
  if (backup !== 'ready' && backup !== 'busy') {
    return {
      retryable: false,
      basis: `not retried: unrecognised code ${code} and the backup is ${describeStatus(o.backupStatus, isKnownBackupFileStatus)}`,
    };
  }
  return {
    retryable: true,
    basis: `retrying once: unrecognised code ${code}, instance ${o.instanceStatus ?? 'gone'}, backup ${o.backupStatus ?? 'gone'}`,
  };
}

// ---- release --------------------------------------------------------------------------------------------

export type ReleaseStep = { kind: 'delete' } | { kind: 'gone' } | { kind: 'keep'; why: string };

/** Before a delete, and after a refused one: what the backup's observed status allows. */
export function releaseStep(status: string | undefined): ReleaseStep {
  const c = backupCondition(status);
  if (c === 'gone') return { kind: 'gone' };
  if (c === 'unknown')
    return { kind: 'keep', why: `the backup is ${describeStatus(status, isKnownBackupFileStatus)}; kept until an operator checks it` };
  return { kind: 'delete' };
}
