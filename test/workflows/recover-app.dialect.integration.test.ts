// recoverApp end to end against an emulator speaking the unfamiliar dialect: operation error codes and
// task failure codes the product has never seen, an unknown transient instance status during recovery,
// failed recoveries that leave the instance RUNNING, and a backup whose status does not change while
// restores run. Real Worker, dev server, HTTP and signing; assertions read what the vendor saw.
import { recoverApp } from '../../workflows/recover-app';
import type { RecoverAppInput } from '../../workflows/input';
import type { RecoveryResult, TargetResult } from '../../workflows/types';
import type { EmulatorConfig } from '../../emulator/config';
import { DEMO_BACKUP_1, DEMO_TARGETS } from '../../emulator/demo-seed';
import { dialectRecoveryFailure } from '../../emulator/dialect';
import { connectTestTemporal, uniqueId, type TestTemporal } from '../harness/temporal';
import { EMULATOR_LIMITS, demoInput, openLab, type Lab } from './emulator-harness';
import { maybeRecordHistory } from './harness';

/** The dialect with its default seed; Retry-After is left to the throttling tests (no throttling here). */
const UNFAMILIAR: Partial<EmulatorConfig> = { dialect: 'unfamiliar', dialectSeed: 1 };

let temporal: TestTemporal;
let lab: Lab | undefined;
beforeAll(async () => (temporal = await connectTestTemporal()));
afterAll(async () => temporal?.close());
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

const byId = (result: RecoveryResult): Record<string, TargetResult> => Object.fromEntries(result.targets.map((t) => [t.instanceId, t]));

async function recoverOnLab(l: Lab, input: RecoverAppInput, record?: string): Promise<RecoveryResult> {
  const worker = await l.worker();
  return worker.runUntil(async () => {
    const handle = await temporal.client.workflow.start(recoverApp, {
      taskQueue: l.taskQueue,
      workflowId: uniqueId('dialect'),
      args: [input],
    });
    const result = await handle.result();
    if (record) await maybeRecordHistory(handle, record);
    return result;
  });
}

async function backupExists(l: Lab, backupFileId: string): Promise<boolean> {
  return (await l.admin.state()).backups.some((b) => b.id === backupFileId);
}

/** RecoverApp requests per instance (accepted or not): a resend would show as a second one in an attempt. */
async function recoverRequestsFor(l: Lab, instanceId: string): Promise<number> {
  const calls = await l.admin.allCalls(0, 'RecoverApp');
  return calls.filter((c) => ((c.params.AndroidInstanceIdList as string[] | undefined) ?? []).includes(instanceId)).length;
}

