// Preflight: everything that can be known before touching a target, in as few vendor calls as the API
// allows. Problems are verdicts in the result (a missing backup is an answer, not an exception); only
// auth errors, unsafe values and vendor outages fail the activity.
import { heartbeat, log } from '@temporalio/activity';
import { isEcpError, MAX_INSTANCES_PER_CALL, MAX_PAGE_SIZE, collectAll, type AndroidInstance, type BackupFile } from '../ecp';
import { buildInventoryCommand, buildVerificationCommand } from '../commands/build';
import { unknownCheckNames } from '../commands/custom-checks';
import { parseVerificationOutput } from '../commands/parse';
import { isPackageName } from '../commands/safe-values';
import type { ReasonCode } from '../../workflows/types';
import type { BackupFacts, BackupPreflight, ExpectedApp, PreflightRequest, PreflightResult, TargetPreflight } from './contract';
import { runCommandAndCollect } from './run-command';
import { chunk, groupBy } from '../../workflows/collections';
import { workflowIdOf } from '../activity-context';
import { mapBounded } from '../concurrency';
import { withThrottleRetry } from '../vendor-calls';
import type { RecoveryDeps } from './deps';

/** Poll interval for preflight's own read-only commands. */
const COMMAND_POLL_MS = 500;

interface Progress {
  phase: string;
  done: number;
  total: number;
}

export async function preflight(deps: RecoveryDeps, req: PreflightRequest): Promise<PreflightResult> {
  const concurrency = req.concurrency ?? deps.concurrency;
  const progress: Progress = { phase: 'backups', done: 0, total: 0 };
  const beat = (): void => heartbeat(progress);
  const verification = req.verification;

  // 1. Backups, one DescribeBackupFiles each (the API filters by a single BackupFileId).
  const items = dedupeItems(req.items);
  const backupIds = [...new Set(items.map((i) => i.backupFileId))];
  progress.total = backupIds.length;
  const records = await mapBounded(backupIds, concurrency, async (id) => {
    const file = await describeBackup(deps, id, beat);
    progress.done++;
    beat();
    return [id, file] as const;
  });
  const files = new Map(records);

  const unknownChecks = unknownCheckNames(verification.customChecks, deps.customChecks);
  const backups = new Map<string, BackupPreflight>();
  for (const item of items) {
    if (backups.has(item.backupFileId)) continue;
    backups.set(item.backupFileId, judgeBackup(item, files.get(item.backupFileId), verification.packages, unknownChecks));
  }

  // 2. Instances: all targets and sources, ≤50 IDs per DescribeAndroidInstances.
  const sourceIds = [...backups.values()].flatMap((b) => (b.facts?.sourceInstanceId ? [b.facts.sourceInstanceId] : []));
  const allIds = [...new Set([...items.flatMap((i) => i.instanceIds), ...sourceIds])];
  progress.phase = 'instances';
  progress.done = 0;
  progress.total = allIds.length;
  const instanceChunks = await mapBounded(chunk(allIds, MAX_INSTANCES_PER_CALL), concurrency, async (ids) => {
    const found = await collectAll((nextToken) =>
      withThrottleRetry(
        deps,
        'DescribeAndroidInstances',
        () => deps.ecp.describeAndroidInstances({ instanceIds: ids, maxResults: MAX_PAGE_SIZE, nextToken }),
        beat,
      ),
    );
    progress.done += ids.length;
    beat();
    return found;
  });
  const instances = new Map<string, AndroidInstance>(instanceChunks.flat().map((i) => [i.instanceId, i]));

  // 3. Targets against their backup and its source.
  const targets: TargetPreflight[] = [];
  for (const item of items) {
    const backup = backups.get(item.backupFileId) as BackupPreflight;
    const source = backup.facts?.sourceInstanceId ? instances.get(backup.facts.sourceInstanceId) : undefined;
    for (const instanceId of item.instanceIds) {
      targets.push({
        instanceId,
        backupFileId: item.backupFileId,
        existingPackages: [],
        ...judgeTarget(instanceId, backup, instances.get(instanceId), source),
      });
    }
  }

  // 4. What a restored app must look like, read from each needed source (one command per ≤50 sources).
  const needsSource = verification.version === 'source' || verification.data === 'source';
  const liveBackups = [...backups.values()].filter((b) => b.ok && targets.some((t) => t.ok && t.backupFileId === b.backupFileId));
  progress.phase = 'sources';
  if (needsSource) {
    await readExpectations(deps, liveBackups, instances, req, concurrency, beat);
  } else {
    for (const b of liveBackups) b.expected = packagesToVerify(b).map((packageName) => ({ packageName }));
  }
  for (const t of targets) {
    const b = backups.get(t.backupFileId) as BackupPreflight;
    if (t.ok && !b.ok) Object.assign(t, skippedWithBackup(b));
  }

  // 5. Which of the backup's packages each viable target already has (existingApp policy).
  progress.phase = 'inventory';
  await takeInventory(deps, targets, backups, concurrency, beat);

  return { backups: [...backups.values()], targets };
}

