// The shared vendor budget end to end on the real dev server: the vendorBudget workflow on a real
// worker, and several budget members (each what one worker process runs: its own identity, rate
// limiter and renewal loop) renewing through update-with-start. What a user would notice: the rates
// the processes actually run at never add up to more than the account's limit, and shares move to
// where the work is when a process joins or dies.
import { Client, Connection } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { createRateLimiter, type RateLimiter } from '../../activities/rate-limit';
import { startVendorBudgetMember, type BudgetEvent, type VendorBudgetMember } from '../../worker/vendor-budget';
import { defaultPayloadConverter } from '@temporalio/common';
import { budgetStateQuery, vendorBudgetWorkflowId, type VendorBudgetInput } from '../../workflows/vendor-budget';
import { connectTestTemporal, productWorkflowBundle, uniqueId, uniqueTaskQueue, type TestTemporal } from '../harness/temporal';
import { waitFor } from '../harness/wait';

const LIMIT = 9; // DescribeTasks, the action every member is busy with
const ACTIONS = ['DescribeTasks', 'RecoverApp'];
const limits = { defaultQps: LIMIT, perActionQps: { RecoverApp: 3 } };
const RENEW_MS = 300;
// Well above a renewal's latency across a continue-as-new (with 1 s a member could fall back there).
const TTL_MS = 3000;

let temporal: TestTemporal;
beforeAll(async () => {
  temporal = await connectTestTemporal();
});
afterAll(async () => temporal?.close());

interface Member {
  id: string;
  limiter: RateLimiter;
  member: VendorBudgetMember;
  events: BudgetEvent[];
  connection: Connection;
  /** Stops the member's callers (they keep the DescribeTasks limiter saturated while they run). */
  idle(): void;
  killed: boolean;
  /** Its connection to Temporal was closed: renewals fail, but the process and its callers go on. */
  cutOff: boolean;
  /** Vendor calls its callers were let through for. */
  calls(): number;
  /** Renewals that failed (no grant, no reply). */
  failedRenewals(): number;
}

/** One budget world: a worker running the budget workflow, members joining it, and a watch on their sum. */
async function inBudgetWorld(
  fn: (world: ReturnType<typeof budgetWorld> & { stopWorker(): Promise<void>; startWorker(): Promise<void> }) => Promise<void>,
  budgetInput?: { continueAsNewAfterUpdates: number },
) {
  const taskQueue = uniqueTaskQueue('budget');
  let worker: Worker | undefined;
  let running: Promise<void> = Promise.resolve();
  const startWorker = async (): Promise<void> => {
    worker = await Worker.create({ connection: temporal.nativeConnection, namespace: temporal.namespace, taskQueue, workflowBundle: await productWorkflowBundle() });
    running = worker.run();
  };
  const stopWorker = async (): Promise<void> => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running;
  };
  await startWorker();
  const world = { ...budgetWorld(taskQueue, budgetInput), stopWorker, startWorker };
  try {
    await fn(world);
  } finally {
    await world.close();
    await stopWorker();
  }
}

