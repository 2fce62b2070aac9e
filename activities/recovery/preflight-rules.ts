// Preflight's rules as pure functions: given what the vendor reported (backup records, instances, the
// parsed output of read-only commands), the verdict on each backup and target. No I/O and no mutation,
// so every rule is unit-tested without the emulator (test/activities/preflight-rules.test.ts); the reads
// that feed them live in preflight.ts.
import { BACKUP_READY, INSTANCE_READY, isKnownBackupFileStatus, isKnownInstanceStatus, type AndroidInstance, type BackupFile } from '../ecp';
import { describeStatus } from './observed-state';
import type { ParsedOutput } from '../commands/parse';
import { isPackageName } from '../commands/safe-values';
import type { ReasonCode } from '../../workflows/types';
import type { BackupFacts, BackupPreflight, ExpectedApp, PreflightRequest, TargetPreflight } from './contract';

type Item = PreflightRequest['items'][number];
/** A target's verdict without its identity and inventory. */
export type TargetVerdict = Omit<TargetPreflight, 'instanceId' | 'backupFileId' | 'existingPackages'>;

function fail(reason: ReasonCode, message: string, evidence?: BackupPreflight['evidence']): { ok: false; reason: ReasonCode; message: string; evidence?: BackupPreflight['evidence'] } {
  return { ok: false, reason, message, ...(evidence ? { evidence } : {}) };
}

/** Packages to verify: the caller's list, else everything in the backup. */
export function packagesToVerify(b: BackupPreflight): string[] {
  return b.expected?.map((e) => e.packageName) ?? b.facts?.packages ?? [];
}

/** The backup's own verdict: it exists, is AVAILABLE, matches the given path and holds the packages. */
export function judgeBackup(item: Item, file: BackupFile | undefined, requestedPackages: string[] | undefined, unknownChecks: string[]): BackupPreflight {
  const id = item.backupFileId;
  if (!file) return { backupFileId: id, ...fail('BackupNotFound', `backup file ${id} does not exist`) };
  const facts: BackupFacts = {
    backupFileId: id,
    backupFilePath: file.backupFilePath,
    uploadType: file.uploadType ?? item.uploadType,
    ...((item.uploadEndpoint ?? file.uploadEndpoint) ? { uploadEndpoint: item.uploadEndpoint ?? file.uploadEndpoint } : {}),
    ...(file.sourceInstanceId ? { sourceInstanceId: file.sourceInstanceId } : {}),
    packages: [...file.sourceAppList],
  };
  const base = { backupFileId: id, facts };
  if (file.status !== BACKUP_READY) {
    // A status the product does not know blocks the recovery too, named as the vendor sent it.
    const status = describeStatus(file.status, isKnownBackupFileStatus);
    return { ...base, ...fail('BackupNotAvailable', `backup file ${id} is ${status}, not AVAILABLE`, { expected: BACKUP_READY, found: file.status }) };
  }
  if (item.backupFilePath !== undefined && item.backupFilePath !== file.backupFilePath) {
    return {
      ...base,
      ...fail('BackupPathMismatch', `backupFilePath does not match the vendor's record of ${id}`, { expected: file.backupFilePath, found: item.backupFilePath }),
    };
  }
  const packages = requestedPackages ?? file.sourceAppList;
  const notInBackup = packages.filter((p) => !file.sourceAppList.includes(p));
  if (packages.length === 0 || notInBackup.length > 0) {
    return {
      ...base,
      ...fail('PackageNotInBackup', packages.length === 0 ? `backup file ${id} lists no apps` : `not in backup ${id}: ${notInBackup.join(', ')}`, {
        expected: packages,
        found: file.sourceAppList,
      }),
    };
  }
  // Vendor data is not trusted to be shell-safe either (docs/design.md, invariant 5); refuse instead of
  // building a command.
  const odd = file.sourceAppList.filter((p) => !isPackageName(p));
  if (odd.length > 0) {
    return {
      ...base,
      ...fail('VerificationError', `backup ${id} lists ${odd.length} app name(s) that are not valid Android package names; refusing to verify with them`),
    };
  }
  if (unknownChecks.length > 0) {
    return { ...base, ...fail('VerificationError', `custom check(s) not defined in this worker's configuration: ${unknownChecks.join(', ')}`) };
  }
  return { ...base, ok: true, expected: packages.map((packageName) => ({ packageName })) };
}

/** A target of a failed backup is skipped with the backup's reason. */
export function skippedWithBackup(b: BackupPreflight): TargetVerdict {
  return {
    ok: false,
    reason: b.reason,
    message: `skipped: ${b.message ?? `backup ${b.backupFileId} failed preflight`}`,
    ...(b.evidence ? { evidence: b.evidence } : {}),
  };
}

