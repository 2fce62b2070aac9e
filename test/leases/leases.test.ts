// Instance leases end to end: real dev server, real worker running the sharded lease registry and the
// lease activities, holder workflows competing for instances the way recovery runs do.
import { maybeRecordFixture } from '../workflows/harness';
import { join } from 'node:path';
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createLeaseActivities, type LeaseActivitiesOptions } from '../../activities/leases';
import { LEASE_REGISTRY_WORKFLOW, LEASE_SHARDS, type AcquireLeasesResult } from '../../workflows/types';
import {
  acquireLeasesUpdate,
  holderStateQuery,
  leaseHolder,
  leaseRegistryWorkflowId,
  leaseShardOf,
  leasesQuery,
  registryBeforeBatches,
  releaseNowSignal,
  type LeaseHolderInput,
} from './fixtures/lease-workflows';
import { connectTestTemporal, uniqueId, uniqueTaskQueue, type TestTemporal } from '../harness/temporal';

let bundle: WorkflowBundleWithSourceMap;
let temporal: TestTemporal;

beforeAll(async () => {
  [bundle, temporal] = await Promise.all([
    bundleWorkflowCode({ workflowsPath: join(__dirname, 'fixtures', 'lease-workflows.ts'), logger: quietLogger() }),
    connectTestTemporal(),
  ]);
});
afterAll(async () => temporal?.close());

/** One isolated lease world per test: its own task queue, registry IDs and worker. */
interface LeaseWorld {
  taskQueue: string;
  prefix: string;
  acts: ReturnType<typeof createLeaseActivities>;
  startHolder(input: Partial<LeaseHolderInput> & { instanceIds: string[] }): Promise<WorkflowHandle<typeof leaseHolder>>;
  registry(instanceId: string): WorkflowHandle;
}

async function inLeaseWorld(
  fn: (world: LeaseWorld) => Promise<void>,
  registryInput?: LeaseActivitiesOptions['registryInput'],
): Promise<void> {
  const taskQueue = uniqueTaskQueue('leases');
  const prefix = uniqueId('test-lease-registry');
  const options = { registryTaskQueue: taskQueue, registryIdPrefix: prefix, registryInput };
  const worker = await Worker.create({
    connection: temporal.nativeConnection,
    namespace: temporal.namespace,
    taskQueue,
    workflowBundle: bundle,
    activities: createLeaseActivities(options), // the worker's own client, as in production
  });
  const world: LeaseWorld = {
    taskQueue,
    prefix,
    acts: createLeaseActivities({ ...options, client: temporal.client }),
    startHolder: (input) =>
      temporal.client.workflow.start(leaseHolder, {
        taskQueue,
        workflowId: uniqueId('holder'),
        args: [{ onBusy: 'fail', busyWaitMs: 0, holdUntilSignal: true, ...input }],
      }),
    registry: (instanceId) => temporal.client.workflow.getHandle(leaseRegistryWorkflowId(leaseShardOf(instanceId), prefix)),
  };
  await worker.runUntil(fn(world));
}

async function holding(handle: WorkflowHandle<typeof leaseHolder>): Promise<AcquireLeasesResult> {
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; await delay(50)) {
    const state = await handle.query(holderStateQuery);
    if (state.phase !== 'acquiring' && state.acquired) return state.acquired;
  }
  throw new Error(`holder ${handle.workflowId} never acquired`);
}

function instances(n: number, tag = uniqueId('i')): string[] {
  return Array.from({ length: n }, (_, i) => `acp-${tag}-${i}`);
}

/** n instance IDs that all hash to one shard, to exercise one registry run. */
function instancesOnOneShard(n: number): string[] {
  const tag = uniqueId('s');
  const shard = leaseShardOf(`acp-${tag}-0`);
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) if (leaseShardOf(`acp-${tag}-${i}`) === shard) out.push(`acp-${tag}-${i}`);
  return out;
}

// temporal.api.enums.v1.EventType values (the history's eventType is the numeric enum).
const TIMER_STARTED = 17;
const CONTINUED_AS_NEW = 28;

async function historyEvents(handle: WorkflowHandle, runId?: string): Promise<{ count: number; types: number[] }> {
  const history = await temporal.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
  const events = history.events ?? [];
  return { count: events.length, types: events.map((e) => Number(e.eventType)) };
}

