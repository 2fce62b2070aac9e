// submitRecoveries on a retry attempt: an instance a failed recovery task left RECOVER_FAILED is started
// again, awaited until RUNNING and only then sent one new RecoverApp, against the real emulator.
import { DEMO_STOPPED_TARGET, DEMO_TARGETS } from '../../emulator/demo-seed';
import type { SubmitRecoveriesRequest } from '../../activities/recovery/contract';
import { restartRecoverFailed } from '../../activities/recovery/restart';
import { DEMO_BACKUP_1_FACTS, startActivityTestEnv, type ActivityTestEnv } from './emulator-env';
import { waitFor } from '../harness/wait';

jest.setTimeout(30_000);

let t: ActivityTestEnv;
beforeAll(async () => {
  t = await startActivityTestEnv();
});
afterAll(async () => {
  await t?.close();
});
beforeEach(async () => {
  await t.reset();
});

const BACKUP_1 = DEMO_BACKUP_1_FACTS;

const [FAILING, HEALTHY] = DEMO_TARGETS;

function request(instanceIds: string[], attempt: number, earlierTaskIds: string[] = []): SubmitRecoveriesRequest {
  return { groups: [{ backup: BACKUP_1, instanceIds }], attempt, attemptStartedAt: new Date().toISOString(), chunkSize: 50, earlierTaskIds };
}

/** Attempt 1 on FAILING: its task fails and leaves the instance RECOVER_FAILED. Returns that task's ID. */
async function failFirstAttempt(): Promise<string> {
  await t.admin.patchConfig({ instanceOverrides: { [FAILING]: { taskFailure: 'always', failureCode: 'RecoverTimeout' } } });
  const first = await t.run(t.activities.submitRecoveries, [request([FAILING], 1)]);
  expect(first.result.submitted).toHaveLength(1);
  const polled = await t.run(t.activities.pollTasks, [
    {
      tasks: first.result.submitted.map((s) => ({ ...s, submittedAt: new Date().toISOString() })),
      taskTimeoutMs: 5_000,
      pollIntervalMinMs: 10,
      pollIntervalMaxMs: 40,
      maxDurationMs: 5_000,
    },
  ]);
  expect(polled.result.outcomes[0]).toMatchObject({ status: 'failed', retryable: true });
  expect((await t.admin.instance(FAILING)).status).toBe('RECOVER_FAILED');
  // The next attempt's task succeeds, so the instance's end state shows the restart led somewhere.
  await t.admin.patchConfig({ instanceOverrides: {} });
  return first.result.submitted[0].taskId;
}

function startedIds(calls: { params: Record<string, unknown> }[]): string[] {
  return calls.flatMap((c) => (c.params.AndroidInstanceIds as string[] | undefined) ?? []);
}