/** A target's verdict: it exists, is not the source, is RUNNING and matches the source's image and type. */
export function judgeTarget(instanceId: string, backup: BackupPreflight, target: AndroidInstance | undefined, source: AndroidInstance | undefined): TargetVerdict {
  if (!backup.ok) return skippedWithBackup(backup);
  if (!target) return fail('InstanceNotFound', `instance ${instanceId} does not exist`);
  if (backup.facts?.sourceInstanceId === instanceId) {
    return fail('TargetIsSource', `instance ${instanceId} is the source of backup ${backup.backupFileId}`);
  }
  if (target.status !== INSTANCE_READY) {
    // Never treated as RUNNING, whatever it is; an unknown status is named as the vendor sent it.
    const status = describeStatus(target.status, isKnownInstanceStatus);
    return fail('InstanceNotRunning', `instance ${instanceId} is ${status}, not RUNNING`, { expected: INSTANCE_READY, found: target.status });
  }
  if (source?.imageVersion && target.imageVersion !== source.imageVersion) {
    return fail('ImageMismatch', `instance ${instanceId} runs image ${target.imageVersion ?? '?'}; the source runs ${source.imageVersion}`, {
      expected: source.imageVersion,
      found: target.imageVersion,
    });
  }
  if (source?.serverType && target.serverType !== source.serverType) {
    return fail('ArchitectureMismatch', `instance ${instanceId} is ${target.serverType ?? '?'}; the source is ${source.serverType}`, {
      expected: source.serverType,
      found: target.serverType,
    });
  }
  return { ok: true };
}

/** The backup with the source's expectations dropped and the reason it cannot be verified. */
function sourceUnavailable(b: BackupPreflight, message: string): BackupPreflight {
  return { ...b, ...fail('SourceUnavailable', message), expected: undefined };
}

/** Why a backup's source cannot be read at all (gone or not RUNNING), or undefined when it can. */
export function unreadableSource(b: BackupPreflight, source: AndroidInstance | undefined): BackupPreflight | undefined {
  const sourceId = b.facts?.sourceInstanceId;
  if (sourceId && source && source.status === 'RUNNING') return undefined;
  return sourceUnavailable(
    b,
    `source instance ${sourceId ?? '(unknown)'} of backup ${b.backupFileId} is ${source ? source.status : 'gone'}; the expected app version and data cannot be read`,
  );
}

/**
 * What a restored app must look like, from the source's parsed verification output: one entry per
 * installed package, or why the output cannot be used.
 */
export function expectedAppsFromSource(parsed: ParsedOutput, packages: readonly string[], withData: boolean): Map<string, ExpectedApp> | string {
  if (!parsed.complete) return 'the source returned incomplete output';
  const apps = new Map<string, ExpectedApp>();
  for (const pkg of packages) {
    const o = parsed.apps[pkg];
    if (!o?.installed) continue;
    apps.set(pkg, {
      packageName: pkg,
      ...(o.versionName !== undefined ? { versionName: o.versionName } : {}),
      ...(o.versionCode !== undefined ? { versionCode: o.versionCode } : {}),
      ...(withData ? { files: o.files ?? [] } : {}),
    });
  }
  return apps;
}

/** The backup with the expectations read from its source, or failed when the source could not tell. */
export function withSourceExpectations(b: BackupPreflight, sourceId: string, known: Map<string, ExpectedApp> | string | undefined): BackupPreflight {
  if (typeof known === 'string' || known === undefined) {
    return sourceUnavailable(b, `source instance ${sourceId} of backup ${b.backupFileId}: ${known ?? 'not read'}`);
  }
  const wanted = packagesToVerify(b);
  const absent = wanted.filter((p) => !known.has(p));
  if (absent.length > 0) {
    return sourceUnavailable(b, `source instance ${sourceId} no longer has ${absent.join(', ')}; the expected version and data cannot be read`);
  }
  return { ...b, expected: wanted.map((p) => known.get(p) as ExpectedApp) };
}

/** Expectations without reading the source (version 'any' and data 'none'): presence of each package. */
export function presenceOnly(b: BackupPreflight): BackupPreflight {
  return { ...b, expected: packagesToVerify(b).map((packageName) => ({ packageName })) };
}

/**
 * The target after the inventory: which of the backup's packages it already has, or failed when the
 * inventory could not be read (without it the existingApp policy cannot protect the target's data).
 */
export function withInventory(t: TargetPreflight, packages: readonly string[], parsed: ParsedOutput | undefined, commandStatus: string | undefined): TargetPreflight {
  if (!parsed?.complete) {
    return { ...t, ...fail('VerificationError', `could not list the apps installed on ${t.instanceId} (${commandStatus ?? 'no result'})`) };
  }
  return { ...t, existingPackages: packages.filter((p) => parsed.apps[p]?.installed) };
}
