// Lease activities: route lease requests to the registry shard of each instance (starting the shard's
// registry on first use), batched per shard (lease-batching.ts), and tell the registry which lease
// holders have stopped running.
import { getClient } from '@temporalio/activity';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { mapBounded } from './concurrency';
import { LeaseBatchQueue } from './lease-batching';
import { groupBy } from '../workflows/collections';
import type { LeaseActivities, LeaseActivityRequest } from './recovery/contract';
import {
  LEASE_REGISTRY_ID_PREFIX,
  MAX_LEASE_BATCH_INSTANCES,
  acquireLeasesUpdate,
  changeLeasesUpdate,
  leaseRegistry,
  leaseRegistryWorkflowId,
  leaseShardOf,
  leasesQuery,
  releaseLeasesUpdate,
  validateRequest,
  type LeaseChange,
  type LeaseChangeResult,
  type LeaseRegistryActivities,
  type LeaseRegistryInput,
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

  const queues = new Map<string, LeaseBatchQueue>();

  /** One change per shard the instances fall in, each through that shard's queue. */
  function perShard(kind: LeaseChange['kind'], request: LeaseActivityRequest): Promise<LeaseChangeResult[]> {
    const shards = request.shards ?? LEASE_SHARDS;
    return Promise.all(
      [...groupByShard(request.instanceIds, shards)].map(([shard, instanceIds]) => {
        const change: LeaseChange = { kind, holderWorkflowId: request.holderWorkflowId, instanceIds };
        // Checked here with the registry's own rule, so a bad request fails alone instead of its batch.
        validateRequest(shard, shards, change);
        return queueOf(shard, shards).submit(change);
      }),
    );
  }

  function queueOf(shard: number, shards: number): LeaseBatchQueue {
    const key = `${shard}/${shards}`;
    let queue = queues.get(key);
    if (!queue) {
      queue = new LeaseBatchQueue((changes) => sendBatch(shard, shards, changes), MAX_LEASE_BATCH_INSTANCES);
      queues.set(key, queue);
    }
    return queue;
  }

  /**
   * One batch update. A refused batch (a registry still on a build without batches during a roll-out,
   * or a change it refuses) is sent again one request per update, so only a refused one fails. The
   * calls run under a signal of their own: the batch serves many activities, and the cancellation of
   * the one whose call started the queue must not abort the others' requests. Update-with-start for
   * releases too: releasing on a shard that never started is a cheap no-op, and a plain update would
   * fail with "not found" after an operator terminated a registry.
   */
  async function sendBatch(shard: number, shards: number, changes: LeaseChange[]): Promise<PromiseSettledResult<LeaseChangeResult>[]> {
    const c = client();
    const detached = <T>(fn: () => Promise<T>): Promise<T> => c.withAbortSignal(new AbortController().signal, fn);
    try {
      const results = await detached(() =>
        c.workflow.executeUpdateWithStart(changeLeasesUpdate, { args: [{ changes }], startWorkflowOperation: startRegistry(shard, shards) }),
      );
      return results.map((value) => ({ status: 'fulfilled', value }));
    } catch (err) {
      if (!(err instanceof WorkflowUpdateFailedError)) throw err;
    }
    return Promise.allSettled(
      changes.map(async ({ kind, ...request }): Promise<LeaseChangeResult> => {
        try {
          return await detached<LeaseChangeResult>(() =>
            kind === 'acquire'
              ? c.workflow.executeUpdateWithStart(acquireLeasesUpdate, { args: [request], startWorkflowOperation: startRegistry(shard, shards) })
              : c.workflow.executeUpdateWithStart(releaseLeasesUpdate, { args: [request], startWorkflowOperation: startRegistry(shard, shards) }),
          );
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
      const results = (await perShard('acquire', req)) as AcquireLeasesResult[];
      const granted = new Set(results.flatMap((r) => r.granted));
      return { granted: [...new Set(req.instanceIds)].filter((id) => granted.has(id)), busy: results.flatMap((r) => r.busy) };
    },

    async releaseLeases(req): Promise<void> {
      await perShard('release', req);
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