describe('submitRecoveries on a retry attempt', () => {
  it('restarts an instance left RECOVER_FAILED and sends it exactly one new RecoverApp', async () => {
    const firstTaskId = await failFirstAttempt();
    const mark = await t.mark();

    const ids = [FAILING, HEALTHY, DEMO_STOPPED_TARGET];
    const { result } = await t.run(t.activities.submitRecoveries, [request(ids, 2)]);

    expect(result.submitted.map((s) => s.instanceId)).toEqual([FAILING, HEALTHY]);
    const retried = result.submitted[0];
    expect(retried).toMatchObject({ adopted: false });
    expect(retried.taskId).not.toBe(firstTaskId);
    // A STOPPED target is not started (the operator stopped it) and not sent RecoverApp: it fails naming its status.
    expect(result.rejected).toEqual([
      expect.objectContaining({
        instanceId: DEMO_STOPPED_TARGET,
        reason: 'RecoverRejected',
        evidence: { detail: 'NotRunningBeforeRetry', expected: 'RUNNING', found: 'STOPPED' },
      }),
    ]);

    // Exactly one Start, for the RECOVER_FAILED instance only, before its one RecoverApp of this attempt.
    const starts = await t.callsSince(mark, 'StartAndroidInstance');
    expect(starts.map((c) => c.outcome)).toEqual(['ok']);
    expect(startedIds(starts)).toEqual([FAILING]);
    const recovers = (await t.callsSince(mark, 'RecoverApp')).filter((c) => c.outcome === 'ok');
    const sentTo = recovers.flatMap((c) => c.effects?.recoveryTasks?.map((r) => r.instanceId) ?? []);
    expect(sentTo.filter((id) => id === FAILING)).toHaveLength(1);
    const asked = (await t.callsSince(mark, 'RecoverApp')).flatMap((c) => (c.params.AndroidInstanceIdList as string[] | undefined) ?? []);
    expect(asked).not.toContain(DEMO_STOPPED_TARGET);
    expect(starts[0].seq).toBeLessThan(Math.min(...recovers.map((c) => c.seq)));
    const stats = await t.admin.stats();
    expect(stats.recoveryTasksByInstance[FAILING]).toBe(2);
    expect(stats.duplicateRecoveryTasks).toBe(0);

    // The new task runs to the end and the instance is RUNNING again.
    const task = await waitFor('the new task to end', () => t.admin.task(retried.taskId), {
      until: (x) => x.status === 'Finished' || x.status === 'Failed',
    });
    expect(task.status).toBe('Finished');
    expect((await t.admin.instance(FAILING)).status).toBe('RUNNING');
  });

  it('a retried activity neither starts nor submits again: it adopts the task of the lost attempt', async () => {
    await failFirstAttempt();
    const mark = await t.mark();
    // The restart goes through, then RecoverApp lands but its reply is lost and so is the reconciliation.
    await t.admin.patchConfig({ lostResponseRate: 1, faultActions: ['RecoverApp', 'DescribeTasks'] });
    const req = request([FAILING], 2);
    await expect(t.run(t.activities.submitRecoveries, [req])).rejects.toMatchObject({ type: 'VendorTransientError' });
    await t.admin.patchConfig({ lostResponseRate: 0, faultActions: [] });

    const { result } = await t.run(t.activities.submitRecoveries, [req], { attempt: 2 });
    expect(result.submitted).toEqual([expect.objectContaining({ instanceId: FAILING, adopted: true })]);
    expect(startedIds(await t.callsSince(mark, 'StartAndroidInstance'))).toEqual([FAILING]);
    expect(await t.callsSince(mark, 'RecoverApp')).toHaveLength(1);
    const stats = await t.admin.stats();
    expect(stats.recoveryTasksByInstance[FAILING]).toBe(2);
    expect(stats.duplicateRecoveryTasks).toBe(0);
  });

  it('does not start twice when the reply to StartAndroidInstance is lost (status is checked first)', async () => {
    await failFirstAttempt();
    const mark = await t.mark();
    // The Start is applied but its reply never arrives; the instance takes a while to come up.
    await t.admin.patchConfig({ lostResponseRate: 1, faultActions: ['StartAndroidInstance'], startStopDurationMs: 200_000 });
    const { result } = await t.run(t.activities.submitRecoveries, [request([FAILING], 2)]);

    expect(result.rejected).toEqual([]);
    expect(result.submitted).toEqual([expect.objectContaining({ instanceId: FAILING, adopted: false })]);
    const starts = await t.callsSince(mark, 'StartAndroidInstance');
    expect(starts.map((c) => c.outcome)).toEqual(['lost']);
    expect(await t.callsSince(mark, 'RecoverApp')).toHaveLength(1);
    expect((await t.admin.stats()).recoveryTasksByInstance[FAILING]).toBe(2);
  });

  it('attempt 1 never starts instances, even a RECOVER_FAILED one', async () => {
    const firstTaskId = await failFirstAttempt();
    const mark = await t.mark();
    const { result } = await t.run(t.activities.submitRecoveries, [request([FAILING], 1, [firstTaskId])]);
    // The refusal is judged from the instance's observed status (read, never started), not adopted from the earlier task.
    expect(result.rejected).toEqual([
      expect.objectContaining({
        instanceId: FAILING,
        evidence: expect.objectContaining({ detail: 'IncorrectInstanceStatus', found: 'RECOVER_FAILED' }),
      }),
    ]);
    expect(await t.callsSince(mark, 'StartAndroidInstance')).toHaveLength(0);
  });
});

describe('restartRecoverFailed', () => {
  it('rejects an instance that is not RUNNING when the wait runs out, with its status as evidence', async () => {
    await failFirstAttempt();
    await t.admin.patchConfig({ startStopDurationMs: 3_600_000 }); // an hour of emulated time: 3.6 s here
    const deps = { ecp: t.ecp, throttleBackoff: { initialMs: 10, maxMs: 100 }, now: () => Date.now() };
    const wait = { timeoutMs: 300, pollMinMs: 20, pollMaxMs: 50 };
    const started = Date.now();
    const { result } = await t.run(restartRecoverFailed, [deps, [FAILING, HEALTHY], () => undefined, wait]);

    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result.proceed).toEqual([HEALTHY]);
    expect(result.rejected).toEqual([
      {
        instanceId: FAILING,
        ok: false,
        reason: 'RecoverRejected',
        message: expect.stringContaining('did not return to RUNNING'),
        evidence: { detail: 'NotRunningAfterRestart', expected: 'RUNNING', found: 'STARTING' },
      },
    ]);
    expect(startedIds(await t.callsSince(0, 'StartAndroidInstance'))).toEqual([FAILING]);
  });

  it('rejects at once an instance whose Start the vendor refuses, without waiting out the timeout', async () => {
    await failFirstAttempt();
    // The instance is busy with another task: Start is refused synchronously.
    await t.admin.patchConfig({ startStopDurationMs: 3_600_000 });
    const deps = { ecp: t.ecp, throttleBackoff: { initialMs: 10, maxMs: 100 }, now: () => Date.now() };
    await t.ecp.stopAndroidInstances([FAILING]); // STOPPING for an emulated hour, with a running StopInstance task
    await t.admin.patchInstance(FAILING, { status: 'RECOVER_FAILED' }); // still has the running task
    const started = Date.now();
    const { result } = await t.run(restartRecoverFailed, [
      deps,
      [FAILING],
      () => undefined,
      { timeoutMs: 10_000, pollMinMs: 20, pollMaxMs: 50 },
    ]);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result.proceed).toEqual([]);
    expect(result.rejected[0]).toMatchObject({
      instanceId: FAILING,
      message: expect.stringMatching(/did not return to RUNNING.*StartAndroidInstance was refused \(IncorrectInstanceStatus/),
      evidence: { found: 'RECOVER_FAILED' },
    });
  });
});
