// Lease activities: route lease requests to the registry shard of each instance (starting the shard's
// registry on first use) and tell the registry which lease holders have stopped running.
import { activityInfo, getClient } from '@temporalio/activity';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { mapBounded } from './concurrency';
import { groupBy } from '../workflows/collections';
import type { LeaseActivities, LeaseActivityRequest } from './recovery/contract';
import {
  LEASE_REGISTRY_ID_PREFIX,
  acquireLeasesUpdate,
  leaseRegistry,
  leaseRegistryWorkflowId,
  leaseShardOf,
  leasesQuery,
  releaseLeasesUpdate,
  type LeaseRegistryActivities,
  type LeaseRegistryInput,
  type LeaseRequest,
  type WorkflowsRunning,
} from '../workflows/lease-registry';
import { FailureType } from '../workflows/failures';
import { LEASE_SHARDS, TASK_QUEUE, type AcquireLeasesResult, type LeaseHolder } from '../workflows/types';

export interface LeaseActivitiesOptions {
  /** Defaults to the worker's client from the activity context. */
  client?: Client;
  /** Task queue the registry workflows run on; every worker of that queue must register these activities. */
  registryTaskQueue?: string;
  /**
   * Registry workflow ID prefix. Leases are exclusive only among callers sharing the prefix, so production
   * keeps the default; tests pass a unique one so they neither see nor block each other's leases.
   */
  registryIdPrefix?: string;
  /** Extra start input for registries this process starts (tests: continueAsNewAfterUpdates). */
  registryInput?: Pick<LeaseRegistryInput, 'continueAsNewAfterUpdates'>;
  /** Parallel describe() calls in checkWorkflowsRunning. */
  describeConcurrency?: number;
}

export type AllLeaseActivities = LeaseActivities & LeaseRegistryActivities;

export function createLeaseActivities(options: LeaseActivitiesOptions = {}): AllLeaseActivities {
  const prefix = options.registryIdPrefix ?? LEASE_REGISTRY_ID_PREFIX;
  const taskQueue = options.registryTaskQueue ?? TASK_QUEUE;
  const client = (): Client => options.client ?? getClient();

  async function updateShards<R>(
    kind: 'acquire' | 'release',
    request: LeaseActivityRequest,
    send: (shard: number, shards: number, req: LeaseRequest, updateId: string | undefined) => Promise<R>,
  ): Promise<R[]> {
    const shards = request.shards ?? LEASE_SHARDS;
    const byShard = groupByShard(request.instanceIds, shards);
    const base = updateIdBase(kind);
    return Promise.all(
      [...byShard].map(async ([shard, instanceIds]) => {
        try {
          return await send(shard, shards, { holderWorkflowId: request.holderWorkflowId, instanceIds }, base && `${base}/${shard}`);
        } catch (err) {
          // A validator rejection will not pass on retry; anything else (network, update limits) may.
          if (err instanceof WorkflowUpdateFailedError) {
            throw ApplicationFailure.create({
              message: `lease ${kind} rejected by shard ${shard}: ${err.cause?.message ?? err.message}`,
              type: FailureType.InvalidLeaseRequest,
              nonRetryable: true,
              cause: err,
            });
          }
          throw err;
        }
      }),
    );
  }

  function startRegistry(shard: number, shards: number): WithStartWorkflowOperation<typeof leaseRegistry> {
    return new WithStartWorkflowOperation(leaseRegistry, {
      workflowId: leaseRegistryWorkflowId(shard, prefix),
      taskQueue,
      args: [{ ...options.registryInput, shard, shards }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: `Instance leases, shard ${shard} of ${shards}`,
    });
  }

  async function checkWorkflowsRunning(workflowIds: string[]): Promise<WorkflowsRunning> {
    const ids = [...new Set(workflowIds)];
    const running: string[] = [];
    const stopped: string[] = [];
    await mapBounded(ids, options.describeConcurrency ?? 8, async (workflowId) => {
      try {
        // No run ID: a holder that continued as new is judged by its latest run.
        const { status } = await client().workflow.getHandle(workflowId).describe();
        (status.name === 'RUNNING' ? running : stopped).push(workflowId);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err; // unknown: let the caller keep the lease
        stopped.push(workflowId);
      }
    });
    return { running, stopped };
  }

  return {
    async acquireLeases(req): Promise<AcquireLeasesResult> {
      const results = await updateShards('acquire', req, (shard, shards, shardReq, updateId) =>
        client().workflow.executeUpdateWithStart(acquireLeasesUpdate, {
          args: [shardReq],
          updateId,
          startWorkflowOperation: startRegistry(shard, shards),
        }),
      );
      const granted = new Set(results.flatMap((r) => r.granted));
      return { granted: [...new Set(req.instanceIds)].filter((id) => granted.has(id)), busy: results.flatMap((r) => r.busy) };
    },

    async releaseLeases(req): Promise<void> {
      // Update-with-start here too: releasing on a shard that never started is a cheap no-op, and a plain
      // update would fail with "not found" after an operator terminated a registry.
      await updateShards('release', req, (shard, shards, shardReq, updateId) =>
        client().workflow.executeUpdateWithStart(releaseLeasesUpdate, {
          args: [shardReq],
          updateId,
          startWorkflowOperation: startRegistry(shard, shards),
        }),
      );
    },

    async describeLeases(req): Promise<LeaseHolder[]> {
      const shards = req.shards ?? LEASE_SHARDS;
      const asked = req.instanceIds.length > 0 ? [...groupByShard(req.instanceIds, shards)] : allShards(shards);
      const perShard = await Promise.all(
        asked.map(async ([shard, instanceIds]) => {
          try {
            return await client().workflow.getHandle(leaseRegistryWorkflowId(shard, prefix)).query(leasesQuery, instanceIds);
          } catch (err) {
            if (err instanceof WorkflowNotFoundError) return [];
            throw err;
          }
        }),
      );
      const holders = perShard.flat();
      if (holders.length === 0) return holders;
      // A stopped holder's lease is reclaimed on the next acquire, so it no longer holds anything.
      const { stopped } = await checkWorkflowsRunning(holders.map((h) => h.holderWorkflowId));
      const gone = new Set(stopped);
      return holders.filter((h) => !gone.has(h.holderWorkflowId));
    },

    checkWorkflowsRunning,
  };
}

function groupByShard(instanceIds: string[], shards: number): Map<number, string[]> {
  return groupBy([...new Set(instanceIds)], (id) => leaseShardOf(id, shards));
}

function allShards(shards: number): [number, string[] | undefined][] {
  return Array.from({ length: shards }, (_, shard) => [shard, undefined]);
}

/**
 * Same ID for every attempt of one activity: if an attempt's update landed but its result was lost, the
 * retry gets that first result back from the server instead of applying the request twice.
 */
function updateIdBase(kind: string): string | undefined {
  let info: ReturnType<typeof activityInfo>;
  try {
    info = activityInfo();
  } catch {
    return undefined; // called directly (CLI, scripts): no retries to deduplicate
  }
  const { workflowExecution, activityId } = info;
  if (!workflowExecution) return undefined;
  return `${kind}/${workflowExecution.workflowId}/${workflowExecution.runId}/${activityId}`;
}