function budgetWorld(taskQueue: string, budgetInput?: { continueAsNewAfterUpdates: number }) {
  const prefix = uniqueId('test-budget');
  const members: Member[] = [];
  let maxSum = 0;
  const observe = (): void => {
    // A SIGKILLed process sends nothing; every other member's limiter rate counts.
    const sum = members.filter((m) => !m.killed).reduce((s, m) => s + m.limiter.currentQps('DescribeTasks'), 0);
    maxSum = Math.max(maxSum, sum);
  };
  const sampler = setInterval(observe, 10);

  return {
    workflowId: vendorBudgetWorkflowId(taskQueue, 'test', prefix),
    maxSum: () => maxSum,
    async join(id: string): Promise<Member> {
      const connection = await Connection.connect({ address: temporal.address });
      const limiter = createRateLimiter({ ...limits, awaitGrant: true });
      const events: BudgetEvent[] = [];
      const member = startVendorBudgetMember({
        client: new Client({ connection, namespace: temporal.namespace }),
        taskQueue,
        budgetKey: 'test',
        limiter,
        actions: ACTIONS,
        limits,
        renewEveryMs: RENEW_MS,
        ttlMs: TTL_MS,
        memberId: id,
        workflowIdPrefix: prefix,
        ...(budgetInput ? { budgetInput } : {}),
        onGrant: (e) => {
          events.push(e);
          observe();
        },
        onError: () => failedRenewals++,
      });
      let busy = true;
      let calls = 0;
      let failedRenewals = 0;
      for (let i = 0; i < 4; i++) {
        void (async () => {
          while (busy) {
            await limiter.acquire('DescribeTasks');
            calls++;
          }
        })();
      }
      const m: Member = {
        id,
        limiter,
        member,
        events,
        connection,
        idle: () => (busy = false),
        killed: false,
        cutOff: false,
        calls: () => calls,
        failedRenewals: () => failedRenewals,
      };
      members.push(m);
      return m;
    },
    /** What SIGKILL does to a worker process: no more calls, no more renewals, no goodbye. */
    async kill(m: Member): Promise<void> {
      m.killed = true;
      m.idle();
      await m.member.stop({ leave: false });
    },
    /**
     * What a network partition does to one worker process: it can no longer reach Temporal, but it keeps
     * running and its callers keep asking for vendor calls (its rate still counts in the sum).
     */
    async cutOff(m: Member): Promise<void> {
      m.cutOff = true;
      await m.connection.close();
    },
    async close() {
      clearInterval(sampler);
      for (const m of members) {
        m.idle();
        await m.member.stop();
        if (!m.cutOff) await m.connection.close();
        // Wake callers parked on a zero grant so their loops end.
        m.limiter.setCeiling('DescribeTasks', LIMIT);
      }
    },
  };
}

const share = (m: Member): number => m.limiter.currentQps('DescribeTasks');
const shares = (ms: Member[]): string => ms.map((m) => share(m).toFixed(2)).join(' + ');