function dedupeItems(items: PreflightRequest['items']): PreflightRequest['items'] {
  return items.map((i) => ({ ...i, instanceIds: [...new Set(i.instanceIds)] }));
}

async function describeBackup(deps: RecoveryDeps, id: string, beat: () => void): Promise<BackupFile | undefined> {
  try {
    const page = await withThrottleRetry(deps, 'DescribeBackupFiles', () => deps.ecp.describeBackupFiles({ backupFileId: id }), beat);
    return page.items.find((b) => b.backupFileId === id);
  } catch (err) {
    // Some gateways answer an unknown ID with an error rather than an empty list.
    if (isEcpError(err) && err.kind === 'notFound') return undefined;
    throw err;
  }
}

/** Packages to verify: the caller's list, else everything in the backup. */
function packagesToVerify(b: BackupPreflight): string[] {
  return b.expected?.map((e) => e.packageName) ?? b.facts?.packages ?? [];
}

function fail(
  reason: ReasonCode,
  message: string,
  evidence?: BackupPreflight['evidence'],
): { ok: false; reason: ReasonCode; message: string; evidence?: BackupPreflight['evidence'] } {
  return { ok: false, reason, message, ...(evidence ? { evidence } : {}) };
}

function judgeBackup(
  item: PreflightRequest['items'][number],
  file: BackupFile | undefined,
  requestedPackages: string[] | undefined,
  unknownChecks: string[],
): BackupPreflight {
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
  if (file.status !== 'AVAILABLE') {
    return {
      ...base,
      ...fail('BackupNotAvailable', `backup file ${id} is ${file.status}, not AVAILABLE`, { expected: 'AVAILABLE', found: file.status }),
    };
  }
  if (item.backupFilePath !== undefined && item.backupFilePath !== file.backupFilePath) {
    return {
      ...base,
      ...fail('BackupPathMismatch', `backupFilePath does not match the vendor's record of ${id}`, {
        expected: file.backupFilePath,
        found: item.backupFilePath,
      }),
    };
  }
  const packages = requestedPackages ?? file.sourceAppList;
  const notInBackup = packages.filter((p) => !file.sourceAppList.includes(p));
  if (packages.length === 0 || notInBackup.length > 0) {
    return {
      ...base,
      ...fail(
        'PackageNotInBackup',
        packages.length === 0 ? `backup file ${id} lists no apps` : `not in backup ${id}: ${notInBackup.join(', ')}`,
        {
          expected: packages,
          found: file.sourceAppList,
        },
      ),
    };
  }
  // Vendor data is not trusted to be shell-safe either (invariant 5); refuse instead of building a command.
  const odd = file.sourceAppList.filter((p) => !isPackageName(p));
  if (odd.length > 0) {
    return {
      ...base,
      ...fail(
        'VerificationError',
        `backup ${id} lists ${odd.length} app name(s) that are not valid Android package names; refusing to verify with them`,
      ),
    };
  }
  if (unknownChecks.length > 0) {
    return {
      ...base,
      ...fail('VerificationError', `custom check(s) not defined in this worker's configuration: ${unknownChecks.join(', ')}`),
    };
  }
  return { ...base, ok: true, expected: packages.map((packageName) => ({ packageName })) };
}

function skippedWithBackup(b: BackupPreflight): Omit<TargetPreflight, 'instanceId' | 'backupFileId' | 'existingPackages'> {
  return {
    ok: false,
    reason: b.reason,
    message: `skipped: ${b.message ?? `backup ${b.backupFileId} failed preflight`}`,
    ...(b.evidence ? { evidence: b.evidence } : {}),
  };
}

function judgeTarget(
  instanceId: string,
  backup: BackupPreflight,
  target: AndroidInstance | undefined,
  source: AndroidInstance | undefined,
): Omit<TargetPreflight, 'instanceId' | 'backupFileId' | 'existingPackages'> {
  if (!backup.ok) return skippedWithBackup(backup);
  if (!target) return fail('InstanceNotFound', `instance ${instanceId} does not exist`);
  if (backup.facts?.sourceInstanceId === instanceId) {
    return fail('TargetIsSource', `instance ${instanceId} is the source of backup ${backup.backupFileId}`);
  }
  if (target.status !== 'RUNNING') {
    return fail('InstanceNotRunning', `instance ${instanceId} is ${target.status}, not RUNNING`, {
      expected: 'RUNNING',
      found: target.status,
    });
  }
  if (source?.imageVersion && target.imageVersion !== source.imageVersion) {
    return fail(
      'ImageMismatch',
      `instance ${instanceId} runs image ${target.imageVersion ?? '?'}; the source runs ${source.imageVersion}`,
      {
        expected: source.imageVersion,
        found: target.imageVersion,
      },
    );
  }
  if (source?.serverType && target.serverType !== source.serverType) {
    return fail('ArchitectureMismatch', `instance ${instanceId} is ${target.serverType ?? '?'}; the source is ${source.serverType}`, {
      expected: source.serverType,
      found: target.serverType,
    });
  }
  return { ok: true };
}

