// `npm run chaos`: a bulk recovery while the harness SIGKILLs the worker at random moments and restarts
// it, restarts the Temporal dev server (same SQLite file), and the emulator injects throttling, 5xx,
// retryable task failures and data corruption. Variants add what a production week brings: the
// emulator's unfamiliar dialect, a vendor outage, an emulator process restart and a Temporal outage.
// Afterwards the invariants of docs/design.md are checked from the emulator's ledger and the workflow
// results; any violation → exit code 1. The process ends by itself (bench/exit.ts).
import { setTimeout as delay } from 'node:timers/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { WorkflowFailedError, type Connection, type WorkflowHandle } from '@temporalio/client';
import type { BackupFile, StateDump } from '../emulator/admin-client';
import { startMigration } from '../client/service/migrations';
import type { MigrationPlanInput } from '../workflows/plan';
import type { MigrationResult, MigrationRow } from '../workflows/bulk/types';
import { LEASE_SHARDS } from '../workflows/types';
import { leaseRegistryWorkflowId, leasesQuery } from '../workflows/lease-registry';
import { startStack } from './stack';
import { runHarness } from './exit';
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
  /** The emulator's error codes, statuses and state machine: ours ('familiar') or a seeded different one. */
  dialect: 'familiar' | 'unfamiliar';
  /** Every vendor call fails (HTTP 503, or the connection is refused) for this long, once, mid-run. */
  vendorOutage?: { mode: '5xx' | 'refuse'; seconds: number };
  /** Emulator process restarts (SIGTERM mid-call, state kept in its --state-file). */
  emulatorRestarts: number;
  /** The Temporal dev server is stopped for this many seconds once (0 = no outage), then started on the same SQLite file. */
  temporalOutageS: number;
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
  dialect: 'familiar',
  emulatorRestarts: 0,
  temporalOutageS: 0,
};

/** A name for the run's combination of variants (its BENCHMARKS.md section and report label). */
export function variantName(c: ChaosConfig): string {
  const parts = [
    c.dialect === 'unfamiliar' ? 'dialect-unfamiliar' : '',
    c.vendorOutage ? `vendor-outage-${c.vendorOutage.mode}` : '',
    c.emulatorRestarts > 0 ? 'emulator-restart' : '',
    c.temporalOutageS > 0 ? 'temporal-outage' : '',
  ].filter(Boolean);
  return parts.length > 0 ? parts.join('+') : 'baseline';
}

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
  variant: string;
  finishedAt: string;
  wallS: number;
  /** Why targets did not verify: each status and reason (instance IDs blanked), with how many targets. */
  reasons?: Record<string, number>;
  /** Failure codes of the vendor's failed recovery tasks (emulator ledger), with how many tasks. */
  failedTaskCodes?: Record<string, number>;
  /** Vendor calls the run made (every request the emulator saw, all outcomes), per target and by action. */
  vendorCalls: { total: number; perInstance: number; byAction: Record<string, number> };
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

/**
 * Waits for the migration's result; a Temporal server that is down (or restarting) is waited out rather
 * than taken for a failed migration. Resolves undefined when `signal` aborts (the harness's deadline).
 */
