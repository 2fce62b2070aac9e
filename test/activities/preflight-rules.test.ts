// Preflight's pure rules, without the emulator: each verdict an operator would see for a backup or a
// target, from vendor records and parsed command output given directly.
import type { AndroidInstance, BackupFile } from '../../activities/ecp';
import type { ParsedOutput } from '../../activities/commands/parse';
import type { BackupPreflight, TargetPreflight } from '../../activities/recovery/contract';
import {
  expectedAppsFromSource,
  judgeBackup,
  judgeTarget,
  presenceOnly,
  unreadableSource,
  withInventory,
  withSourceExpectations,
} from '../../activities/recovery/preflight-rules';

const item = { backupFileId: 'bf-abcdef01', uploadType: 'OSS' as const, instanceIds: ['acp-target01'] };
const file = (over: Partial<BackupFile> = {}): BackupFile => ({
  backupFileId: 'bf-abcdef01',
  backupFilePath: 'oss://cloudphone-saved-bucket-demo/backups/app.zip',
  status: 'AVAILABLE',
  sourceInstanceId: 'acp-source01',
  sourceAppList: ['com.example.app'],
  uploadEndpoint: 'oss-cn-shanghai-internal.aliyuncs.com',
  ...over,
});
const instance = (id: string, over: Partial<AndroidInstance> = {}): AndroidInstance => ({
  instanceId: id,
  status: 'RUNNING',
  imageVersion: 'img-1',
  serverType: 'arm',
  ...over,
});
const okBackup = (): BackupPreflight => judgeBackup(item, file(), undefined, []);
const parsed = (apps: ParsedOutput['apps'], complete = true): ParsedOutput => ({ complete, apps });
const app = (packageName: string, over: Partial<ParsedOutput['apps'][string]> = {}) => ({
  packageName,
  installed: true,
  dataDirMissing: false,
  checks: {},
  ...over,
});

describe('judgeBackup', () => {
  it('accepts an AVAILABLE backup and takes its facts and packages from the vendor record', () => {
    expect(okBackup()).toEqual({
      backupFileId: 'bf-abcdef01',
      ok: true,
      facts: {
        backupFileId: 'bf-abcdef01',
        backupFilePath: 'oss://cloudphone-saved-bucket-demo/backups/app.zip',
        uploadType: 'OSS',
        uploadEndpoint: 'oss-cn-shanghai-internal.aliyuncs.com',
        sourceInstanceId: 'acp-source01',
        packages: ['com.example.app'],
      },
      expected: [{ packageName: 'com.example.app' }],
    });
  });

  it.each([
    ['a missing backup', undefined, undefined, [], 'BackupNotFound'],
    ['a backup that is not AVAILABLE', file({ status: 'CREATING' as BackupFile['status'] }), undefined, [], 'BackupNotAvailable'],
    ['a requested package the backup lacks', file(), ['com.other.app'], [], 'PackageNotInBackup'],
    ['a backup listing no apps', file({ sourceAppList: [] }), undefined, [], 'PackageNotInBackup'],
    ['a vendor app name that is not a package name', file({ sourceAppList: ['com.example.app', 'x; rm -rf /'] }), undefined, [], 'VerificationError'],
    ['a custom check the worker does not define', file(), undefined, ['app-launchable'], 'VerificationError'],
  ] as const)('refuses %s', (_what, record, packages, unknownChecks, reason) => {
    const verdict = judgeBackup(item, record, packages ? [...packages] : undefined, [...unknownChecks]);
    expect(verdict).toMatchObject({ ok: false, reason });
    expect(verdict.message).toEqual(expect.any(String));
  });

  it('refuses a backupFilePath that differs from the vendor record, showing both', () => {
    const verdict = judgeBackup({ ...item, backupFilePath: 'oss://cloudphone-saved-bucket-demo/other.zip' }, file(), undefined, []);
    expect(verdict).toMatchObject({
      ok: false,
      reason: 'BackupPathMismatch',
      evidence: { expected: 'oss://cloudphone-saved-bucket-demo/backups/app.zip', found: 'oss://cloudphone-saved-bucket-demo/other.zip' },
    });
  });
});

