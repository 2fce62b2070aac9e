// Preflight: everything that can be known before touching a target, in as few vendor calls as the API
// allows. This file does the reads (backup records, instances, the sources' apps, the targets'
// inventory); the verdicts come from the pure rules in preflight-rules.ts. Problems are verdicts in the
// result (a missing backup is an answer, not an exception); only auth errors, unsafe values and vendor
// outages fail the activity.
import { log } from '@temporalio/activity';
import { isEcpError, MAX_INSTANCES_PER_CALL, MAX_PAGE_SIZE, collectAll, type AndroidInstance, type BackupFile } from '../ecp';
import { buildInventoryCommand, buildVerificationCommand } from '../commands/build';
import { unknownCheckNames } from '../commands/custom-checks';
import { newMarkerNonce } from '../commands/nonce';
import { parseVerificationOutput } from '../commands/parse';
import { chunk, groupBy } from '../../workflows/collections';
import { activityHeartbeat, workflowIdOf } from '../activity-context';
import { mapBounded } from '../concurrency';
import { withThrottleRetry } from '../vendor-calls';
import type { BackupPreflight, ExpectedApp, PreflightRequest, PreflightResult, TargetPreflight } from './contract';
import type { RecoveryDeps } from './deps';
import {
  expectedAppsFromSource,
  judgeBackup,
  judgeTarget,
  packagesToVerify,
  presenceOnly,
  skippedWithBackup,
  unreadableSource,
  withInventory,
  withSourceExpectations,
} from './preflight-rules';
import { runCommandAndCollect } from './run-command';

/** Poll interval for preflight's own read-only commands. */
const COMMAND_POLL_MS = 500;

interface Progress {
  phase: string;
  done: number;
  total: number;
}

interface Reads {
  deps: RecoveryDeps;
  concurrency: number;
  beat: () => void;
}

export async function preflight(deps: RecoveryDeps, req: PreflightRequest): Promise<PreflightResult> {
  const progress: Progress = { phase: 'backups', done: 0, total: 0 };
  const reads: Reads = { deps, concurrency: req.concurrency ?? deps.concurrency, beat: activityHeartbeat(() => progress) };
  const verification = req.verification;

  // 1. Backups, one DescribeBackupFiles each (the API filters by a single BackupFileId).
  const items = req.items.map((i) => ({ ...i, instanceIds: [...new Set(i.instanceIds)] }));
  const backupIds = [...new Set(items.map((i) => i.backupFileId))];
  progress.total = backupIds.length;
  const files = new Map(
    await mapBounded(backupIds, reads.concurrency, async (id) => {
      const file = await describeBackup(reads, id);
      progress.done++;
      reads.beat();
      return [id, file] as const;
    }),
  );
  const unknownChecks = unknownCheckNames(verification.customChecks, deps.customChecks);
  let backups = new Map<string, BackupPreflight>();
  for (const item of items) {
    if (!backups.has(item.backupFileId)) {
      backups.set(item.backupFileId, judgeBackup(item, files.get(item.backupFileId), verification.packages, unknownChecks));
    }
  }

  // 2. Instances: all targets and sources, ≤50 IDs per DescribeAndroidInstances.
  const sourceIds = [...backups.values()].flatMap((b) => (b.facts?.sourceInstanceId ? [b.facts.sourceInstanceId] : []));
  const allIds = [...new Set([...items.flatMap((i) => i.instanceIds), ...sourceIds])];
  Object.assign(progress, { phase: 'instances', done: 0, total: allIds.length });
  const instances = await describeInstances(reads, allIds, (n) => (progress.done += n));

  // 3. Targets against their backup and its source.
  let targets: TargetPreflight[] = items.flatMap((item) => {
    const backup = backups.get(item.backupFileId) as BackupPreflight;
    const source = backup.facts?.sourceInstanceId ? instances.get(backup.facts.sourceInstanceId) : undefined;
    return item.instanceIds.map((instanceId) => ({
      instanceId,
      backupFileId: item.backupFileId,
      existingPackages: [],
      ...judgeTarget(instanceId, backup, instances.get(instanceId), source),
    }));
  });

  // 4. What a restored app must look like, read from each needed source (one command per ≤50 sources).
  const needsSource = verification.version === 'source' || verification.data === 'source';
  const live = [...backups.values()].filter((b) => b.ok && targets.some((t) => t.ok && t.backupFileId === b.backupFileId));
  progress.phase = 'sources';
  const judged = needsSource ? await readExpectations(reads, live, instances, verification.data === 'source') : live.map(presenceOnly);
  backups = new Map([...backups, ...judged.map((b) => [b.backupFileId, b] as const)]);
  targets = targets.map((t) => {
    const b = backups.get(t.backupFileId) as BackupPreflight;
    return t.ok && !b.ok ? { ...t, ...skippedWithBackup(b) } : t;
  });

  // 5. Which of the backup's packages each viable target already has (existingApp policy).
  progress.phase = 'inventory';
  const inventoried = new Map((await takeInventory(reads, targets, backups)).map((t) => [t.instanceId, t]));
  return { backups: [...backups.values()], targets: targets.map((t) => (t.ok ? (inventoried.get(t.instanceId) ?? t) : t)) };
}

