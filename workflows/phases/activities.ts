// Activity proxies of the recovery workflow, one set of options per activity: each call's timeout,
// heartbeat and retry policy follow what that call does at the vendor, not a one-size default.
import { proxyActivities, type ActivityOptions, type RetryPolicy } from '@temporalio/workflow';
import type { LeaseActivities, RecoveryActivities } from '../../activities/recovery/contract';
import { NON_RETRYABLE_FAILURE_TYPES } from '../failures';

const transient: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
};

const options = (opts: Omit<ActivityOptions, 'retry'> & { retry?: RetryPolicy }): ActivityOptions => ({
  ...opts,
  retry: { ...transient, ...opts.retry },
});

/**
 * Read-only activities are cancelled with TRY_CANCEL: a cancel reaches an activity only with its next
 * (throttled) heartbeat, up to 0.8 × heartbeatTimeout later, and nothing they do needs waiting for.
 * Activities that start vendor work keep the default and are awaited.
 */
const readOnly = { cancellationType: 'TRY_CANCEL' } as const;

/** Reads only: instances, backups, the source app's version and data manifest. */
export const { preflight } = proxyActivities<Pick<RecoveryActivities, 'preflight'>>(
  options({ ...readOnly, startToCloseTimeout: '10 minutes', heartbeatTimeout: '1 minute', retry: { maximumAttempts: 10 } }),
);

/** BackupApp of apps about to be overwritten, then waits for those backup tasks. */
export const { snapshotApps } = proxyActivities<Pick<RecoveryActivities, 'snapshotApps'>>(
  options({ startToCloseTimeout: '2 hours', heartbeatTimeout: '1 minute', retry: { maximumAttempts: 10 } }),
);

/**
 * RecoverApp calls. Retries are safe because the activity first adopts tasks an earlier (lost) call
 * created since attemptStartedAt; without that it must not be retried at all.
 */
export const { submitRecoveries } = proxyActivities<Pick<RecoveryActivities, 'submitRecoveries'>>(
  options({ startToCloseTimeout: '10 minutes', heartbeatTimeout: '1 minute', retry: { maximumAttempts: 20 } }),
);

/**
 * DescribeTasks loops; returns after the run's pollRoundMs at the latest, resumes from heartbeat details.
 * The timeout follows the run's own poll round (run settings), so it is made per run, not at module scope.
 */
export function pollTasksFor(pollRoundMs: number): RecoveryActivities['pollTasks'] {
  return proxyActivities<Pick<RecoveryActivities, 'pollTasks'>>(
    options({ ...readOnly, startToCloseTimeout: pollRoundMs + 5 * 60_000, heartbeatTimeout: '1 minute' }),
  ).pollTasks;
}

/** RunCommand chunks (dumpsys / sha256sum), then waits for the invocations. */
export const { verifyTargets } = proxyActivities<Pick<RecoveryActivities, 'verifyTargets'>>(
  options({ ...readOnly, startToCloseTimeout: '30 minutes', heartbeatTimeout: '2 minutes', retry: { maximumAttempts: 10 } }),
);

/** DeleteBackupFiles; a repeated delete is reported as alreadyGone, so retries are harmless. */
export const { releaseBackups } = proxyActivities<Pick<RecoveryActivities, 'releaseBackups'>>(
  options({ startToCloseTimeout: '5 minutes', retry: { maximumAttempts: 10 } }),
);

/** Who holds leases on instances that preflight found busy (the lease registry, no vendor call). */
export const { describeLeases } = proxyActivities<Pick<LeaseActivities, 'describeLeases'>>(
  options({ ...readOnly, startToCloseTimeout: '1 minute', retry: { maximumAttempts: 10 } }),
);