async function awaitResult(connection: Connection, handle: WorkflowHandle, signal: AbortSignal): Promise<{ result?: MigrationResult; failure?: unknown }> {
  for (;;) {
    // One signal per attempt (the SDK leaves its listener on the signal it is given), aborted with the run's.
    const attempt = new AbortController();
    const abort = (): void => attempt.abort();
    signal.addEventListener('abort', abort, { once: true });
    try {
      // Aborting cancels the long poll: a call still retrying after the connection closed would throw out of a timer.
      return { result: (await connection.withAbortSignal(attempt.signal, () => handle.result())) as MigrationResult };
    } catch (err) {
      if (err instanceof WorkflowFailedError) return { failure: err };
      if (signal.aborted) return {};
      await delay(1_000, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return {};
    } finally {
      signal.removeEventListener('abort', abort);
    }
  }
}

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
  const stack = await startStack({
    timeScale: config.timeScale,
    qps: 0,
    emulator: {
      // The familiar dialect is the emulator's default: no flag, so the harness also runs against an emulator without dialects.
      ...(config.dialect === 'unfamiliar' ? { dialect: config.dialect, dialectSeed: config.seed } : {}),
      keepStateAcrossRestarts: config.emulatorRestarts > 0,
    },
    log,
  });
  // Every wait of the harness hangs on this signal: aborted when the run ends, so no timer outlives it.
  const timers = new AbortController();
  const sleep = (ms: number): Promise<void> => delay(ms, undefined, { signal: timers.signal }).catch(() => undefined);
  const started = Date.now();
  let waitingForResult: Promise<unknown> | undefined;
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
    let finished = false;
    const settled = awaitResult(stack.connection!, stack.client.workflow.getHandle(migration.migrationId), timers.signal).then((r) => ((finished = true), r));
    waitingForResult = settled;

    // ---- the schedule of disruptions: kills, restarts and outages in a seeded random order and spacing ----
    type Disruption = 'kill' | 'restart' | 'vendor-outage' | 'emulator-restart' | 'temporal-outage';
    const disruptions: Disruption[] = [
      ...Array.from({ length: config.workerKills }, () => 'kill' as const),
      ...Array.from({ length: config.temporalRestarts }, () => 'restart' as const),
      ...(config.vendorOutage ? ['vendor-outage' as const] : []),
      ...Array.from({ length: config.emulatorRestarts }, () => 'emulator-restart' as const),
      ...(config.temporalOutageS > 0 ? ['temporal-outage' as const] : []),
    ].sort(() => random() - 0.5);
    let seq = 0;
    let action = 'none yet';
    const lastAction = async (): Promise<string> => {
      try {
        for (;;) {
          const page = await stack.admin.calls({ since: seq, limit: 10_000 });
          if (page.calls.length > 0) action = page.calls[page.calls.length - 1]!.action;
          if (page.nextSeq === seq) return action;
          seq = page.nextSeq;
        }
      } catch {
        return `${action}; emulator unreachable`;
      }
    };
    const done: Record<Disruption, number> = { kill: 0, restart: 0, 'vendor-outage': 0, 'emulator-restart': 0, 'temporal-outage': 0 };
    const at = (): string => `t=${((Date.now() - started) / 1000).toFixed(1)}s`;
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
        if (!stack.worker) continue; // being restarted after a crash
        await stack.killWorker();
        done.kill++;
        note(`${at()} SIGKILL worker #${done.kill} during ${phase}`);
        await stack.startWorker();
      } else if (what === 'restart') {
        await stack.restartTemporal(500);
        done.restart++;
        note(`${at()} restarted Temporal dev server during ${phase}`);
      } else if (what === 'vendor-outage') {
        const outage = config.vendorOutage!;
        await stack.vendorOutage(outage.seconds * 1000, outage.mode);
        done['vendor-outage']++;
        note(`${at()} vendor outage begins (${outage.mode === '5xx' ? 'every call answered 503' : 'connections refused'} for ${outage.seconds} s) during ${phase}`);
        // The emulator ends the outage by itself; nobody touches the run meanwhile.
        await Promise.race([sleep(outage.seconds * 1000), settled]);
        note(`${at()} vendor outage over (by the emulator's own clock; no operator action)`);
      } else if (what === 'emulator-restart') {
        // Aim the SIGTERM at a moment with vendor calls in flight, so their connections are reset: replies
        // are held back for a while (slow replies), and the restart waits (up to 20 s) until some are pending.
        await stack.admin.patchConfig({ slowReplyRate: 0.5, slowReplyMs: 3_000 });
        let inFlight = 0;
        for (const until = Date.now() + 20_000; inFlight === 0 && Date.now() < until; ) {
          inFlight = (await stack.admin.stats().catch(() => undefined))?.inFlightApiCalls ?? 0;
          if (inFlight === 0) await sleep(20);
        }
        await stack.restartEmulator(1_000);
        await stack.admin.patchConfig({ slowReplyRate: 0 }); // the state file kept the setting
        done['emulator-restart']++;
        note(`${at()} restarted the emulator process (SIGTERM with ${inFlight} vendor call(s) in flight, 1 s down, state from its state file) during ${phase}`);
      } else {
        note(`${at()} Temporal dev server going down for ${config.temporalOutageS} s during ${phase}`);
        await stack.restartTemporal(config.temporalOutageS * 1000);
        done['temporal-outage']++;
        note(`${at()} Temporal dev server back (same SQLite file)`);
      }
    }

    const timedOut = await Promise.race([settled.then(() => false), sleep(config.timeoutS * 1000).then(() => true)]);
    timers.abort(); // ends the deadline's timer, or the wait for a result that did not come
    const { result, failure } = timedOut ? { result: undefined, failure: undefined } : await settled;
    const wallS = (Date.now() - started) / 1000;
    note(timedOut ? `migration did not finish within ${config.timeoutS} s` : `migration ${result?.outcome ?? 'failed'} after ${wallS.toFixed(1)} s`);
    if (stack.workerCrashes > 0) note(`the worker exited by itself ${stack.workerCrashes} time(s) and was started again by the harness's supervisor`);

    // ---- evidence ----
    const after = await stack.admin.state();
    const stats = await stack.admin.stats();
    const calls = stats.callsByAction;
    const sum = (pick: (c: { ok: number; error: number; throttled: number; lost: number }) => number): number =>
      Object.values(calls).reduce((n, c) => n + pick(c), 0);
    const byAction = Object.fromEntries(Object.entries(calls).map(([action, x]) => [action, x.ok + x.error + x.throttled + x.lost]));
    const totalCalls = Object.values(byAction).reduce((a, b) => a + b, 0);
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
    if (config.dialect === 'unfamiliar') faults.push({ fault: 'unfamiliar vendor dialect (codes, statuses, state machine)', injected: 1, survived: survived(allOk, `${(totalCalls / targets.length).toFixed(2)} vendor calls per target`) });
    if (config.vendorOutage) faults.push({ fault: `vendor outage (${config.vendorOutage.mode}, ${config.vendorOutage.seconds} s)`, injected: done['vendor-outage'], survived: survived(allOk, 'resumed by itself') });
    if (config.emulatorRestarts > 0) faults.push({ fault: 'emulator process restart (state file kept)', injected: done['emulator-restart'], survived: survived(allOk, 'connections reset mid-call') });
    if (config.temporalOutageS > 0) faults.push({ fault: `Temporal dev server down ${config.temporalOutageS} s (same SQLite file)`, injected: done['temporal-outage'], survived: survived(allOk, `${stack.workerCrashes} worker exit(s) during it`) });
    return {
      config,
      variant: variantName(config),
      finishedAt: new Date().toISOString(),
      wallS,
      vendorCalls: { total: totalCalls, perInstance: totalCalls / targets.length, byAction },
      reasons: reasonCounts(result?.rows ?? []),
      failedTaskCodes: recoverTasks.filter((t) => t.status === 'Failed').reduce<Record<string, number>>((n, t) => ({ ...n, [t.errorCode ?? '?']: (n[t.errorCode ?? '?'] ?? 0) + 1 }), {}),
      outcome: result?.outcome,
      counts: c,
      faults,
      invariants,
      events,
      ok: allOk,
    };
  } catch (err) {
    note(`harness error: ${err instanceof Error ? err.message : String(err)}; worker output: ${stack.workerOutput().slice(-1500)}`);
    throw err;
  } finally {
    timers.abort();
    await waitingForResult; // the cancelled long poll has ended before its connection closes
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
    `## Chaos ${r.variant}, ${c.instances} instances (${r.finishedAt}): ${r.ok ? 'all invariants held' : 'VIOLATIONS'}`,
    '',
    `Command: \`${chaosCommand(c)}\``,
    '',
    `Configuration: ${variantDetails(c)}; ${c.instances} targets (${c.targetsPerBackup} per backup, ${Math.round(c.occupiedFraction * 100)}% already holding the app with their own data), ${c.workerKills} worker SIGKILLs, ${c.temporalRestarts} dev-server restart(s); emulator throttling ${c.throttleRate * 100}%, 5xx ${c.serverErrorRate * 100}%, retryable task failures ${c.taskFailureRate * 100}%, corruption ${c.corruptionRate * 100}%; timeScale ${c.timeScale}; seed ${c.seed}. Wall time ${r.wallS.toFixed(1)} s; outcome ${r.outcome ?? 'none'}${r.counts ? ` (${r.counts.verified} verified, ${r.counts.failed} failed, ${r.counts.skipped} skipped, ${r.counts.cancelled} cancelled)` : ''}. Vendor calls: ${r.vendorCalls.total} (${r.vendorCalls.perInstance.toFixed(2)} per target; ${Object.entries(r.vendorCalls.byAction).sort().map(([a, n]) => `${a} ${n}`).join(', ')}).`,
    '',
    ...(r.reasons && Object.keys(r.reasons).length > 0
      ? ['Targets that did not verify:', '', table(['status: reason', 'targets'], Object.entries(r.reasons).sort((a, b) => b[1] - a[1]).map(([k, n]) => [k.replace(/\|/g, '\\|'), n])), '']
      : []),
    ...(r.failedTaskCodes && Object.keys(r.failedTaskCodes).length > 0
      ? [`Failed recovery tasks by vendor code: ${Object.entries(r.failedTaskCodes).map(([code, n]) => `${code} ${n}`).join(', ')}.`, '']
      : []),
    table(...t.faults),
    '',
    table(...t.invariants),
    '',
    'Events:',
    '',
    ...r.events.map((e) => `- ${e}`),
  ].join('\n');
}

