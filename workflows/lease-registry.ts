// The lease registry: one long-lived workflow per shard of the instance-ID space holds which workflow
// may operate on which instance. Sharding (not one workflow per instance) keeps the Temporal cost of a
// lease near one update per touched shard, whatever the number of instances in a request.
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { FailureType } from './failures';
import { RUN_SETTINGS_V1 } from './run-settings';
import { LEASE_SHARDS, type AcquireLeasesResult, type LeaseHolder } from './types';

export const LEASE_REGISTRY_ID_PREFIX = 'cpr-lease-registry';
export const MAX_LEASE_REQUEST_INSTANCES = 5000;
/** Bounds one run's update count below the server's per-run update limit (2,000 by default). */
export const DEFAULT_CONTINUE_AS_NEW_AFTER_UPDATES = 1000;

export interface LeaseRequest {
  holderWorkflowId: string;
  instanceIds: string[];
}

export interface LeaseEntry {
  holderWorkflowId: string;
  since: string;
}

export interface LeaseRegistryInput {
  /** When set, requests for instances of another shard are rejected (a routing bug, not a busy lease). */
  shard?: number;
  /** Shard count the instance IDs are routed over; absent (registries started before it was recorded): version 1's. */
  shards?: number;
  /** Leases carried over by continue-as-new. */
  leases?: Record<string, LeaseEntry>;
  /** Continue as new after this many accepted updates (the server's suggestion also triggers it). */
  continueAsNewAfterUpdates?: number;
}

export interface WorkflowsRunning {
  running: string[];
  stopped: string[];
}

/** Activities the registry itself calls, registered on the registry's task queue. */
export interface LeaseRegistryActivities {
  checkWorkflowsRunning(workflowIds: string[]): Promise<WorkflowsRunning>;
}

export interface ReleaseLeasesResult {
  released: string[];
}

/** One holder's acquire or release, as part of a batch. */
export type LeaseChange = LeaseRequest & { kind: 'acquire' | 'release' };
export type LeaseChangeResult = AcquireLeasesResult | ReleaseLeasesResult;
/** Several holders' acquires and releases on one shard in one update (activities/lease-batching.ts), applied and answered in order. */
export interface LeaseBatch {
  changes: LeaseChange[];
}
/** Instances one batch may name in all, so a batch stays far below the server's payload limit. */
export const MAX_LEASE_BATCH_INSTANCES = 5000;

export const acquireLeasesUpdate = defineUpdate<AcquireLeasesResult, [LeaseRequest]>('acquire');
export const releaseLeasesUpdate = defineUpdate<ReleaseLeasesResult, [LeaseRequest]>('release');
export const changeLeasesUpdate = defineUpdate<LeaseChangeResult[], [LeaseBatch]>('changeLeases');
export const leasesQuery = defineQuery<LeaseHolder[], [string[]?]>('leases');

