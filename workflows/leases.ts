// Workflow-side lease helpers: what the recovery workflow calls to lease its targets before RecoverApp
// and to give them back after verification (also on cancellation and failure).
import { CancellationScope, log, patched, proxyActivities, proxyLocalActivities, sleep, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { LeaseActivities } from '../activities/recovery/contract';
import { NON_RETRYABLE_FAILURE_TYPES } from './failures';
import type { AcquireLeasesResult, LeaseHolder } from './types';

export type OnBusy = 'wait' | 'fail';

export interface AcquireTargetLeasesOptions {
  /** Defaults to this workflow's ID; the registry reclaims the lease once that workflow stops running. */
  holderWorkflowId?: string;
  /** 'fail': report busy instances at once. 'wait': retry them until granted or busyWaitMs elapsed. */
  onBusy: OnBusy;
  busyWaitMs: number;
  /** The run's lease shard count (its run settings); absent: LEASE_SHARDS. */
  shards?: number;
  /** First pause between retries of busy instances; doubles up to maxRetryIntervalMs. */
  retryIntervalMs?: number;
  maxRetryIntervalMs?: number;
}

const DEFAULT_RETRY_INTERVAL_MS = 2_000;
const DEFAULT_MAX_RETRY_INTERVAL_MS = 60_000;

/** Covers the registry's own stale-holder check inside the update; a retry acquires again, which is harmless for the same holder. */
const acquireOptions = {
  startToCloseTimeout: '45 seconds',
  retry: {
    initialInterval: '500 milliseconds',
    maximumInterval: '10 seconds',
    maximumAttempts: 8,
    nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
  },
} satisfies ActivityOptions;

/** Retry hard: an unreleased lease blocks the instance until this workflow ends and it is reclaimed. */
const releaseOptions = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '500 milliseconds',
    maximumInterval: '10 seconds',
    maximumAttempts: 30,
    nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
  },
} satisfies ActivityOptions;

/**
 * patched() ID: lease calls run as local activities. A lease call is one short update per registry
 * shard, so running it inside the workflow task costs one marker event instead of an activity's
 * scheduled/started/completed events and the workflow task that follows them (docs/design.md, "History
 * cost"). Runs recorded before it replay with the activities below.
 */
export const LEASES_AS_LOCAL_ACTIVITIES = 'leases-as-local-activities';

type LeaseCalls = Pick<LeaseActivities, 'acquireLeases' | 'releaseLeases'>;

const leaseCallsAsActivities: LeaseCalls = {
  acquireLeases: proxyActivities<LeaseActivities>(acquireOptions).acquireLeases,
  releaseLeases: proxyActivities<LeaseActivities>(releaseOptions).releaseLeases,
};

const leaseCallsAsLocalActivities: LeaseCalls = {
  acquireLeases: proxyLocalActivities<LeaseActivities>(acquireOptions).acquireLeases,
  releaseLeases: proxyLocalActivities<LeaseActivities>(releaseOptions).releaseLeases,
};

function leaseCalls(): LeaseCalls {
  return patched(LEASES_AS_LOCAL_ACTIVITIES) ? leaseCallsAsLocalActivities : leaseCallsAsActivities;
}

/** The operator-facing line for a busy target; names the holder so they can find and inspect it. */
export function leaseBusyMessage(holder: LeaseHolder): string {
  return `instance ${holder.instanceId} is leased by workflow ${holder.holderWorkflowId} since ${holder.since}`;
}

/**
 * Lease the instances to this workflow. Returns the granted ones and, for the rest, who holds them.
 * On cancellation or failure every requested instance is released before the error is rethrown, so a
 * caller never holds leases it does not know about.
 */
export async function acquireTargetLeases(instanceIds: string[], options: AcquireTargetLeasesOptions): Promise<AcquireLeasesResult> {
  const holderWorkflowId = options.holderWorkflowId ?? workflowInfo().workflowId;
  const wanted = [...new Set(instanceIds)];
  if (wanted.length === 0) return { granted: [], busy: [] };
  const granted = new Set<string>();
  let busy: LeaseHolder[] = [];
  const deadline = Date.now() + (options.onBusy === 'wait' ? options.busyWaitMs : 0);
  const maxInterval = options.maxRetryIntervalMs ?? DEFAULT_MAX_RETRY_INTERVAL_MS;
  let interval = Math.min(options.retryIntervalMs ?? DEFAULT_RETRY_INTERVAL_MS, maxInterval);
  let pending = wanted;
  try {
    for (;;) {
      const result = await leaseCalls().acquireLeases({ holderWorkflowId, instanceIds: pending, ...shardsOf(options.shards) });
      for (const id of result.granted) granted.add(id);
      busy = result.busy;
      const remaining = deadline - Date.now();
      if (busy.length === 0 || options.onBusy === 'fail' || remaining <= 0) break;
      await sleep(Math.min(interval, remaining), { summary: `waiting for ${busy.length} leased instance(s)` });
      interval = Math.min(interval * 2, maxInterval);
      pending = busy.map((holder) => holder.instanceId);
    }
  } catch (err) {
    // A cancelled or failed acquire may have landed on some shards without us seeing the result.
    await releaseTargetLeases(wanted, holderWorkflowId, options.shards);
    throw err;
  }
  return { granted: wanted.filter((id) => granted.has(id)), busy };
}

/**
 * Release this workflow's leases on the instances; others' leases are untouched and repeating is harmless.
 * Runs even when the workflow is being cancelled. Returns false when the registry could not be reached
 * after retries (logged, not thrown, so cleanup never masks the run's real outcome).
 */
export async function releaseTargetLeases(
  instanceIds: string[],
  holderWorkflowId: string = workflowInfo().workflowId,
  shards?: number,
): Promise<boolean> {
  const ids = [...new Set(instanceIds)];
  if (ids.length === 0) return true;
  return CancellationScope.nonCancellable(async () => {
    try {
      await leaseCalls().releaseLeases({ holderWorkflowId, instanceIds: ids, ...shardsOf(shards) });
      return true;
    } catch (err) {
      log.error('could not release leases; they are reclaimed once this workflow stops', {
        holderWorkflowId,
        instances: ids.length,
        error: String(err),
      });
      return false;
    }
  });
}

/** Only a given shard count travels in the request, so callers without run settings send what they always did. */
function shardsOf(shards: number | undefined): { shards?: number } {
  return shards === undefined ? {} : { shards };
}
