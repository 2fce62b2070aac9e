// recoverApp end to end: real Worker and dev server, the real activities, and the vendor emulator over
// HTTP with real request signing. Assertions read the emulator's call log and state, i.e. what the
// vendor actually saw and holds.
import { recoverApp } from '../../workflows/recover-app';
import { parseRecoverAppInput, type RecoverAppInput } from '../../workflows/input';
import { SA_TARGETS, recoveryStartSearchAttributes, type RecoveryResult, type TargetResult } from '../../workflows/types';
import {
  DEMO_BACKUP_1,
  DEMO_OTHER_IMAGE_TARGET,
  DEMO_STOPPED_TARGET,
  DEMO_TARGETS,
  DEMO_TARGET_WITH_OLD_NOTES,
} from '../../emulator/demo-seed';
import { connectTestTemporal, uniqueId, type TestTemporal } from '../harness/temporal';
import { EMULATOR_LIMITS, demoInput, openLab, type Lab } from './emulator-harness';
import { maybeRecordHistory } from './harness';

let temporal: TestTemporal;
let lab: Lab | undefined;
beforeAll(async () => (temporal = await connectTestTemporal()));
afterAll(async () => temporal?.close());
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

const byId = (result: RecoveryResult): Record<string, TargetResult> => Object.fromEntries(result.targets.map((t) => [t.instanceId, t]));


/** `asTheClientStarts`: with the start search attributes the CLI and the HTTP API set, so the run needs no upsert of its own. */
async function recoverOnLab(l: Lab, input: RecoverAppInput, record?: string, asTheClientStarts = false): Promise<RecoveryResult> {
  const worker = await l.worker();
  return worker.runUntil(async () => {
    const parsed = parseRecoverAppInput(input);
    if (!parsed.ok) throw new Error(`bad test input: ${JSON.stringify(parsed.issues)}`);
    const { items } = parsed.plan;
    const handle = await temporal.client.workflow.start(recoverApp, {
      taskQueue: l.taskQueue,
      workflowId: uniqueId('int'),
      args: [input],
      ...(asTheClientStarts
        ? { typedSearchAttributes: recoveryStartSearchAttributes(items.map((i) => i.backupFileId), items.reduce((n, i) => n + i.instanceIds.length, 0)) }
        : {}),
    });
    const result = await handle.result();
    if (asTheClientStarts) {
      // The start attributes were not upserted again: no upsert names the target count.
      const upserts = ((await handle.fetchHistory()).events ?? []).flatMap((e) => e.upsertWorkflowSearchAttributesEventAttributes ?? []);
      expect(upserts.length).toBeGreaterThan(0);
      for (const u of upserts) expect(Object.keys(u.searchAttributes?.indexedFields ?? {})).not.toContain(SA_TARGETS.name);
    }
    if (record) await maybeRecordHistory(handle, record);
    return result;
  });
}

