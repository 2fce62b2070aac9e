// `npm run chaos`: a bulk recovery while the harness SIGKILLs the worker at random moments and restarts
// it, restarts the Temporal dev server (same SQLite file), and the emulator injects throttling, 5xx,
// retryable task failures and data corruption. Afterwards the invariants of docs/design.md are
// checked from the emulator's ledger and the workflow results; any violation → exit code 1.
import { Command, InvalidArgumentError } from 'commander';
import type { BackupFile, StateDump } from '../emulator/admin-client';
import { startMigration } from '../client/service/migrations';
import type { MigrationPlanInput } from '../workflows/plan';
import type { MigrationResult, MigrationRow } from '../workflows/bulk/types';
import { LEASE_SHARDS } from '../workflows/types';
import { leaseRegistryWorkflowId, leasesQuery } from '../workflows/lease-registry';
import { startStack } from './stack';
import { table, textTable, writeSection } from './report';

export interface ChaosConfig {
  instances: number;
  targetsPerBackup: number;
  /** Targets that already have the app with their own data (must be snapshotted before overwrite). */
  occupiedFraction: number;
  workerKills: number;
  temporalRestarts: number;
  throttleRate: number;
  serverErrorRate: number;
  taskFailureRate: number;
  corruptionRate: number;
  timeScale: number;
  seed: number;
  /** Real seconds; the run fails with a violation if the migration has not finished by then. */
  timeoutS: number;
}

export const DEFAULT_CHAOS: ChaosConfig = {
  instances: 200,
  targetsPerBackup: 5,
  occupiedFraction: 0.1,
  workerKills: 3,
  temporalRestarts: 1,
  throttleRate: 0.2,
  serverErrorRate: 0.05,
  taskFailureRate: 0.05,
  corruptionRate: 0.02,
  timeScale: 0.05,
  seed: 7,
  timeoutS: 900,
};

export interface FaultRow {
  fault: string;
  injected: number;
  survived: string;
}

export interface InvariantRow {
  invariant: string;
  checked: number;
  violations: number;
  examples: string[];
}

export interface ChaosReport {
  config: ChaosConfig;
  wallS: number;
  outcome?: string;
  counts?: MigrationResult['counts'];
  faults: FaultRow[];
  invariants: InvariantRow[];
  events: string[];
  ok: boolean;
}

const PACKAGE = 'com.example.chaos';

