// Activity proxies of the recovery workflow, one set of options per activity: each call's timeout,
// heartbeat and retry policy follow what that call does at the vendor, not a one-size default.
import { proxyActivities, workflowInfo, type ActivityOptions, type RetryPolicy } from '@temporalio/workflow';
import type { LeaseActivities, RecoveryActivities } from '../../activities/recovery/contract';
import { NON_RETRYABLE_FAILURE_TYPES } from '../failures';
import { laneTaskQueue, type Lane } from '../regions';

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
const preflightOptions = options({
  ...readOnly,
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { maximumAttempts: 10 },
});
export const { preflight } = proxyActivities<Pick<RecoveryActivities, 'preflight'>>(preflightOptions);

/** BackupApp of apps about to be overwritten, then waits for those backup tasks. */
const snapshotOptions = options({ startToCloseTimeout: '2 hours', heartbeatTimeout: '1 minute', retry: { maximumAttempts: 10 } });
export const { snapshotApps } = proxyActivities<Pick<RecoveryActivities, 'snapshotApps'>>(snapshotOptions);

/**
 * RecoverApp calls. Retries are safe because the activity first adopts tasks an earlier (lost) call
 * created since attemptStartedAt; without that it must not be retried at all.
 */
const submitOptions = options({ startToCloseTimeout: '10 minutes', heartbeatTimeout: '1 minute', retry: { maximumAttempts: 20 } });
export const { submitRecoveries } = proxyActivities<Pick<RecoveryActivities, 'submitRecoveries'>>(submitOptions);

/**
 * DescribeTasks loops; returns after the run's pollRoundMs at the latest, resumes from heartbeat details.
 * The timeout follows the run's own poll round (run settings), so it is made per run, not at module scope.
 */
export function pollTasksFor(pollRoundMs: number, lane?: Lane): RecoveryActivities['pollTasks'] {
  return proxyActivities<Pick<RecoveryActivities, 'pollTasks'>>(
    onLane(options({ ...readOnly, startToCloseTimeout: pollRoundMs + 5 * 60_000, heartbeatTimeout: '1 minute' }), lane),
  ).pollTasks;
}

/** RunCommand chunks (dumpsys / sha256sum), then waits for the invocations. */
const verifyOptions = options({
  ...readOnly,
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { maximumAttempts: 10 },
});
export const { verifyTargets } = proxyActivities<Pick<RecoveryActivities, 'verifyTargets'>>(verifyOptions);

/**
 * DeleteBackupFiles; a repeated delete is reported as alreadyGone, so retries are harmless. It heartbeats
 * after every read and delete: without a heartbeat timeout a release on a worker that died was retried
 * only after the 5 minutes, and a migration draining its children before continue-as-new waited for it
 * (10,000 instances on 3 workers, one SIGKILLed: 380 s instead of about 250 s).
 */
const releaseOptions = options({ startToCloseTimeout: '5 minutes', heartbeatTimeout: '1 minute', retry: { maximumAttempts: 10 } });
export const { releaseBackups } = proxyActivities<Pick<RecoveryActivities, 'releaseBackups'>>(releaseOptions);

/** Who holds leases on instances that preflight found busy (the lease registry, no vendor call). */
export const { describeLeases } = proxyActivities<Pick<LeaseActivities, 'describeLeases'>>(
  options({ ...readOnly, startToCloseTimeout: '1 minute', retry: { maximumAttempts: 10 } }),
);

/**
 * How long a region lane's first activity (preflight) may wait for a worker of that lane: a region no
 * worker serves is reported for its targets (RegionUnavailable) instead of waiting forever.
 */
export const LANE_PICKUP_TIMEOUT = '2 minutes';

/** The vendor-facing activities of one lane (region, or region and account); the default lane is the proxies above. */
export type LaneActivities = Pick<
  RecoveryActivities,
  'preflight' | 'snapshotApps' | 'submitRecoveries' | 'verifyTargets' | 'releaseBackups'
>;

const laneProxies = new Map<string, LaneActivities>();

export function activitiesFor(lane: Lane): LaneActivities {
  if (lane === undefined) return { preflight, snapshotApps, submitRecoveries, verifyTargets, releaseBackups };
  let proxies = laneProxies.get(lane);
  if (!proxies) {
    proxies = {
      preflight: proxyActivities<Pick<RecoveryActivities, 'preflight'>>({
        ...onLane(preflightOptions, lane),
        scheduleToStartTimeout: LANE_PICKUP_TIMEOUT,
      }).preflight,
      snapshotApps: proxyActivities<Pick<RecoveryActivities, 'snapshotApps'>>(onLane(snapshotOptions, lane)).snapshotApps,
      submitRecoveries: proxyActivities<Pick<RecoveryActivities, 'submitRecoveries'>>(onLane(submitOptions, lane)).submitRecoveries,
      verifyTargets: proxyActivities<Pick<RecoveryActivities, 'verifyTargets'>>(onLane(verifyOptions, lane)).verifyTargets,
      releaseBackups: proxyActivities<Pick<RecoveryActivities, 'releaseBackups'>>(onLane(releaseOptions, lane)).releaseBackups,
    };
    laneProxies.set(lane, proxies);
  }
  return proxies;
}

function onLane(opts: ActivityOptions, lane: Lane): ActivityOptions {
  return lane === undefined ? opts : { ...opts, taskQueue: laneTaskQueue(workflowInfo().taskQueue, lane) };
}