describe('recoverApp in the unfamiliar dialect', () => {
  it('restores onto 3 instances, verifies all, and releases the backup whose status never changed', async () => {
    lab = await openLab(temporal, UNFAMILIAR);
    const targets = DEMO_TARGETS.slice(0, 3);
    const result = await recoverOnLab(lab, demoInput(targets));

    expect(result.outcome).toBe('succeeded');
    expect(result.counts).toMatchObject({ total: 3, verified: 3 });
    for (const t of result.targets) expect(t.attempts).toBe(1);
    expect(result.backups[0]).toMatchObject({ backupFileId: DEMO_BACKUP_1, released: true, sourceMayBeReset: true });
    expect((await lab.admin.stats()).duplicateRecoveryTasks).toBe(0);
    const calls = await lab.admin.allCalls(0);
    const deletes = calls.filter((c) => c.action === 'DeleteBackupFile');
    expect(deletes.map((c) => c.outcome)).toEqual(['ok']);
    // Nothing deleted before verification: the delete comes after the last verification command.
    const lastCommand = Math.max(...calls.filter((c) => c.action === 'RunCommand').map((c) => c.seq));
    expect(deletes[0]!.seq).toBeGreaterThan(lastCommand);
    expect(await backupExists(lab, DEMO_BACKUP_1)).toBe(false);
  });

  it('fails a target whose task keeps failing with an unknown code after one retry, naming the code and message', async () => {
    const failing = DEMO_TARGETS[0];
    const injected = dialectRecoveryFailure(1, `${failing}#0`); // a permanent, unknown code under seed 1
    expect(injected.permanent).toBe(true);
    lab = await openLab(temporal, { ...UNFAMILIAR, instanceOverrides: { [failing]: { taskFailure: 'always' } } });
    const result = await recoverOnLab(lab, demoInput([failing, DEMO_TARGETS[1]]), 'emulator-dialect-unknown-failure');

    const t = byId(result);
    // maxAttemptsPerInstance is 3: the second identical unknown failure ends it, not the limit.
    expect(EMULATOR_LIMITS.maxAttemptsPerInstance).toBe(3);
    expect(t[failing]).toMatchObject({
      status: 'failed',
      reason: 'TaskFailed',
      attempts: 2,
      evidence: { found: injected.code, detail: injected.message },
    });
    expect(t[failing]!.message).toContain(injected.code);
    expect(t[failing]!.message).toContain(injected.message);
    expect(t[failing]!.message).toContain('same unrecognised code');
    expect(t[DEMO_TARGETS[1]]!.status).toBe('verified');
    expect(result.backups[0]).toMatchObject({ released: false, keptBecause: 'not-all-verified' });
    expect(await backupExists(lab, DEMO_BACKUP_1)).toBe(true);
    expect(await lab.admin.allCalls(0, 'DeleteBackupFile')).toHaveLength(0);
    // The failed recovery left the instance RUNNING: it was never restarted, and each attempt asked once.
    expect(await lab.admin.allCalls(0, 'StartAndroidInstance')).toHaveLength(0);
    expect(await recoverRequestsFor(lab, failing)).toBe(2);
    expect((await lab.admin.stats()).recoveryTasksByInstance[failing]).toBe(2);
  });

  it('retries a transient unknown failure on an instance back to RUNNING without restarting it, then verifies', async () => {
    const target = DEMO_TARGETS[2];
    expect(dialectRecoveryFailure(1, `${target}#0`).permanent).toBe(false);
    // randomSeed 2 with a 50 % failure rate: this single target's first task fails, its second does not.
    lab = await openLab(temporal, { ...UNFAMILIAR, taskFailureRate: 0.5, randomSeed: 2 });
    const result = await recoverOnLab(lab, demoInput([target]));

    const [t] = result.targets;
    expect(t).toMatchObject({ status: 'verified', attempts: 2 });
    expect(t!.taskIds).toHaveLength(2);
    const first = await lab.admin.task(t!.taskIds[0]!);
    expect(first).toMatchObject({ status: 'Failed' });
    expect(await lab.admin.allCalls(0, 'StartAndroidInstance')).toHaveLength(0);
    expect(await recoverRequestsFor(lab, target)).toBe(2);
    expect((await lab.admin.stats()).duplicateRecoveryTasks).toBe(0);
    expect(result.backups[0]).toMatchObject({ released: true });
  });

  it('keeps its invariants under lost RecoverApp replies and unknown task failures', async () => {
    lab = await openLab(temporal, {
      ...UNFAMILIAR,
      taskFailureRate: 0.5,
      lostResponseRate: 0.7,
      faultActions: ['RecoverApp'],
      randomSeed: 3,
    });
    const targets = DEMO_TARGETS.slice(0, 6);
    const result = await recoverOnLab(lab, demoInput(targets));

    const stats = await lab.admin.stats();
    expect(stats.duplicateRecoveryTasks).toBe(0);
    for (const t of result.targets) {
      expect(t.status).not.toBe('pending');
      if (t.status !== 'verified') expect(t.reason).toBeDefined();
      // At most one vendor task per target per attempt.
      expect(stats.recoveryTasksByInstance[t.instanceId] ?? 0).toBeLessThanOrEqual(t.attempts);
    }
    const allVerified = result.targets.every((t) => t.status === 'verified');
    expect(result.backups[0]!.released).toBe(allVerified);
    expect(await backupExists(lab, DEMO_BACKUP_1)).toBe(!allVerified);
    expect(await lab.admin.allCalls(0, 'StartAndroidInstance')).toHaveLength(0);
    // The faults did happen: RecoverApp replies were lost (and reconciled), and some task failed.
    const calls = await lab.admin.allCalls(0);
    expect(calls.some((c) => c.action === 'RecoverApp' && c.outcome === 'lost')).toBe(true);
    expect(result.targets.some((t) => t.attempts > 1)).toBe(true);
  });
});