async function describeBackup({ deps, beat }: Reads, id: string): Promise<BackupFile | undefined> {
  try {
    const page = await withThrottleRetry(deps, 'DescribeBackupFiles', () => deps.ecp.describeBackupFiles({ backupFileId: id }), beat);
    return page.items.find((b) => b.backupFileId === id);
  } catch (err) {
    // Some gateways answer an unknown ID with an error rather than an empty list.
    if (isEcpError(err) && err.kind === 'notFound') return undefined;
    throw err;
  }
}

async function describeInstances({ deps, concurrency, beat }: Reads, ids: string[], onDone: (n: number) => void): Promise<Map<string, AndroidInstance>> {
  const found = await mapBounded(chunk(ids, MAX_INSTANCES_PER_CALL), concurrency, async (batch) => {
    const page = await collectAll((nextToken) =>
      withThrottleRetry(
        deps,
        'DescribeAndroidInstances',
        () => deps.ecp.describeAndroidInstances({ instanceIds: batch, maxResults: MAX_PAGE_SIZE, nextToken }),
        beat,
      ),
    );
    onDone(batch.length);
    beat();
    return page;
  });
  return new Map(found.flat().map((i) => [i.instanceId, i]));
}

/** Reads the expected app version and data from each live backup's source; returns the judged backups. */
async function readExpectations(
  { deps, concurrency, beat }: Reads,
  live: BackupPreflight[],
  instances: Map<string, AndroidInstance>,
  withData: boolean,
): Promise<BackupPreflight[]> {
  // Backups whose source cannot be read fail here; the rest are grouped by source.
  const judged: BackupPreflight[] = [];
  const bySource = new Map<string, BackupPreflight[]>();
  for (const b of live) {
    const sourceId = b.facts?.sourceInstanceId;
    const unreadable = unreadableSource(b, sourceId ? instances.get(sourceId) : undefined);
    if (unreadable || !sourceId) judged.push(unreadable ?? b);
    else bySource.set(sourceId, [...(bySource.get(sourceId) ?? []), b]);
  }
  const sources = [...bySource.entries()].map(([sourceId, bs]) => ({ sourceId, packages: [...new Set(bs.flatMap(packagesToVerify))].sort() }));
  const chunks = [...groupBy(sources, (s) => s.packages.join(',')).values()].flatMap((g) => chunk(g, MAX_INSTANCES_PER_CALL));
  const expectedBySource = new Map<string, Map<string, ExpectedApp> | string>();
  await mapBounded(chunks, concurrency, async (group) => {
    const packages = group[0].packages;
    const nonce = newMarkerNonce();
    const command = buildVerificationCommand({ nonce, packages, version: true, data: withData });
    const ids = group.map((s) => s.sourceId);
    const results = await runCommandAndCollect(deps, ids, command, { pollIntervalMs: COMMAND_POLL_MS, beat });
    for (const { sourceId } of group) {
      const r = results.get(sourceId);
      expectedBySource.set(
        sourceId,
        !r || r.status !== 'SUCCESS'
          ? `reading the source failed (${r?.status ?? 'no result'})`
          : expectedAppsFromSource(parseVerificationOutput(r.output, packages, { nonce, data: withData }), packages, withData),
      );
    }
    beat();
  });
  for (const [sourceId, bs] of bySource) for (const b of bs) judged.push(withSourceExpectations(b, sourceId, expectedBySource.get(sourceId)));
  return judged;
}

/** Lists which of the backup's packages each viable target already has; returns the viable targets updated. */
async function takeInventory({ deps, concurrency, beat }: Reads, targets: TargetPreflight[], backups: Map<string, BackupPreflight>): Promise<TargetPreflight[]> {
  const packagesOf = (t: TargetPreflight): string[] => [...(backups.get(t.backupFileId)?.facts?.packages ?? [])].sort();
  const viable = targets.filter((t) => t.ok);
  const chunks = [...groupBy(viable, (t) => packagesOf(t).join(',')).values()].flatMap((g) => chunk(g, MAX_INSTANCES_PER_CALL));
  const done = await mapBounded(chunks, concurrency, async (group) => {
    const packages = packagesOf(group[0]);
    const nonce = newMarkerNonce();
    const ids = group.map((t) => t.instanceId);
    const results = await runCommandAndCollect(deps, ids, buildInventoryCommand(nonce, packages), { pollIntervalMs: COMMAND_POLL_MS, beat });
    const updated = group.map((t) => {
      const r = results.get(t.instanceId);
      const parsed = r?.status === 'SUCCESS' ? parseVerificationOutput(r.output, packages, { nonce, data: false }) : undefined;
      return withInventory(t, packages, parsed, r?.status);
    });
    log.debug('target inventory read', { workflowId: workflowIdOf(), instances: group.length });
    beat();
    return updated;
  });
  return done.flat();
}