async function readExpectations(
  deps: RecoveryDeps,
  live: BackupPreflight[],
  instances: Map<string, AndroidInstance>,
  req: PreflightRequest,
  concurrency: number,
  beat: () => void,
): Promise<void> {
  const withData = req.verification.data === 'source';
  // Backups whose source cannot be read fail here; the rest are grouped by source.
  const bySource = new Map<string, BackupPreflight[]>();
  for (const b of live) {
    const sourceId = b.facts?.sourceInstanceId;
    const source = sourceId ? instances.get(sourceId) : undefined;
    if (!sourceId || !source || source.status !== 'RUNNING') {
      Object.assign(
        b,
        fail(
          'SourceUnavailable',
          `source instance ${sourceId ?? '(unknown)'} of backup ${b.backupFileId} is ${source ? source.status : 'gone'}; the expected app version and data cannot be read`,
        ),
        { expected: undefined },
      );
      continue;
    }
    bySource.set(sourceId, [...(bySource.get(sourceId) ?? []), b]);
  }
  const sources = [...bySource.entries()].map(([sourceId, bs]) => ({
    sourceId,
    packages: [...new Set(bs.flatMap(packagesToVerify))].sort(),
  }));
  const chunks = [...groupBy(sources, (s) => s.packages.join(',')).values()].flatMap((g) => chunk(g, MAX_INSTANCES_PER_CALL));
  const expectedBySource = new Map<string, Map<string, ExpectedApp> | string>();
  await mapBounded(chunks, concurrency, async (group) => {
    const packages = group[0].packages;
    const command = buildVerificationCommand({ packages, version: true, data: withData });
    const results = await runCommandAndCollect(
      deps,
      group.map((s) => s.sourceId),
      command,
      { pollIntervalMs: COMMAND_POLL_MS, beat },
    );
    for (const s of group) {
      const r = results.get(s.sourceId);
      if (!r || r.status !== 'SUCCESS') {
        expectedBySource.set(s.sourceId, `reading the source failed (${r?.status ?? 'no result'})`);
        continue;
      }
      const parsed = parseVerificationOutput(r.output, packages, { data: withData });
      if (!parsed.complete) {
        expectedBySource.set(s.sourceId, 'the source returned incomplete output');
        continue;
      }
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
      expectedBySource.set(s.sourceId, apps);
    }
    beat();
  });
  for (const [sourceId, bs] of bySource) {
    const known = expectedBySource.get(sourceId);
    for (const b of bs) {
      if (typeof known === 'string' || known === undefined) {
        Object.assign(b, fail('SourceUnavailable', `source instance ${sourceId} of backup ${b.backupFileId}: ${known ?? 'not read'}`), {
          expected: undefined,
        });
        continue;
      }
      const wanted = packagesToVerify(b);
      const absent = wanted.filter((p) => !known.has(p));
      if (absent.length > 0) {
        Object.assign(
          b,
          fail(
            'SourceUnavailable',
            `source instance ${sourceId} no longer has ${absent.join(', ')}; the expected version and data cannot be read`,
          ),
          { expected: undefined },
        );
        continue;
      }
      b.expected = wanted.map((p) => known.get(p) as ExpectedApp);
    }
  }
}

async function takeInventory(
  deps: RecoveryDeps,
  targets: TargetPreflight[],
  backups: Map<string, BackupPreflight>,
  concurrency: number,
  beat: () => void,
): Promise<void> {
  const viable = targets.filter((t) => t.ok);
  const packagesOf = (t: TargetPreflight): string[] => [...(backups.get(t.backupFileId)?.facts?.packages ?? [])].sort();
  const chunks = [...groupBy(viable, (t) => packagesOf(t).join(',')).values()].flatMap((g) => chunk(g, MAX_INSTANCES_PER_CALL));
  await mapBounded(chunks, concurrency, async (group) => {
    const packages = packagesOf(group[0]);
    const command = buildInventoryCommand(packages);
    const results = await runCommandAndCollect(
      deps,
      group.map((t) => t.instanceId),
      command,
      { pollIntervalMs: COMMAND_POLL_MS, beat },
    );
    for (const t of group) {
      const r = results.get(t.instanceId);
      const parsed = r?.status === 'SUCCESS' ? parseVerificationOutput(r.output, packages, { data: false }) : undefined;
      if (!parsed?.complete) {
        // Without an inventory the existingApp policy cannot protect the target's data: stop here.
        Object.assign(t, fail('VerificationError', `could not list the apps installed on ${t.instanceId} (${r?.status ?? 'no result'})`));
        continue;
      }
      t.existingPackages = packages.filter((p) => parsed.apps[p]?.installed);
    }
    log.debug('target inventory read', { workflowId: workflowIdOf(), instances: group.length });
    beat();
  });
}
