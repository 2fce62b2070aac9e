// Integration: preflight and verifyTargets against the real emulator over signed HTTP.
import { ApplicationFailure } from '@temporalio/common';
import {
  DEMO_BACKUP_1,
  DEMO_BACKUP_2,
  DEMO_BACKUP_2_PATH,
  DEMO_OTHER_IMAGE_TARGET,
  DEMO_OTHER_SERVER_TYPE_TARGET,
  DEMO_SOURCE_1,
  DEMO_STOPPED_TARGET,
  DEMO_TARGETS,
  DEMO_TARGET_WITH_OLD_NOTES,
} from '../../emulator/demo-seed';
import type { ExpectedApp, PreflightRequest, PreflightResult } from '../../activities/recovery/contract';
import type { Verification } from '../../workflows/input';
import { startActivityTestEnv, type ActivityTestEnv } from './emulator-env';

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

const FULL: Verification = { version: 'source', data: 'source', customChecks: [] };
const item = (
  backupFileId: string,
  instanceIds: string[],
  extra: Partial<PreflightRequest['items'][number]> = {},
): PreflightRequest['items'][number] => ({
  backupFileId,
  uploadType: 'OSS',
  instanceIds,
  ...extra,
});

function target(r: PreflightResult, id: string) {
  const found = r.targets.find((x) => x.instanceId === id);
  if (!found) throw new Error(`no verdict for ${id}`);
  return found;
}

describe('preflight', () => {
  it('judges every demo target kind in a handful of batched vendor calls', async () => {
    const ids = [
      DEMO_TARGETS[0],
      DEMO_TARGET_WITH_OLD_NOTES,
      DEMO_STOPPED_TARGET,
      DEMO_OTHER_IMAGE_TARGET,
      DEMO_OTHER_SERVER_TYPE_TARGET,
      DEMO_SOURCE_1,
      'acp-doesnotexist0001',
    ];
    const { result, heartbeats } = await t.run(t.activities.preflight, [
      { items: [item(DEMO_BACKUP_1, ids), item('bf-nosuchbackup00001', [DEMO_TARGETS[1]])], verification: FULL },
    ]);

    expect(target(result, DEMO_TARGETS[0])).toMatchObject({ ok: true, existingPackages: [] });
    expect(target(result, DEMO_TARGET_WITH_OLD_NOTES)).toMatchObject({ ok: true, existingPackages: ['com.example.notes'] });
    expect(target(result, DEMO_STOPPED_TARGET)).toMatchObject({
      ok: false,
      reason: 'InstanceNotRunning',
      message: expect.stringContaining('STOPPED'),
    });
    expect(target(result, DEMO_OTHER_IMAGE_TARGET)).toMatchObject({ ok: false, reason: 'ImageMismatch' });
    expect(target(result, DEMO_OTHER_SERVER_TYPE_TARGET)).toMatchObject({ ok: false, reason: 'ArchitectureMismatch' });
    expect(target(result, DEMO_SOURCE_1)).toMatchObject({ ok: false, reason: 'TargetIsSource' });
    expect(target(result, 'acp-doesnotexist0001')).toMatchObject({ ok: false, reason: 'InstanceNotFound' });
    expect(target(result, DEMO_TARGETS[1])).toMatchObject({ ok: false, reason: 'BackupNotFound' });

    const b1 = result.backups.find((b) => b.backupFileId === DEMO_BACKUP_1);
    expect(b1).toMatchObject({ ok: true, facts: { sourceInstanceId: DEMO_SOURCE_1, packages: ['com.example.notes', 'com.example.chat'] } });
    const notes = b1?.expected?.find((e) => e.packageName === 'com.example.notes');
    expect(notes).toMatchObject({ versionName: '2.3.1', versionCode: 231 });
    expect(notes?.files?.map((f) => f.path)).toEqual([
      'databases/notes.db',
      'files/attachments/readme.md',
      'files/notes/2024/today.txt',
      'shared_prefs/settings.xml',
    ]);
    expect(result.backups.find((b) => b.backupFileId === 'bf-nosuchbackup00001')).toMatchObject({ ok: false, reason: 'BackupNotFound' });

    // Batched: one instance lookup for all 8 IDs, one command on the source, one inventory command.
    const calls = await t.callsSince(0);
    const count = (a: string) => calls.filter((c) => c.action === a).length;
    expect(count('DescribeBackupFiles')).toBe(2);
    expect(count('DescribeAndroidInstances')).toBe(1);
    expect(count('RunCommand')).toBe(2);
    expect(count('RecoverApp') + count('BackupApp') + count('DeleteBackupFile')).toBe(0);
    expect(heartbeats.length).toBeGreaterThan(0);
  });

  it('reports path mismatch, packages not in the backup and an unavailable source as backup verdicts', async () => {
    await t.admin.patchInstance(DEMO_SOURCE_1, { status: 'STOPPED' });
    const { result } = await t.run(t.activities.preflight, [
      {
        items: [
          item(DEMO_BACKUP_1, [DEMO_TARGETS[0]]),
          item(DEMO_BACKUP_2, [DEMO_TARGETS[1]], { backupFilePath: 'oss://cloudphone-saved-bucket-cn-shanghai-demo/backups/wrong.ab' }),
        ],
        verification: FULL,
      },
    ]);
    expect(result.backups.find((b) => b.backupFileId === DEMO_BACKUP_1)).toMatchObject({ ok: false, reason: 'SourceUnavailable' });
    expect(target(result, DEMO_TARGETS[0])).toMatchObject({ ok: false, reason: 'SourceUnavailable' });
    expect(result.backups.find((b) => b.backupFileId === DEMO_BACKUP_2)).toMatchObject({
      ok: false,
      reason: 'BackupPathMismatch',
      evidence: { expected: DEMO_BACKUP_2_PATH },
    });

    const { result: r2 } = await t.run(t.activities.preflight, [
      { items: [item(DEMO_BACKUP_2, [DEMO_TARGETS[1]])], verification: { ...FULL, packages: ['com.example.gallery'] } },
    ]);
    expect(r2.backups[0]).toMatchObject({
      ok: false,
      reason: 'PackageNotInBackup',
      message: expect.stringContaining('com.example.gallery'),
    });
    expect(target(r2, DEMO_TARGETS[1])).toMatchObject({ ok: false, reason: 'PackageNotInBackup' });
  });

  it('looks instances up in chunks of at most 50 IDs', async () => {
    const many = Array.from({ length: 60 }, (_, i) => `acp-missing${String(i).padStart(9, '0')}`);
    const { result } = await t.run(t.activities.preflight, [
      { items: [item(DEMO_BACKUP_2, [DEMO_TARGETS[0], ...many])], verification: FULL },
    ]);
    expect(result.targets.filter((x) => x.reason === 'InstanceNotFound')).toHaveLength(60);
    expect(target(result, DEMO_TARGETS[0]).ok).toBe(true);
    const lookups = await t.callsSince(0, 'DescribeAndroidInstances');
    expect(lookups.map((c) => (c.params.AndroidInstanceIds as string[]).length).sort((a, b) => a - b)).toEqual([12, 50]);
  });

  it('rejects a custom check this worker does not define before anything runs', async () => {
    const { result } = await t.run(t.activities.preflight, [
      { items: [item(DEMO_BACKUP_2, [DEMO_TARGETS[1]])], verification: { ...FULL, customChecks: ['no-such-check'] } },
    ]);
    expect(result.backups[0]).toMatchObject({ ok: false, reason: 'VerificationError', message: expect.stringContaining('no-such-check') });
    expect(await t.callsSince(0, 'RunCommand')).toHaveLength(0);
  });
});