describe('shared vendor budget', () => {
  it('three members split the limit evenly and their rates never add up to more than it', async () => {
    await inBudgetWorld(async (world) => {
      const ms = [await world.join('a'), await world.join('b'), await world.join('c')];
      await waitFor('three even shares', () => ms.every((m) => share(m) > LIMIT / 3 - 0.05) && shares(ms), { timeoutMs: 20_000 });
      expect(world.maxSum()).toBeLessThanOrEqual(LIMIT + 1e-9);
      // RecoverApp has its own, lower limit: nobody calls it, so each keeps only a small idle share.
      const recover = ms.reduce((s, m) => s + m.limiter.currentQps('RecoverApp'), 0);
      expect(recover).toBeLessThanOrEqual(3);
      const state = await temporalHandle(world.workflowId).query(budgetStateQuery);
      expect(state.members.map((m) => m.memberId).sort()).toEqual(['a', 'b', 'c']);
    });
  });

  it("gives a SIGKILLed member's share to the others after its lease TTL", async () => {
    await inBudgetWorld(async (world) => {
      const [a, b, c] = [await world.join('a'), await world.join('b'), await world.join('c')];
      await waitFor('three even shares', () => [a!, b!, c!].every((m) => share(m) > LIMIT / 3 - 0.05), { timeoutMs: 20_000 });
      await world.kill(c!);
      const killedAt = Date.now();
      const grown = await waitFor('the two survivors share the whole limit', () => share(a!) > LIMIT / 2 - 0.05 && share(b!) > LIMIT / 2 - 0.05 && Date.now(), {
        timeoutMs: 20_000,
      });
      expect(grown - killedAt).toBeGreaterThanOrEqual(TTL_MS - RENEW_MS); // not before the lease could have run out
      expect(world.maxSum()).toBeLessThanOrEqual(LIMIT + 1e-9);
    });
  });

  it('without the coordinator, members keep their grant until the TTL, then make no calls until it is back', async () => {
    await inBudgetWorld(async (world) => {
      const [a, b] = [await world.join('a'), await world.join('b')];
      await waitFor('two halves', () => share(a!) > LIMIT / 2 - 0.05 && share(b!) > LIMIT / 2 - 0.05, { timeoutMs: 20_000 });
      await world.stopWorker(); // renewals now wait for a budget workflow nobody runs
      const stoppedAt = Date.now();
      await waitFor('both lapse', () => [a!, b!].every((m) => m.events.some((e) => e.kind === 'lapsed')));
      expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(TTL_MS - RENEW_MS - 100);
      // Nobody can tell them apart from dead members any more: they keep nothing.
      expect([a!, b!].map(share)).toEqual([0, 0]);
      const lapsedAt = Date.now();
      const callsAtLapse = [a!, b!].map((m) => m.calls());
      const failuresAtLapse = [a!, b!].map((m) => m.failedRenewals());
      await waitFor('another failed renewal each', () => [a!, b!].every((m, i) => m.failedRenewals() > failuresAtLapse[i]!), { timeoutMs: 20_000 });
      expect([a!, b!].map((m) => m.calls())).toEqual(callsAtLapse);
      await world.startWorker();
      await waitFor('shares again once the coordinator is back', () => [a!, b!].every((m) => m.events.some((e) => e.kind === 'granted' && e.sentAt > lapsedAt)) && share(a!) + share(b!) > LIMIT - 1, {
        timeoutMs: 20_000,
      });
      expect(world.maxSum()).toBeLessThanOrEqual(LIMIT + 1e-9);
    });
  });

  it('a member cut off from Temporal alone stops calling before the others are given its share', async () => {
    await inBudgetWorld(async (world) => {
      const [a, b, c] = [await world.join('a'), await world.join('b'), await world.join('c')];
      await waitFor('three even shares', () => [a!, b!, c!].every((m) => share(m) > LIMIT / 3 - 0.05) && shares([a!, b!, c!]), { timeoutMs: 20_000 });
      await world.cutOff(c!);
      // The survivors grow only after c's lease ran out at the coordinator, which is after c lapsed.
      await waitFor('the two survivors share the whole limit', () => share(a!) > LIMIT / 2 - 0.05 && share(b!) > LIMIT / 2 - 0.05 && shares([a!, b!, c!]), {
        timeoutMs: 20_000,
      });
      expect(world.maxSum()).toBeLessThanOrEqual(LIMIT + 1e-9);
      expect(c!.events.some((e) => e.kind === 'lapsed')).toBe(true);
      expect(share(c!)).toBe(0);
      const callsOfC = c!.calls();
      const failuresOfC = c!.failedRenewals();
      await waitFor('c fails to renew again', () => c!.failedRenewals() > failuresOfC, { timeoutMs: 20_000 });
      expect(c!.calls()).toBe(callsOfC);
    });
  });

  it('a member joining a saturated budget starts from the headroom: the sum never exceeds the limit', async () => {
    await inBudgetWorld(async (world) => {
      const [a, b] = [await world.join('a'), await world.join('b')];
      await waitFor('two halves', () => share(a!) > LIMIT / 2 - 0.05 && share(b!) > LIMIT / 2 - 0.05, { timeoutMs: 20_000 });
      const c = await world.join('c');
      const first = await waitFor('c granted', () => c.events.find((e) => e.kind === 'granted'));
      expect(first.grants.DescribeTasks).toBeLessThan(0.5); // a and b still held everything
      await waitFor('three even shares', () => [a!, b!, c].every((m) => share(m) > LIMIT / 3 - 0.05) && shares([a!, b!, c]), { timeoutMs: 20_000 });
      expect(world.maxSum()).toBeLessThanOrEqual(LIMIT + 1e-9);
    });
  });

  it('keeps its members and their shares across continue-as-new', async () => {
    await inBudgetWorld(
      async (world) => {
        const ms = [await world.join('a'), await world.join('b'), await world.join('c')];
        const handle = temporalHandle(world.workflowId);
        const firstRun = (await waitFor('budget started', () => handle.describe())).runId;
        await waitFor('a later run', async () => (await handle.describe()).runId !== firstRun && ms.every((m) => share(m) > LIMIT / 3 - 0.05), { timeoutMs: 20_000 });
        // The new run starts with the members of the old one (and their grants and expiry).
        const history = await handle.fetchHistory();
        const [carried] = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
        const input = defaultPayloadConverter.fromPayload<VendorBudgetInput>(carried!);
        expect(Object.keys(input.members ?? {}).length).toBeGreaterThanOrEqual(2);
        for (const m of Object.values(input.members ?? {})) expect(m.held.DescribeTasks).toBeGreaterThan(0);
        // The new run keeps serving renewals: every member renews again after it started.
        const since = Date.now();
        await waitFor('renewals on the new run', () => ms.every((m) => m.events.some((e) => e.kind === 'granted' && e.sentAt > since)));
        expect(world.maxSum()).toBeLessThanOrEqual(LIMIT + 1e-9);
      },
      { continueAsNewAfterUpdates: 20 },
    );
  });
});

function temporalHandle(workflowId: string) {
  return temporal.client.workflow.getHandle(workflowId);
}