/** BENCHMARKS.md section of a run: one per variant and size (the baseline keeps its old name). */
export function chaosSection(r: ChaosReport): string {
  // Section names are word characters, dots and dashes (bench/report.ts); combined variants join with '+'.
  return r.variant === 'baseline' ? `chaos-${r.config.instances}` : `chaos-${r.variant.replace(/\+/g, '.')}-${r.config.instances}`;
}

function reasonCounts(rows: MigrationRow[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const row of rows) {
    if (row.status === 'verified') continue;
    const key = `${row.status}: ${(row.reason ?? 'no reason').replace(/acp-[\w-]+/g, '<instance>').replace(/\b(?:bf|task|t)-[\w-]+/g, '<id>').slice(0, 200)}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

function variantDetails(c: ChaosConfig): string {
  return [
    `dialect ${c.dialect}${c.dialect === 'unfamiliar' ? ` (dialect seed ${c.seed})` : ''}`,
    c.vendorOutage ? `vendor outage ${c.vendorOutage.mode} for ${c.vendorOutage.seconds} s` : '',
    c.emulatorRestarts > 0 ? `${c.emulatorRestarts} emulator restart(s) with --state-file` : '',
    c.temporalOutageS > 0 ? `Temporal dev server down ${c.temporalOutageS} s` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

/** The `npm run chaos` command line that reproduces a configuration. */
export function chaosCommand(c: ChaosConfig): string {
  const d = DEFAULT_CHAOS;
  const flags = [
    `--instances ${c.instances}`,
    c.targetsPerBackup !== d.targetsPerBackup ? `--targets-per-backup ${c.targetsPerBackup}` : '',
    c.workerKills !== d.workerKills ? `--kills ${c.workerKills}` : '',
    c.temporalRestarts !== d.temporalRestarts ? `--restarts ${c.temporalRestarts}` : '',
    c.timeScale !== d.timeScale ? `--time-scale ${c.timeScale}` : '',
    c.seed !== d.seed ? `--seed ${c.seed}` : '',
    c.timeoutS !== d.timeoutS ? `--timeout ${c.timeoutS}` : '',
    c.dialect !== d.dialect ? `--dialect ${c.dialect}` : '',
    c.vendorOutage ? `--vendor-outage ${c.vendorOutage.mode} --outage-s ${c.vendorOutage.seconds}` : '',
    c.emulatorRestarts > 0 ? (c.emulatorRestarts === 1 ? '--emulator-restart' : `--emulator-restart ${c.emulatorRestarts}`) : '',
    c.temporalOutageS > 0 ? `--temporal-outage ${c.temporalOutageS}` : '',
  ].filter(Boolean);
  return `npm run chaos -- ${flags.join(' ')}`;
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
    .option('--seed <n>', 'seed of faults, of the disruption schedule and of the dialect', num('--seed', 0, 2 ** 31), d.seed)
    .option('--timeout <s>', 'give up after this many seconds', num('--timeout', 10, 7200), d.timeoutS)
    .addOption(new Option('--dialect <dialect>', "the emulator's dialect: its error codes, statuses and state machine").choices(['familiar', 'unfamiliar']).default(d.dialect))
    .addOption(new Option('--vendor-outage [mode]', 'once mid-run, every vendor call fails: 5xx (HTTP 503) or refuse (connection refused)').choices(['5xx', 'refuse']).preset('5xx'))
    .option('--outage-s <s>', 'length of the vendor outage (default: seeded, 60-120)', num('--outage-s', 1, 3600))
    .option('--emulator-restart [n]', 'restart the emulator process n times (default 1), its state kept in a state file', num('--emulator-restart', 1, 5))
    .option('--temporal-outage [s]', 'stop the Temporal dev server for s seconds (default 60), then start it on the same SQLite file', num('--temporal-outage', 1, 3600))
    .option('--no-write', 'do not touch BENCHMARKS.md')
    .exitOverride()
    .parse(argv, { from: 'user' })
    .opts<Record<string, unknown>>();
  const seed = o.seed as number;
  const outageMode = o.vendorOutage as '5xx' | 'refuse' | undefined;
  const flagCount = (value: unknown, whenBare: number): number => (value === undefined ? 0 : value === true ? whenBare : (value as number));
  return {
    ...d,
    instances: o.instances as number,
    targetsPerBackup: o.targetsPerBackup as number,
    workerKills: o.kills as number,
    temporalRestarts: o.restarts as number,
    timeScale: o.timeScale as number,
    seed,
    timeoutS: o.timeout as number,
    dialect: o.dialect as ChaosConfig['dialect'],
    // 60-120 s, chosen by the seed so a run can be replayed.
    ...(outageMode ? { vendorOutage: { mode: outageMode, seconds: (o.outageS as number | undefined) ?? 60 + Math.floor(rng(seed ^ 0x5eed)() * 61) } } : {}),
    emulatorRestarts: flagCount(o.emulatorRestart, 1),
    temporalOutageS: flagCount(o.temporalOutage, 60),
    write: o.write as boolean,
  };
}

async function main(): Promise<number> {
  const { write, ...config } = parseChaosArgs(process.argv.slice(2));
  const report = await runChaos(config);
  const t = chaosTables(report);
  console.log(`chaos ${report.variant}: ${report.ok ? 'all invariants held' : 'INVARIANT VIOLATIONS'}`);
  console.log(textTable(...t.faults));
  console.log();
  console.log(textTable(...t.invariants));
  console.log(JSON.stringify(report));
  if (write) writeSection(chaosSection(report), chaosMarkdown(report));
  return report.ok ? 0 : 1;
}

if (require.main === module) runHarness(main);