async function recoverAndWait(instanceIds: string[], backupFileId = DEMO_BACKUP_1): Promise<void> {
  const backup = (await t.run(t.activities.preflight, [{ items: [item(backupFileId, instanceIds)], verification: FULL }])).result
    .backups[0];
  if (!backup.facts) throw new Error('no facts');
  const started = new Date().toISOString();
  const { result } = await t.run(t.activities.submitRecoveries, [
    { groups: [{ backup: backup.facts, instanceIds }], attempt: 1, attemptStartedAt: started, chunkSize: 50 },
  ]);
  const polled = await t.run(t.activities.pollTasks, [
    {
      tasks: result.submitted.map((s) => ({ ...s, submittedAt: started })),
      taskTimeoutMs: 10_000,
      pollIntervalMinMs: 10,
      pollIntervalMaxMs: 50,
      maxDurationMs: 10_000,
    },
  ]);
  expect(polled.result.outcomes.map((o) => o.status)).toEqual(instanceIds.map(() => 'finished'));
}

describe('verifyTargets', () => {
  async function expectationsFor(backupFileId: string, verification: Verification = FULL): Promise<ExpectedApp[]> {
    const { result } = await t.run(t.activities.preflight, [{ items: [item(backupFileId, [DEMO_TARGETS[4]])], verification }]);
    return result.backups[0].expected ?? [];
  }

  it('verifies targets after a real recovery and finds corruption, missing apps and version drift', async () => {
    await t.admin.patchConfig({ instanceOverrides: { [DEMO_TARGETS[1]]: { corrupt: true } } });
    const expected = await expectationsFor(DEMO_BACKUP_1);
    await recoverAndWait([DEMO_TARGETS[0], DEMO_TARGETS[1]]);

    const mark = await t.mark();
    const { result } = await t.run(t.activities.verifyTargets, [
      {
        targets: [DEMO_TARGETS[0], DEMO_TARGETS[1], DEMO_TARGETS[2]].map((instanceId) => ({ instanceId, backupFileId: DEMO_BACKUP_1 })),
        expectations: { [DEMO_BACKUP_1]: expected },
        verification: { ...FULL, customChecks: ['notes-prefs'] },
        chunkSize: 50,
        pollIntervalMs: 10,
      },
    ]);
    expect(result[0]).toEqual({ instanceId: DEMO_TARGETS[0], ok: true });
    expect(result[1]).toMatchObject({ ok: false, reason: 'DataMismatch' });
    const diff = result[1].evidence as { expected: { path: string; sha256: string }[]; found: { path: string; sha256: string }[] };
    expect(diff.expected).toHaveLength(1);
    expect(diff.found[0].path).toBe(diff.expected[0].path);
    expect(diff.found[0].sha256).not.toBe(diff.expected[0].sha256);
    expect(result[2]).toMatchObject({ ok: false, reason: 'AppMissing' });
    // one RunCommand for the three targets (same backup, same text)
    const runs = await t.callsSince(mark, 'RunCommand');
    expect(runs).toHaveLength(1);
    expect(runs[0].params.InstanceIds).toEqual([DEMO_TARGETS[0], DEMO_TARGETS[1], DEMO_TARGETS[2]]);
  });

  it('reports VersionMismatch for the older app and CustomCheckFailed when a check does not match', async () => {
    const notesOnly = (await expectationsFor(DEMO_BACKUP_1)).filter((e) => e.packageName === 'com.example.notes');
    const { result } = await t.run(t.activities.verifyTargets, [
      {
        targets: [{ instanceId: DEMO_TARGET_WITH_OLD_NOTES, backupFileId: DEMO_BACKUP_1 }],
        expectations: { [DEMO_BACKUP_1]: notesOnly },
        verification: FULL,
        chunkSize: 10,
        pollIntervalMs: 10,
      },
    ]);
    expect(result[0]).toMatchObject({
      ok: false,
      reason: 'VersionMismatch',
      evidence: { expected: [{ versionName: '2.3.1', versionCode: 231 }], found: [{ versionName: '2.0.0', versionCode: 200 }] },
    });

    await t.admin.patchInstance(DEMO_TARGETS[3], {
      packages: [{ packageName: 'com.example.notes', versionName: '2.3.1', versionCode: 231, data: { 'files/x': 'x' } }],
    });
    const { result: r2 } = await t.run(t.activities.verifyTargets, [
      {
        targets: [{ instanceId: DEMO_TARGETS[3], backupFileId: DEMO_BACKUP_1 }],
        expectations: { [DEMO_BACKUP_1]: notesOnly },
        verification: { version: 'source', data: 'none', customChecks: ['notes-prefs'] },
        chunkSize: 10,
        pollIntervalMs: 10,
      },
    ]);
    expect(r2[0]).toMatchObject({ ok: false, reason: 'CustomCheckFailed', message: expect.stringContaining('notes-prefs') });
  });

  it('isolates a target the vendor refuses to run commands on and still verifies the others', async () => {
    const expected = await expectationsFor(DEMO_BACKUP_1);
    await recoverAndWait([DEMO_TARGETS[0]]);
    await t.admin.patchInstance(DEMO_TARGETS[1], { status: 'RECOVERING' });
    const { result } = await t.run(t.activities.verifyTargets, [
      {
        targets: [DEMO_TARGETS[1], DEMO_TARGETS[0]].map((instanceId) => ({ instanceId, backupFileId: DEMO_BACKUP_1 })),
        expectations: { [DEMO_BACKUP_1]: expected },
        verification: FULL,
        chunkSize: 50,
        pollIntervalMs: 10,
      },
    ]);
    expect(result[0]).toMatchObject({
      ok: false,
      reason: 'VerificationError',
      evidence: { detail: expect.stringContaining('IncorrectInstanceStatus') },
    });
    expect(result[1]).toEqual({ instanceId: DEMO_TARGETS[0], ok: true });
  });

  it('never lets an injection attempt reach the vendor', async () => {
    const evil = 'com.example.notes; rm -rf /';
    const mark = await t.mark();
    let failure: unknown;
    try {
      await t.run(t.activities.verifyTargets, [
        {
          targets: [{ instanceId: DEMO_TARGETS[0], backupFileId: DEMO_BACKUP_1 }],
          expectations: { [DEMO_BACKUP_1]: [{ packageName: evil }] },
          verification: FULL,
          chunkSize: 10,
          pollIntervalMs: 10,
        },
      ]);
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'UnsafeCommandInput', nonRetryable: true });
    // preflight with the same string as a package to verify: refused as not in the backup, no command built from it
    const { result } = await t.run(t.activities.preflight, [
      { items: [item(DEMO_BACKUP_1, [DEMO_TARGETS[0]])], verification: { ...FULL, packages: [evil] } },
    ]);
    expect(result.backups[0]).toMatchObject({ ok: false, reason: 'PackageNotInBackup' });
    const calls = await t.callsSince(mark);
    expect(calls.filter((c) => c.action === 'RunCommand')).toHaveLength(0);
    expect(JSON.stringify(calls)).not.toContain('rm -rf');
  });
});