describe('judgeTarget', () => {
  const source = instance('acp-source01');

  it('accepts a RUNNING target that matches the source', () => {
    expect(judgeTarget('acp-target01', okBackup(), instance('acp-target01'), source)).toEqual({ ok: true });
  });

  it.each([
    ['a missing target', undefined, 'InstanceNotFound'],
    ['a stopped target', instance('acp-target01', { status: 'STOPPED' as AndroidInstance['status'] }), 'InstanceNotRunning'],
    ['another image', instance('acp-target01', { imageVersion: 'img-2' }), 'ImageMismatch'],
    ['another server type', instance('acp-target01', { serverType: 'x86' }), 'ArchitectureMismatch'],
  ] as const)('skips %s', (_what, target, reason) => {
    expect(judgeTarget('acp-target01', okBackup(), target, source)).toMatchObject({ ok: false, reason });
  });

  it('skips the backup source itself', () => {
    expect(judgeTarget('acp-source01', okBackup(), source, source)).toMatchObject({ ok: false, reason: 'TargetIsSource' });
  });

  it("skips every target of a failed backup with the backup's reason", () => {
    const failed = judgeBackup(item, undefined, undefined, []);
    expect(judgeTarget('acp-target01', failed, instance('acp-target01'), source)).toMatchObject({
      ok: false,
      reason: 'BackupNotFound',
      message: 'skipped: backup file bf-abcdef01 does not exist',
    });
  });
});

describe('expectations from the source', () => {
  it('fails a backup whose source is gone or not RUNNING, and leaves a readable one alone', () => {
    expect(unreadableSource(okBackup(), undefined)).toMatchObject({ ok: false, reason: 'SourceUnavailable', expected: undefined });
    expect(unreadableSource(okBackup(), instance('acp-source01', { status: 'STOPPED' as AndroidInstance['status'] }))).toMatchObject({ reason: 'SourceUnavailable' });
    expect(unreadableSource(okBackup(), instance('acp-source01'))).toBeUndefined();
  });

  it('takes version and data files of every installed package from complete output', () => {
    const files = [{ path: 'shared_prefs/a.xml', size: 3, sha256: 'a'.repeat(64) }];
    const known = expectedAppsFromSource(parsed({ 'com.example.app': app('com.example.app', { versionName: '1.2', versionCode: 12, files }) }), ['com.example.app'], true);
    const judged = withSourceExpectations(okBackup(), 'acp-source01', known);
    expect(judged).toMatchObject({ ok: true, expected: [{ packageName: 'com.example.app', versionName: '1.2', versionCode: 12, files }] });
  });

  it('fails the backup on incomplete output or a package the source no longer has', () => {
    const incomplete = expectedAppsFromSource(parsed({}, false), ['com.example.app'], true);
    expect(incomplete).toBe('the source returned incomplete output');
    expect(withSourceExpectations(okBackup(), 'acp-source01', incomplete)).toMatchObject({ ok: false, reason: 'SourceUnavailable' });
    const absent = expectedAppsFromSource(parsed({ 'com.example.app': app('com.example.app', { installed: false }) }), ['com.example.app'], true);
    expect(withSourceExpectations(okBackup(), 'acp-source01', absent)).toMatchObject({
      ok: false,
      reason: 'SourceUnavailable',
      message: expect.stringContaining('no longer has com.example.app'),
    });
  });

  it('expects presence only when neither version nor data is compared', () => {
    expect(presenceOnly(okBackup()).expected).toEqual([{ packageName: 'com.example.app' }]);
  });

  it('does not change the backup it was given', () => {
    const backup = okBackup();
    const before = JSON.stringify(backup);
    unreadableSource(backup, undefined);
    withSourceExpectations(backup, 'acp-source01', 'not read');
    expect(JSON.stringify(backup)).toBe(before);
  });
});

describe('withInventory', () => {
  const target: TargetPreflight = { instanceId: 'acp-target01', backupFileId: 'bf-abcdef01', ok: true, existingPackages: [] };

  it("lists which of the backup's packages the target already has", () => {
    const output = parsed({ 'com.a.app': app('com.a.app'), 'com.b.app': app('com.b.app', { installed: false }) });
    expect(withInventory(target, ['com.a.app', 'com.b.app'], output, 'SUCCESS')).toEqual({ ...target, existingPackages: ['com.a.app'] });
  });

  it('fails the target when the inventory could not be read, naming the command status', () => {
    expect(withInventory(target, ['com.a.app'], undefined, 'TIMEOUT')).toMatchObject({
      ok: false,
      reason: 'VerificationError',
      message: 'could not list the apps installed on acp-target01 (TIMEOUT)',
    });
  });
});