/** Small deterministic PRNG (mulberry32) so a seed replays the same schedule of kills. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PHASE_OF_ACTION: Record<string, string> = {
  DescribeBackupFiles: 'preflight',
  DescribeAndroidInstances: 'preflight',
  BackupApp: 'protect',
  RecoverApp: 'recover',
  DescribeTasks: 'poll',
  RunCommand: 'preflight/verify',
  DescribeInvocations: 'preflight/verify',
  DeleteBackupFile: 'release',
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function sameData(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  if (!a || !b) return false;
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

export async function runChaos(config: ChaosConfig, log: (line: string) => void = (l) => console.error(l)): Promise<ChaosReport> {
  const random = rng(config.seed);
  const events: string[] = [];
  const note = (line: string): void => {
    events.push(line);
    log(line);
  };
  const stack = await startStack({ timeScale: config.timeScale, qps: 0, log });
  const started = Date.now();
  try {
    // ---- fleet: generated targets, some of them already running the app with data of their own ----
    const backups = Math.ceil(config.instances / config.targetsPerBackup);
    const fleet = await stack.admin.reset({
      generate: { sources: backups, targetsPerSource: config.targetsPerBackup, packages: [{ packageName: PACKAGE, versionName: '3.0.0', versionCode: 300 }], filesPerApp: 3 },
    });
    const items = (fleet.generated ?? []).map((g) => ({ backupFileId: g.backupFileId, instanceIds: g.targetInstanceIds }));
    let left = config.instances;
    for (const item of items) {
      item.instanceIds = item.instanceIds.slice(0, Math.max(0, left));
      left -= item.instanceIds.length;
    }
    const planItems = items.filter((i) => i.instanceIds.length > 0);
    const targets = planItems.flatMap((i) => i.instanceIds);
    const occupied = targets.filter(() => random() < config.occupiedFraction);
    for (const id of occupied) {
      await stack.admin.patchInstance(id, {
        packages: [{ packageName: PACKAGE, versionName: '2.0.0', versionCode: 200, data: { 'shared_prefs/own.xml': `data of ${id} before recovery` } }],
      });
    }
    const before: StateDump = await stack.admin.state();
    const backupBefore = new Map<string, BackupFile>(before.backups.map((b) => [b.id, b]));
    const ownData = new Map(occupied.map((id) => [id, before.instances.find((i) => i.id === id)?.packages[PACKAGE]?.data]));

    await stack.admin.patchConfig({
      throttleRate: config.throttleRate,
      serverErrorRate: config.serverErrorRate,
      taskFailureRate: config.taskFailureRate,
      corruptionRate: config.corruptionRate,
      randomSeed: config.seed,
      callLogLimit: 1_000_000,
    });

    const plan: MigrationPlanInput = {
      items: planItems,
      options: {
        itemsPerChild: 50,
        maxConcurrentChildren: 10,
        existingApp: 'snapshot-then-overwrite',
        releaseBackup: 'after-all-verified',
        limits: { pollIntervalMinMs: 100, pollIntervalMaxMs: 500, taskTimeoutMs: 120_000, maxAttemptsPerInstance: 3 },
      },
    };
    const migration = await startMigration(stack.client, plan, { migrationId: `chaos-${config.seed}` });
    const resultPromise = stack.client.workflow.getHandle(migration.migrationId).result() as Promise<MigrationResult>;
    let finished = false;
    let failure: unknown;
    const settled = resultPromise.then(
      (r) => ((finished = true), r),
      (err: unknown) => {
        finished = true;
        failure = err;
        return undefined;
      },
    );

    // ---- the schedule of disruptions: kills and restarts in a seeded random order and spacing ----
    const disruptions: ('kill' | 'restart')[] = [
      ...Array.from({ length: config.workerKills }, () => 'kill' as const),
      ...Array.from({ length: config.temporalRestarts }, () => 'restart' as const),
    ].sort(() => random() - 0.5);
    let seq = 0;
    const lastAction = async (): Promise<string> => {
      let action = 'none yet';
      for (;;) {
        const page = await stack.admin.calls({ since: seq, limit: 10_000 });
        if (page.calls.length > 0) action = page.calls[page.calls.length - 1]!.action;
        if (page.nextSeq === seq) return action;
        seq = page.nextSeq;
      }
    };
    const done: Record<'kill' | 'restart', number> = { kill: 0, restart: 0 };
    for (const what of disruptions) {
      // Spread over the early and middle part of the run, where all phases are in flight.
      await Promise.race([sleep(1_000 + random() * 6_000), settled]);
      if (finished) {
        note(`migration finished before the ${what}; ${what} skipped`);
        break;
      }
      const action = await lastAction();
      const phase = `${PHASE_OF_ACTION[action] ?? action} (last vendor call ${action})`;
      if (what === 'kill') {
        await stack.killWorker();
        done.kill++;
        note(`t=${((Date.now() - started) / 1000).toFixed(1)}s SIGKILL worker #${done.kill} during ${phase}`);
        await stack.startWorker();
      } else {
        await stack.restartTemporal(500);
        done.restart++;
        note(`t=${((Date.now() - started) / 1000).toFixed(1)}s restarted Temporal dev server during ${phase}`);
      }
    }

    const timedOut = await Promise.race([settled.then(() => false), sleep(config.timeoutS * 1000).then(() => true)]);
    const result = timedOut ? undefined : await settled;
    const wallS = (Date.now() - started) / 1000;
    note(timedOut ? `migration did not finish within ${config.timeoutS} s` : `migration ${result?.outcome ?? 'failed'} after ${wallS.toFixed(1)} s`);

    // ---- evidence ----
    const after = await stack.admin.state();
    const stats = await stack.admin.stats();
    const calls = stats.callsByAction;
    const sum = (pick: (c: { ok: number; error: number; throttled: number; lost: number }) => number): number =>
      Object.values(calls).reduce((n, c) => n + pick(c), 0);
    const recoverTasks = after.tasks.filter((t) => t.type === 'RecoverApp' && t.level === 2);
    const failedTasks = recoverTasks.filter((t) => t.status === 'Failed').length;
    const instances = new Map(after.instances.map((i) => [i.id, i]));
    const backupsAfter = new Map(after.backups.map((b) => [b.id, b]));
    const rows = new Map<string, MigrationRow>((result?.rows ?? []).map((r) => [r.instanceId, r]));
    const corrupted = after.instances.filter((i) => Object.values(i.packages[PACKAGE]?.data ?? {}).some((v) => v.includes('#corrupted-by-emulator'))).map((i) => i.id);

    const invariants: InvariantRow[] = [];
    const check = (invariant: string, subjects: string[], violated: (s: string) => string | undefined): void => {
      const bad = subjects.flatMap((s) => {
        const why = violated(s);
        return why ? [why] : [];
      });
      invariants.push({ invariant, checked: subjects.length, violations: bad.length, examples: bad.slice(0, 5) });
    };

    check('the migration completed with a result', ['migration'], () =>
      timedOut ? `not finished within ${config.timeoutS} s` : result ? undefined : `failed: ${failure instanceof Error ? failure.message : String(failure)}`,
    );
    check('no instance got two recovery tasks for one attempt (emulator ledger)', ['ledger'], () =>
      stats.duplicateRecoveryTasks === 0 ? undefined : `${stats.duplicateRecoveryTasks} duplicate RecoverApp task(s)`,
    );
    check('recovery tasks per instance ≤ maxAttemptsPerInstance (3)', targets, (id) => {
      const n = stats.recoveryTasksByInstance[id] ?? 0;
      return n > 3 ? `${id}: ${n} tasks` : undefined;
    });
    check('every target ends terminal, with a reason unless verified', targets, (id) => {
      const row = rows.get(id);
      if (!result) return `${id}: no result`;
      if (!row) return result.verifiedRowsOmitted > 0 ? undefined : `${id}: missing from the result`;
      if (!['verified', 'failed', 'skipped', 'cancelled'].includes(row.status)) return `${id}: ${row.status}`;
      if (row.status !== 'verified' && !row.reason) return `${id}: ${row.status} without a reason`;
      return undefined;
    });
    check('a verified target holds exactly the backup\'s app data (corruption never verifies)', targets, (id) => {
      if (rows.get(id)?.status !== 'verified') return undefined;
      const item = planItems.find((i) => i.instanceIds.includes(id))!;
      const expected = backupBefore.get(item.backupFileId)?.packages.find((p) => p.packageName === PACKAGE)?.data;
      return sameData(instances.get(id)?.packages[PACKAGE]?.data, expected) ? undefined : `${id}: verified but its data differs from ${item.backupFileId}`;
    });
    check('a backup is deleted if and only if every one of its targets verified', planItems.map((i) => i.backupFileId), (id) => {
      const item = planItems.find((i) => i.backupFileId === id)!;
      const allVerified = item.instanceIds.every((t) => rows.get(t)?.status === 'verified');
      const b = backupsAfter.get(id);
      const deleted = !b || b.status === 'DELETING';
      if (allVerified && !deleted) return `${id}: every target verified but the backup is ${b?.status}`;
      if (!allVerified && deleted) return `${id}: deleted although not every target verified`;
      return undefined;
    });
    check('no target lost data: an overwritten app was snapshotted first, and the snapshot is kept', occupied, (id) => {
      const own = ownData.get(id);
      const firstRecover = recoverTasks.filter((t) => t.instanceId === id).map((t) => t.createdAt).sort((a, b) => a - b)[0];
      const nowData = instances.get(id)?.packages[PACKAGE]?.data;
      if (firstRecover === undefined) return sameData(nowData, own) ? undefined : `${id}: never recovered, yet its data changed`;
      const snapshot = after.backups.find((b) => b.sourceInstanceId === id && b.status !== 'DELETING' && sameData(b.packages.find((p) => p.packageName === PACKAGE)?.data, own));
      if (!snapshot) return `${id}: overwritten without a kept snapshot of its own data`;
      if (snapshot.gmtCreated > firstRecover) return `${id}: snapshot ${snapshot.id} was taken after the first RecoverApp`;
      return undefined;
    });
    const leaseHolders: string[] = [];
    for (let shard = 0; shard < LEASE_SHARDS; shard++) {
      try {
        const holders = await stack.client.workflow.getHandle(leaseRegistryWorkflowId(shard)).query(leasesQuery);
        for (const h of holders) leaseHolders.push(`shard ${shard}: ${JSON.stringify(h).slice(0, 160)}`);
      } catch {
        // a registry that never started holds nothing
      }
    }
    check('all leases released', ['lease registries'], () => (leaseHolders.length === 0 ? undefined : `${leaseHolders.length} lease(s) still held: ${leaseHolders[0]}`));

    const c = result?.counts;
    const survived = (ok: boolean, detail: string): string => `${ok ? 'yes' : 'NO'}: ${detail}`;
    const allOk = invariants.every((i) => i.violations === 0);
    const faults: FaultRow[] = [
      { fault: 'worker SIGKILL + restart', injected: done.kill, survived: survived(allOk, `${stack.workerStarts} worker starts`) },
      { fault: 'Temporal dev server restart (same SQLite file)', injected: done.restart, survived: survived(allOk, 'migration resumed') },
      { fault: 'throttled responses (Throttling.User)', injected: sum((x) => x.throttled), survived: survived(allOk, 'paced and retried') },
      { fault: '5xx responses', injected: sum((x) => x.error), survived: survived(allOk, 'errors incl. 5xx; retried or reconciled') },
      { fault: 'failed recovery tasks (retryable)', injected: failedTasks, survived: survived(allOk, `${c ? c.verified : '?'} of ${targets.length} verified in the end`) },
      { fault: 'corrupted restores', injected: corrupted.length, survived: survived(allOk, `${corrupted.filter((id) => rows.get(id)?.status === 'verified').length} of them verified`) },
      { fault: 'targets with existing app data', injected: occupied.length, survived: survived(allOk, 'snapshotted before overwrite') },
    ];
    return { config, wallS, outcome: result?.outcome, counts: c, faults, invariants, events, ok: allOk };
  } catch (err) {
    note(`harness error: ${err instanceof Error ? err.message : String(err)}; worker output: ${stack.workerOutput().slice(-1500)}`);
    throw err;
  } finally {
    await stack.close();
  }
}

export function chaosTables(r: ChaosReport): { faults: [string[], (string | number)[][]]; invariants: [string[], (string | number)[][]] } {
  return {
    faults: [['fault', 'injected', 'survived'], r.faults.map((f) => [f.fault, f.injected, f.survived])],
    invariants: [['invariant', 'checked', 'violations', 'examples'], r.invariants.map((i) => [i.invariant, i.checked, i.violations, i.examples.join('; ').replace(/\|/g, '\\|') || '—'])],
  };
}

export function chaosMarkdown(r: ChaosReport): string {
  const t = chaosTables(r);
  const c = r.config;
  return [
    `## Chaos, ${c.instances} instances (${new Date().toISOString()}): ${r.ok ? 'all invariants held' : 'VIOLATIONS'}`,
    '',
    `Configuration: ${c.instances} targets (${c.targetsPerBackup} per backup, ${Math.round(c.occupiedFraction * 100)}% already holding the app with their own data), ${c.workerKills} worker SIGKILLs, ${c.temporalRestarts} dev-server restart(s); emulator throttling ${c.throttleRate * 100}%, 5xx ${c.serverErrorRate * 100}%, retryable task failures ${c.taskFailureRate * 100}%, corruption ${c.corruptionRate * 100}%; timeScale ${c.timeScale}; seed ${c.seed}. Wall time ${r.wallS.toFixed(1)} s; outcome ${r.outcome ?? 'none'}${r.counts ? ` (${r.counts.verified} verified, ${r.counts.failed} failed, ${r.counts.skipped} skipped, ${r.counts.cancelled} cancelled)` : ''}.`,
    '',
    table(...t.faults),
    '',
    table(...t.invariants),
    '',
    'Events:',
    '',
    ...r.events.map((e) => `- ${e}`),
  ].join('\n');
}

// ---- command line ---------------------------------------------------------------------------------

const num = (name: string, min: number, max: number) => (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a number from ${min} to ${max}`);
  return n;
};

export function parseChaosArgs(argv: string[]): ChaosConfig & { write: boolean } {
  const d = DEFAULT_CHAOS;
  const o = new Command()
    .name('chaos')
    .option('--instances <n>', 'targets', num('--instances', 1, 20_000), d.instances)
    .option('--targets-per-backup <n>', 'targets per backup', num('--targets-per-backup', 1, 50), d.targetsPerBackup)
    .option('--kills <n>', 'worker SIGKILLs', num('--kills', 0, 20), d.workerKills)
    .option('--restarts <n>', 'Temporal dev-server restarts', num('--restarts', 0, 5), d.temporalRestarts)
    .option('--time-scale <x>', 'emulator real ms per emulated ms', num('--time-scale', 0.0001, 10), d.timeScale)
    .option('--seed <n>', 'seed of faults and of the disruption schedule', num('--seed', 0, 2 ** 31), d.seed)
    .option('--timeout <s>', 'give up after this many seconds', num('--timeout', 10, 7200), d.timeoutS)
    .option('--no-write', 'do not touch BENCHMARKS.md')
    .exitOverride()
    .parse(argv, { from: 'user' })
    .opts<Record<string, unknown>>();
  return {
    ...d,
    instances: o.instances as number,
    targetsPerBackup: o.targetsPerBackup as number,
    workerKills: o.kills as number,
    temporalRestarts: o.restarts as number,
    timeScale: o.timeScale as number,
    seed: o.seed as number,
    timeoutS: o.timeout as number,
    write: o.write as boolean,
  };
}

async function main(): Promise<void> {
  const { write, ...config } = parseChaosArgs(process.argv.slice(2));
  const report = await runChaos(config);
  const t = chaosTables(report);
  console.log(textTable(...t.faults));
  console.log();
  console.log(textTable(...t.invariants));
  console.log(JSON.stringify(report));
  if (write) writeSection(`chaos-${config.instances}`, chaosMarkdown(report));
  process.exitCode = report.ok ? 0 : 1;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  });
}