describe('recoverApp against the emulator', () => {
  it('restores one backup onto 5 instances, verifies all, deletes the backup', async () => {
    lab = await openLab(temporal);
    const targets = DEMO_TARGETS.slice(0, 5);
    const result = await recoverOnLab(lab, demoInput(targets), 'emulator-happy-path.started-with-attributes', true);

    expect(result.outcome).toBe('succeeded');
    expect(result.counts).toMatchObject({ total: 5, verified: 5 });
    expect(result.backups[0]).toMatchObject({ backupFileId: DEMO_BACKUP_1, released: true, sourceMayBeReset: true });
    const recoverCalls = await lab.admin.allCalls(0, 'RecoverApp');
    const sentTo = recoverCalls.flatMap((c) => c.effects?.recoveryTasks?.map((t) => t.instanceId) ?? []);
    expect(sentTo.sort()).toEqual([...targets].sort());
    expect((await lab.admin.stats()).duplicateRecoveryTasks).toBe(0);
    const deletes = await lab.admin.allCalls(0, 'DeleteBackupFile');
    expect(deletes.filter((c) => c.outcome === 'ok')).toHaveLength(1);
    expect(await backupExists(lab, DEMO_BACKUP_1)).toBe(false);
  });

  it('retries an always-failing instance to maxAttempts, keeps the backup, verifies the others', async () => {
    const failing = DEMO_TARGETS[0];
    lab = await openLab(temporal, { instanceOverrides: { [failing]: { taskFailure: 'always' } } });
    const result = await recoverOnLab(lab, demoInput(DEMO_TARGETS.slice(0, 3)), 'emulator-permanent-failure');

    const t = byId(result);
    // Needs submitRecoveries to bring a RECOVER_FAILED instance back to RUNNING before the next attempt
    // (the vendor rejects RecoverApp on it with IncorrectInstanceStatus otherwise).
    expect(t[failing]).toMatchObject({ status: 'failed', reason: 'TaskFailed', attempts: EMULATOR_LIMITS.maxAttemptsPerInstance });
    expect(t[failing]!.taskIds).toHaveLength(EMULATOR_LIMITS.maxAttemptsPerInstance);
    expect(t[DEMO_TARGETS[1]]!.status).toBe('verified');
    expect(t[DEMO_TARGETS[2]]!.status).toBe('verified');
    expect(result.outcome).toBe('partial');
    expect(result.backups[0]).toMatchObject({ released: false, keptBecause: 'not-all-verified', sourceMayBeReset: false });
    expect(await lab.admin.allCalls(0, 'DeleteBackupFile')).toHaveLength(0);
    expect(await backupExists(lab, DEMO_BACKUP_1)).toBe(true);
    expect((await lab.admin.stats()).recoveryTasksByInstance[failing]).toBe(EMULATOR_LIMITS.maxAttemptsPerInstance);
  });

  it('completes under 50% throttling: throttled calls are absorbed, nothing fails', async () => {
    lab = await openLab(temporal, { throttleRate: 0.5, randomSeed: 7 });
    const result = await recoverOnLab(lab, demoInput(DEMO_TARGETS.slice(0, 3)));
    expect(result.outcome).toBe('succeeded');
    const calls = await lab.admin.allCalls(0);
    expect(calls.filter((c) => c.outcome === 'throttled').length).toBeGreaterThan(0);
    expect((await lab.admin.stats()).duplicateRecoveryTasks).toBe(0);
    expect(await backupExists(lab, DEMO_BACKUP_1)).toBe(false);
  });

  it('finds corrupted data on one target (DataMismatch) and keeps the backup', async () => {
    const corrupt = DEMO_TARGETS[1];
    lab = await openLab(temporal, { instanceOverrides: { [corrupt]: { corrupt: true } } });
    const result = await recoverOnLab(lab, demoInput(DEMO_TARGETS.slice(0, 2)));
    const t = byId(result);
    expect(t[corrupt]).toMatchObject({ status: 'failed', reason: 'DataMismatch', phase: 'verify' });
    expect(t[corrupt]!.evidence).toBeDefined();
    expect(t[DEMO_TARGETS[0]]!.status).toBe('verified');
    expect(result.backups[0]).toMatchObject({ released: false, keptBecause: 'not-all-verified' });
    expect(await backupExists(lab, DEMO_BACKUP_1)).toBe(true);
  });

  it('skips stopped and cross-image targets and never sends them RecoverApp', async () => {
    lab = await openLab(temporal);
    const result = await recoverOnLab(lab, demoInput([DEMO_STOPPED_TARGET, DEMO_OTHER_IMAGE_TARGET, DEMO_TARGETS[0]]));
    const t = byId(result);
    expect(t[DEMO_STOPPED_TARGET]).toMatchObject({ status: 'skipped', reason: 'InstanceNotRunning' });
    expect(t[DEMO_OTHER_IMAGE_TARGET]).toMatchObject({ status: 'skipped', reason: 'ImageMismatch' });
    expect(t[DEMO_TARGETS[0]]!.status).toBe('verified');
    expect(await recoveredInstances(lab)).toEqual([DEMO_TARGETS[0]]);
    expect(await backupExists(lab, DEMO_BACKUP_1)).toBe(true);
  });

  it('skips every target of an unknown backup without RecoverApp or retrying preflight', async () => {
    lab = await openLab(temporal);
    const result = await recoverOnLab(lab, demoInput(DEMO_TARGETS.slice(0, 2), { backupFileId: 'bf-doesnotexist01' }));
    expect(result.outcome).toBe('failed');
    for (const target of result.targets) expect(target).toMatchObject({ status: 'skipped', reason: 'BackupNotFound' });
    expect(result.backups[0]).toMatchObject({ released: false, keptBecause: 'preflight-failed' });
    expect(await lab.admin.allCalls(0, 'RecoverApp')).toHaveLength(0);
    expect(await lab.admin.allCalls(0, 'DescribeBackupFiles')).toHaveLength(1); // one attempt, no retry
  });

  it('snapshots an older app copy before overwriting it; refuse skips it', async () => {
    lab = await openLab(temporal);
    const result = await recoverOnLab(lab, demoInput([DEMO_TARGET_WITH_OLD_NOTES]), 'emulator-snapshot');
    const [target] = result.targets;
    expect(target).toMatchObject({ status: 'verified' });
    expect(target!.snapshotBackupFileId).toMatch(/^bf-/);
    expect(result.snapshots).toEqual([{ instanceId: DEMO_TARGET_WITH_OLD_NOTES, backupFileId: target!.snapshotBackupFileId }]);
    const calls = await lab.admin.allCalls(0);
    const backupAt = calls.findIndex((c) => c.action === 'BackupApp');
    const recoverAt = calls.findIndex((c) => c.action === 'RecoverApp');
    expect(backupAt).toBeGreaterThanOrEqual(0);
    expect(backupAt).toBeLessThan(recoverAt); // the snapshot came first
    expect(await backupExists(lab, target!.snapshotBackupFileId!)).toBe(true); // snapshots are never released

    await lab.admin.reset('demo');
    const refused = await recoverOnLab(lab, demoInput([DEMO_TARGET_WITH_OLD_NOTES, DEMO_TARGETS[0]], { existingApp: 'refuse' }));
    expect(byId(refused)[DEMO_TARGET_WITH_OLD_NOTES]).toMatchObject({ status: 'skipped', reason: 'AppAlreadyPresent' });
    expect(await recoveredInstances(lab)).toEqual([DEMO_TARGETS[0]]);
  });

  it('fails a stuck vendor task with TaskTimeout', async () => {
    const stuck = DEMO_TARGETS[2];
    lab = await openLab(temporal, { instanceOverrides: { [stuck]: { stuck: true } } });
    const result = await recoverOnLab(lab, demoInput([stuck, DEMO_TARGETS[3]], { limits: { ...EMULATOR_LIMITS, taskTimeoutMs: 2_000 } }));
    const t = byId(result);
    expect(t[stuck]).toMatchObject({ status: 'failed', reason: 'TaskTimeout', attempts: 1 });
    expect(t[DEMO_TARGETS[3]]!.status).toBe('verified');
    expect(await backupExists(lab, DEMO_BACKUP_1)).toBe(true);
  });
});

async function backupExists(l: Lab, backupFileId: string): Promise<boolean> {
  return (await l.admin.state()).backups.some((b) => b.id === backupFileId);
}

/** Instances the vendor created recovery tasks for, in order, deduplicated. */
async function recoveredInstances(l: Lab): Promise<string[]> {
  const calls = await l.admin.allCalls(0, 'RecoverApp');
  return [...new Set(calls.flatMap((c) => c.effects?.recoveryTasks?.map((t) => t.instanceId) ?? []))];
}