describe('instance leases', () => {
  it('lets exactly one of two racing holders have each contested instance, naming the holder to the other', () =>
    inLeaseWorld(async (world) => {
      const ids = instances(9);
      const [a, b] = await Promise.all([
        world.startHolder({ instanceIds: ids.slice(0, 6) }),
        world.startHolder({ instanceIds: ids.slice(3) }),
      ]);
      const [gotA, gotB] = await Promise.all([holding(a), holding(b)]);

      expect(gotA.granted).toEqual(expect.arrayContaining(ids.slice(0, 3)));
      expect(gotB.granted).toEqual(expect.arrayContaining(ids.slice(6)));
      for (const id of ids.slice(3, 6)) {
        const winner = gotA.granted.includes(id) ? a : b;
        const loser = winner === a ? gotB : gotA;
        expect(gotA.granted.includes(id) !== gotB.granted.includes(id)).toBe(true);
        expect(loser.busy).toContainEqual(expect.objectContaining({ instanceId: id, holderWorkflowId: winner.workflowId }));
      }
      expect(gotA.granted.length + gotB.granted.length).toBe(9);

      // Operators see the same picture.
      const described = await world.acts.describeLeases({ instanceIds: ids });
      expect(described).toHaveLength(9);
      for (const lease of described)
        expect(lease.holderWorkflowId).toBe(gotA.granted.includes(lease.instanceId) ? a.workflowId : b.workflowId);
      expect(await world.acts.describeLeases({ instanceIds: [] })).toHaveLength(9);

      await Promise.all([a.signal(releaseNowSignal), b.signal(releaseNowSignal)]);
      const [doneA, doneB] = await Promise.all([a.result(), b.result()]);
      expect(doneA.released && doneB.released).toBe(true);
      const loserMessages = [...doneA.busyMessages, ...doneB.busyMessages];
      expect(loserMessages).toHaveLength(3);
      for (const message of loserMessages)
        expect(message).toMatch(new RegExp(`leased by workflow (${a.workflowId}|${b.workflowId}) since`));
      expect(await world.acts.describeLeases({ instanceIds: ids })).toEqual([]);
    }));

  it('grants released instances to the next holder and re-grants idempotently to the same holder', () =>
    inLeaseWorld(async (world) => {
      const ids = instances(4);
      const a = await world.startHolder({ instanceIds: ids.slice(0, 3) });
      const first = await holding(a);
      expect(first.granted).toEqual(ids.slice(0, 3));
      const sinceBefore = await world.acts.describeLeases({ instanceIds: ids });

      // Same holder again, with one new instance: everything granted, existing leases keep their start time.
      const again = await world.acts.acquireLeases({ holderWorkflowId: a.workflowId, instanceIds: ids });
      expect(again).toEqual({ granted: ids, busy: [] });
      const sinceAfter = await world.acts.describeLeases({ instanceIds: ids.slice(0, 3) });
      expect(sinceAfter).toEqual(expect.arrayContaining(sinceBefore));

      await a.signal(releaseNowSignal);
      await a.result();
      await world.acts.releaseLeases({ holderWorkflowId: a.workflowId, instanceIds: [ids[3]!] });
      await world.acts.releaseLeases({ holderWorkflowId: a.workflowId, instanceIds: ids }); // repeat: harmless

      const b = await world.startHolder({ instanceIds: ids });
      expect(await holding(b)).toEqual({ granted: ids, busy: [] });
      // A release by someone who does not hold the lease changes nothing.
      await world.acts.releaseLeases({ holderWorkflowId: a.workflowId, instanceIds: ids });
      expect((await world.acts.describeLeases({ instanceIds: ids })).map((l) => l.holderWorkflowId)).toEqual(ids.map(() => b.workflowId));
      await b.signal(releaseNowSignal);
      await b.result();
    }));

  it("with onBusy 'fail' reports busy instances at once, without waiting", () =>
    inLeaseWorld(async (world) => {
      const ids = instances(3);
      const a = await world.startHolder({ instanceIds: ids.slice(0, 2) });
      await holding(a);
      const b = await world.startHolder({ instanceIds: ids, onBusy: 'fail', busyWaitMs: 60_000, holdUntilSignal: false });
      const started = Date.now();
      const result = await b.result();
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(result.acquired.granted).toEqual([ids[2]]);
      expect(result.acquired.busy.map((h) => [h.instanceId, h.holderWorkflowId])).toEqual(
        expect.arrayContaining(ids.slice(0, 2).map((id) => [id, a.workflowId])),
      );
      expect((await historyEvents(b)).types).not.toContain(TIMER_STARTED);
      await a.signal(releaseNowSignal);
      await a.result();
    }));

  it("with onBusy 'wait' gets the instances once the holder releases them, and gives up after busyWaitMs", () =>
    inLeaseWorld(async (world) => {
      const ids = instances(3);
      const a = await world.startHolder({ instanceIds: ids });
      await holding(a);

      const patient = await world.startHolder({
        instanceIds: ids,
        onBusy: 'wait',
        busyWaitMs: 30_000,
        retryIntervalMs: 50,
        maxRetryIntervalMs: 200,
        holdUntilSignal: false,
      });
      const impatient = await world.startHolder({
        instanceIds: ids.slice(0, 1),
        onBusy: 'wait',
        busyWaitMs: 300,
        retryIntervalMs: 50,
        holdUntilSignal: false,
      });
      const gaveUp = await impatient.result();
      expect(gaveUp.acquired).toEqual({
        granted: [],
        busy: [expect.objectContaining({ instanceId: ids[0], holderWorkflowId: a.workflowId })],
      });
      expect(gaveUp.busyMessages[0]).toContain(a.workflowId);

      await a.signal(releaseNowSignal);
      await a.result();
      const waited = await patient.result();
      expect(waited.acquired).toEqual({ granted: ids, busy: [] });
      expect((await historyEvents(patient)).types).toContain(TIMER_STARTED);
    }));

  it('reclaims the leases of a holder that was terminated, or that ended without releasing', () =>
    inLeaseWorld(async (world) => {
      const ids = instances(4);
      const terminated = await world.startHolder({ instanceIds: ids.slice(0, 2) });
      const careless = await world.startHolder({ instanceIds: ids.slice(2), holdUntilSignal: false, releaseOnExit: false });
      await holding(terminated);
      expect((await careless.result()).released).toBe(false);
      expect(await world.acts.describeLeases({ instanceIds: ids })).toHaveLength(2); // the careless one no longer runs
      await terminated.terminate('operator terminated the parent');
      expect(await world.acts.describeLeases({ instanceIds: ids })).toEqual([]);

      const next = await world.startHolder({ instanceIds: ids });
      expect(await holding(next)).toEqual({ granted: ids, busy: [] });
      const leases = await world.acts.describeLeases({ instanceIds: ids });
      expect(leases.map((l) => l.holderWorkflowId)).toEqual(ids.map(() => next.workflowId));
      await next.signal(releaseNowSignal);
      await next.result();
    }));

  it('releases the leases of a holder that is cancelled', () =>
    inLeaseWorld(async (world) => {
      const ids = instances(5);
      const a = await world.startHolder({ instanceIds: ids });
      await holding(a);
      await a.cancel();
      await expect(a.result()).rejects.toBeInstanceOf(WorkflowFailedError);
      expect((await a.describe()).status.name).toBe('CANCELLED');
      // Released by the holder itself (the registry still holds nothing for it), not merely reclaimed.
      for (const id of ids) expect(await world.registry(id).query(leasesQuery, [id])).toEqual([]);
    }));

  it("releases what a holder got so far when it is cancelled while waiting for the rest, leaving others' leases alone", () =>
    inLeaseWorld(async (world) => {
      const [held, free] = instances(2) as [string, string];
      const a = await world.startHolder({ instanceIds: [held] });
      await holding(a);
      const b = await world.startHolder({
        instanceIds: [held, free],
        onBusy: 'wait',
        busyWaitMs: 60_000,
        retryIntervalMs: 50,
        maxRetryIntervalMs: 100,
      });
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; await delay(50)) {
        if ((await world.acts.describeLeases({ instanceIds: [free] })).length > 0) break;
      }
      expect(await world.registry(free).query(leasesQuery, [free])).toEqual([expect.objectContaining({ holderWorkflowId: b.workflowId })]);
      await b.cancel();
      await expect(b.result()).rejects.toBeInstanceOf(WorkflowFailedError);
      expect(await world.registry(free).query(leasesQuery, [free])).toEqual([]);
      expect(await world.registry(held).query(leasesQuery, [held])).toEqual([expect.objectContaining({ holderWorkflowId: a.workflowId })]);
      await a.signal(releaseNowSignal);
      await a.result();
    }));

  it('keeps the lease map across the registry continuing as new', () =>
    inLeaseWorld(
      async (world) => {
        const [x1, x2, x3] = instancesOnOneShard(3) as [string, string, string];
        const a = await world.startHolder({ instanceIds: [x1] }); // update 1 starts the registry
        await holding(a);
        const firstRunId = (await world.registry(x1).describe()).runId;
        await world.acts.acquireLeases({ holderWorkflowId: a.workflowId, instanceIds: [x2] }); // update 2 → continue-as-new
        await world.acts.acquireLeases({ holderWorkflowId: a.workflowId, instanceIds: [x3] }); // lands on the new run

        const firstRun = await historyEvents(world.registry(x1), firstRunId);
        expect(firstRun.types.at(-1)).toBe(CONTINUED_AS_NEW);
        expect((await world.registry(x1).describe()).runId).not.toBe(firstRunId);

        const rival = await world.acts.acquireLeases({ holderWorkflowId: uniqueId('rival'), instanceIds: [x1, x2, x3] });
        expect(rival.granted).toEqual([]);
        expect(rival.busy.map((h) => h.holderWorkflowId)).toEqual([a.workflowId, a.workflowId, a.workflowId]);
        await a.signal(releaseNowSignal);
        await a.result();
        await world.acts.releaseLeases({ holderWorkflowId: a.workflowId, instanceIds: [x2, x3] });
        expect(await world.registry(x1).query(leasesQuery)).toEqual([]);
        const desc = await world.registry(x1).describe();
        expect(desc.type).toBe(LEASE_REGISTRY_WORKFLOW);
        expect(desc.status.name).toBe('RUNNING');
      },
      { continueAsNewAfterUpdates: 2 },
    ));

  it('rejects malformed requests in the validator, leaving no trace in the registry history', () =>
    inLeaseWorld(async (world) => {
      const [x] = instances(1);
      await world.acts.acquireLeases({ holderWorkflowId: 'someone', instanceIds: [x!] });
      const registry = world.registry(x!);
      const before = (await historyEvents(registry)).count;
      const otherShard = instances(40).find((id) => leaseShardOf(id) !== leaseShardOf(x!))!;
      for (const bad of [
        { holderWorkflowId: '', instanceIds: [x!] },
        { holderWorkflowId: 'h', instanceIds: [''] },
        { holderWorkflowId: 'h', instanceIds: [otherShard] },
      ]) {
        await expect(registry.executeUpdate(acquireLeasesUpdate, { args: [bad] })).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
      }
      await expect(world.acts.acquireLeases({ holderWorkflowId: '', instanceIds: [x!] })).rejects.toMatchObject({
        type: 'InvalidLeaseRequest',
        nonRetryable: true,
      });
      expect((await historyEvents(registry)).count).toBe(before);
    }));

  it('answers a retried attempt of the acquire activity with the same grant (acquire is idempotent per holder)', () =>
    inLeaseWorld(async (world) => {
      const ids = instancesOnOneShard(3);
      // No client passed: the activities use the one from the activity context, as on a real worker.
      const acts = createLeaseActivities({ registryTaskQueue: world.taskQueue, registryIdPrefix: world.prefix });
      const attempt = (activityId: string, n: number) =>
        new MockActivityEnvironment(
          { workflowExecution: { workflowId: 'holder-x', runId: 'run-1' }, activityId, attempt: n },
          { client: temporal.client },
        );
      const request = { holderWorkflowId: 'holder-x', instanceIds: ids };

      const first = await attempt('5', 1).run(acts.acquireLeases, request);
      expect(first).toEqual({ granted: ids, busy: [] });
      expect(await attempt('5', 2).run(acts.acquireLeases, request)).toEqual(first);
      const holders = await world.registry(ids[0]!).query(leasesQuery);
      expect(holders.map((h) => [h.instanceId, h.holderWorkflowId])).toEqual(ids.map((id) => [id, 'holder-x']));
      // The retry did not move the lease's start either.
      expect(new Set(holders.map((h) => h.since)).size).toBe(1);

      await attempt('6', 1).run(acts.releaseLeases, request);
      expect(await world.registry(ids[0]!).query(leasesQuery)).toEqual([]);
    }));

  it('sends the requests that arrive while an update is in flight as one batch; a refused request fails alone', () =>
    inLeaseWorld(async (world) => {
      const ids = instancesOnOneShard(40);
      const registry = world.registry(ids[0]!);
      // 20 holders at once, two instances each, all on one shard; and one of them asks for nonsense.
      const holders = Array.from({ length: 20 }, (_, i) => ({ holderWorkflowId: `holder-${i}`, instanceIds: ids.slice(2 * i, 2 * i + 2) }));
      const [results, bad] = await Promise.all([
        Promise.all(holders.map((h) => world.acts.acquireLeases(h))),
        world.acts.acquireLeases({ holderWorkflowId: '', instanceIds: [ids[0]!] }).then(
          () => 'granted',
          (err: unknown) => err,
        ),
      ]);
      results.forEach((r, i) => expect(r).toEqual({ granted: holders[i]!.instanceIds, busy: [] }));
      expect(bad).toMatchObject({ type: 'InvalidLeaseRequest', nonRetryable: true });

      // Releases go in batches the same way, each holder's own leases only.
      await Promise.all(holders.slice(0, 10).map((h) => world.acts.releaseLeases(h)));
      const held = await registry.query(leasesQuery);
      expect(held.map((h) => h.holderWorkflowId).sort()).toEqual(holders.slice(10).flatMap((h) => [h.holderWorkflowId, h.holderWorkflowId]).sort());

      // Fewer updates than requests: the first went alone, the others waited for it and went together.
      const events = (await registry.fetchHistory()).events ?? [];
      const updates = events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;
      expect(updates).toBeLessThan(2 * holders.length);
      expect(updates).toBeLessThanOrEqual(6);
    }));

  it('falls back to one update per request on a registry of an earlier build, which has no batch update (roll-out)', () =>
    inLeaseWorld(async (world) => {
      const ids = instancesOnOneShard(4);
      const old = await temporal.client.workflow.start(registryBeforeBatches, {
        taskQueue: world.taskQueue,
        workflowId: leaseRegistryWorkflowId(leaseShardOf(ids[0]!), world.prefix),
      });
      expect(await world.acts.acquireLeases({ holderWorkflowId: 'h1', instanceIds: ids })).toEqual({ granted: ids, busy: [] });
      await world.acts.releaseLeases({ holderWorkflowId: 'h1', instanceIds: ids });
      const events = (await old.fetchHistory()).events ?? [];
      const accepted = events.flatMap((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ?? []);
      expect(accepted).toEqual(['acquire', 'release']);
      await old.terminate();
    }));

  it('costs a few history events per shard, not per instance (100 instances, acquire + release)', () =>
    inLeaseWorld(async (world) => {
      const runOnce = async (ids: string[]) => {
        const h = await world.startHolder({ instanceIds: ids, holdUntilSignal: false });
        const result = await h.result();
        expect(result.acquired.granted).toHaveLength(ids.length);
        expect(result.released).toBe(true);
        return (await historyEvents(h)).count;
      };
      const registryEvents = async () => {
        let total = 0;
        for (let shard = 0; shard < LEASE_SHARDS; shard++) {
          total += (await historyEvents(temporal.client.workflow.getHandle(leaseRegistryWorkflowId(shard, world.prefix)))).count;
        }
        return total;
      };

      const ids = instances(100);
      const shardsTouched = new Set(ids.map((id) => leaseShardOf(id))).size;
      const holderEvents = await runOnce(ids);
      const coldRegistry = await registryEvents();
      const warmHolderEvents = await runOnce(instances(100));
      const warmRegistry = (await registryEvents()) - coldRegistry;
      await maybeRecordFixture(temporal.client.workflow.getHandle(leaseRegistryWorkflowId(0, world.prefix)), 'lease-registry.acquire-release');

      // Holder: start, 2 activities, completion and the workflow tasks between them.
      expect(holderEvents).toBeLessThanOrEqual(20);
      // Registry: per touched shard, one start on first use plus one update each for acquire and release.
      expect(coldRegistry).toBeLessThanOrEqual(shardsTouched * 11);
      expect(warmRegistry).toBeLessThanOrEqual(LEASE_SHARDS * 10);
      // The product target: at most 3 history events per instance, amortized.
      expect((holderEvents + coldRegistry) / ids.length).toBeLessThanOrEqual(3);
      expect((warmHolderEvents + warmRegistry) / ids.length).toBeLessThanOrEqual(2);
    }));
});

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function quietLogger() {
  const noop = (): void => undefined;
  return { trace: noop, debug: noop, info: noop, warn: noop, error: (msg: string) => console.error(msg), log: noop };
}