/** FNV-1a (32-bit) of the instance ID: stable across processes and SDK versions, unlike any built-in. */
export function leaseShardOf(instanceId: string, shards: number = LEASE_SHARDS): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < instanceId.length; i++) {
    hash ^= instanceId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

export function leaseRegistryWorkflowId(shard: number, prefix: string = LEASE_REGISTRY_ID_PREFIX): string {
  return `${prefix}-${shard}`;
}

const { checkWorkflowsRunning } = proxyActivities<LeaseRegistryActivities>({
  startToCloseTimeout: '20 seconds',
  // An acquire waits on this check, so fail fast and keep the lease (conservative) rather than stall.
  retry: { initialInterval: '200 milliseconds', maximumInterval: '2 seconds', maximumAttempts: 3 },
});

function invalid(message: string): never {
  throw ApplicationFailure.create({ message, type: FailureType.InvalidLeaseRequest, nonRetryable: true });
}

/**
 * Synchronous: the SDK ignores a validator's promise, so an async validator could never reject. Also
 * called by the lease activities before a request joins a batch, so one bad request never fails others.
 */
export function validateRequest(shard: number | undefined, shards: number, request: LeaseRequest | undefined): void {
  if (typeof request !== 'object' || request === null) invalid('lease request must be an object');
  const { holderWorkflowId, instanceIds } = request;
  if (typeof holderWorkflowId !== 'string' || holderWorkflowId.length === 0 || holderWorkflowId.length > 1000) {
    invalid('holderWorkflowId must be a non-empty string of at most 1000 characters');
  }
  if (!Array.isArray(instanceIds)) invalid('instanceIds must be an array');
  if (instanceIds.length > MAX_LEASE_REQUEST_INSTANCES) invalid(`instanceIds must have at most ${MAX_LEASE_REQUEST_INSTANCES} entries`);
  for (const id of instanceIds) {
    if (typeof id !== 'string' || id.length === 0 || id.length > 128)
      invalid('every instanceId must be a non-empty string of at most 128 characters');
    if (shard !== undefined && leaseShardOf(id, shards) !== shard)
      invalid(`instance ${id} belongs to lease shard ${leaseShardOf(id, shards)}, not ${shard}`);
  }
}

function validateBatch(shard: number | undefined, shards: number, batch: LeaseBatch | undefined): void {
  if (typeof batch !== 'object' || batch === null || !Array.isArray(batch.changes)) invalid('a lease batch must be an object with a changes array');
  let instances = 0;
  for (const change of batch.changes) {
    if (change?.kind !== 'acquire' && change?.kind !== 'release') invalid("every change must be of kind 'acquire' or 'release'");
    validateRequest(shard, shards, change);
    instances += change.instanceIds.length;
  }
  if (instances > MAX_LEASE_BATCH_INSTANCES) invalid(`a lease batch must name at most ${MAX_LEASE_BATCH_INSTANCES} instances in all`);
}

function toHolder(instanceId: string, entry: LeaseEntry): LeaseHolder {
  return { instanceId, holderWorkflowId: entry.holderWorkflowId, since: entry.since };
}

export async function leaseRegistry(input: LeaseRegistryInput = {}): Promise<void> {
  const leases = new Map<string, LeaseEntry>(Object.entries(input.leases ?? {}));
  const continueAsNewAfterUpdates = input.continueAsNewAfterUpdates ?? DEFAULT_CONTINUE_AS_NEW_AFTER_UPDATES;
  const shards = input.shards ?? RUN_SETTINGS_V1.leaseShards;
  let updatesThisRun = 0;

  async function acquire({ holderWorkflowId, instanceIds }: LeaseRequest): Promise<AcquireLeasesResult> {
    const now = new Date().toISOString();
    const granted = new Set<string>();
    const heldByOthers: LeaseHolder[] = [];
    for (const id of new Set(instanceIds)) {
      const entry = leases.get(id);
      if (!entry) leases.set(id, { holderWorkflowId, since: now });
      if (!entry || entry.holderWorkflowId === holderWorkflowId) granted.add(id);
      else heldByOthers.push(toHolder(id, entry));
    }
    let busy = heldByOthers;
    if (heldByOthers.length > 0) {
      // A holder that ended without releasing (terminated, timed out, a parent closed it) would keep
      // its instances forever; ask the server which holders still run and take over from the rest.
      const holders = [...new Set(heldByOthers.map((h) => h.holderWorkflowId))];
      let stopped = new Set<string>();
      try {
        stopped = new Set((await checkWorkflowsRunning(holders)).stopped);
      } catch (err) {
        log.warn('could not check lease holders; keeping their leases', { holders: holders.length, error: String(err) });
      }
      busy = [];
      const reclaimedAt = new Date().toISOString();
      for (const held of heldByOthers) {
        // Re-read: other handlers may have changed this lease while the check ran.
        const current = leases.get(held.instanceId);
        if (current && current.holderWorkflowId !== holderWorkflowId) {
          const stillStale =
            current.holderWorkflowId === held.holderWorkflowId && current.since === held.since && stopped.has(held.holderWorkflowId);
          if (!stillStale) {
            busy.push(toHolder(held.instanceId, current));
            continue;
          }
          log.info('reclaimed lease from a stopped holder', {
            instanceId: held.instanceId,
            from: held.holderWorkflowId,
            to: holderWorkflowId,
          });
        }
        if (current?.holderWorkflowId !== holderWorkflowId) leases.set(held.instanceId, { holderWorkflowId, since: reclaimedAt });
        granted.add(held.instanceId);
      }
    }
    return { granted: [...new Set(instanceIds)].filter((id) => granted.has(id)), busy };
  }

  function release({ holderWorkflowId, instanceIds }: LeaseRequest): ReleaseLeasesResult {
    const released: string[] = [];
    for (const id of new Set(instanceIds)) {
      if (leases.get(id)?.holderWorkflowId === holderWorkflowId) {
        leases.delete(id);
        released.push(id);
      }
    }
    return { released };
  }

  // Handlers first, before any await, so the update that started this run is never missed.
  const validator = (request: LeaseRequest): void => validateRequest(input.shard, shards, request);
  setHandler(
    acquireLeasesUpdate,
    (request) => {
      updatesThisRun++;
      return acquire(request);
    },
    { validator, description: 'Lease instances to one workflow; reports the holders of busy ones' },
  );
  setHandler(
    releaseLeasesUpdate,
    (request) => {
      updatesThisRun++;
      return Promise.resolve(release(request));
    },
    { validator, description: "Release the caller's leases; others' leases are left alone" },
  );
  // One update for the acquires and releases of many holders: the lease activities of a worker send
  // what arrived while the previous update to this shard was in flight (activities/lease-batching.ts),
  // which keeps a shard's updates in flight to about one per worker, however many recoveries run.
  setHandler(
    changeLeasesUpdate,
    async ({ changes }) => {
      updatesThisRun++;
      const results: LeaseChangeResult[] = [];
      for (const change of changes) results.push(change.kind === 'acquire' ? await acquire(change) : release(change));
      return results;
    },
    {
      validator: (batch) => validateBatch(input.shard, shards, batch),
      description: 'Acquires and releases of several holders, applied and answered in order',
    },
  );

  setHandler(leasesQuery, (instanceIds) => {
    if (!instanceIds) return [...leases].map(([id, entry]) => toHolder(id, entry));
    return instanceIds.flatMap((id) => {
      const entry = leases.get(id);
      return entry ? [toHolder(id, entry)] : [];
    });
  });

  await condition(() => workflowInfo().continueAsNewSuggested || updatesThisRun >= continueAsNewAfterUpdates);
  await condition(allHandlersFinished);
  await continueAsNew<typeof leaseRegistry>({
    shard: input.shard,
    shards: input.shards,
    leases: Object.fromEntries(leases),
    continueAsNewAfterUpdates: input.continueAsNewAfterUpdates,
  });
}
