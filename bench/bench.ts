// `npm run bench [-- --instances 10000 ...]`: one bulk migration over a generated fleet on the emulator,
// against a dev server, with the worker in its own process; prints wall time against the vendor's
// lower bound, vendor calls per instance by action, Temporal history cost, and process usage, as a
// table and as JSON, and rewrites this configuration's section of BENCHMARKS.md.
import { readFileSync } from 'node:fs';
import { benchMigrationOptions } from './plan-options';
import { Command, InvalidArgumentError } from 'commander';
import type { CallLogEntry } from '../emulator/admin-client';
import { MAX_MIGRATION_TARGETS, type MigrationPlanInput } from '../workflows/plan';
import type { MigrationResult } from '../workflows/bulk/types';
import { startMigration } from '../client/service/migrations';
import { startStack, type BenchStack } from './stack';
import { measureHistories, type HistoryCost } from './history';
import { lowerBound, type LowerBound } from './lower-bound';
import { runHarness } from './exit';
import { fmt, table, textTable, writeSection } from './report';
import { regionsMarkdown, regionsRows, runRegionsBench } from './regions';

export interface BenchConfig {
  instances: number;
  targetsPerBackup: number;
  timeScale: number;
  recoverDurationMs: number;
  commandDurationMs: number;
  qps: number;
  qpsPerAction: Record<string, number>;
  itemsPerChild: number;
  window: number;
  recoverChunkSize: number;
  verifyChunkSize: number;
  pollChunkSize: number;
  pollIntervalMinMs: number;
  pollIntervalMaxMs: number;
  maxConcurrentActivities: number;
  activityConcurrency: number;
  /** Worker processes sharing the vendor budget (CPR_VENDOR_BUDGET=shared). */
  workers: number;
  /** Seconds after the migration starts: SIGKILL one worker / start one more. */
  killWorkerAtS?: number;
  addWorkerAtS?: number;
}

export const DEFAULT_BENCH: BenchConfig = {
  instances: 1000,
  targetsPerBackup: 10,
  timeScale: 0.2,
  recoverDurationMs: 30_000,
  commandDurationMs: 1_000,
  qps: 10,
  qpsPerAction: { RecoverApp: 5 },
  itemsPerChild: 50,
  window: 20,
  recoverChunkSize: 50,
  verifyChunkSize: 50,
  pollChunkSize: 1000,
  pollIntervalMinMs: 250,
  pollIntervalMaxMs: 1000,
  maxConcurrentActivities: 100,
  activityConcurrency: 8,
  workers: 1,
};

/** BENCHMARKS.md section of a configuration: `bench-1000`, `bench-1000-workers-3-kill-add`. */
export function benchLabel(c: Pick<BenchConfig, 'instances' | 'workers' | 'killWorkerAtS' | 'addWorkerAtS'>): string {
  if (c.workers === 1 && c.killWorkerAtS === undefined && c.addWorkerAtS === undefined) return `bench-${c.instances}`;
  return `bench-${c.instances}-workers-${c.workers}${c.killWorkerAtS !== undefined ? '-kill' : ''}${c.addWorkerAtS !== undefined ? '-add' : ''}`;
}

export interface BenchResult {
  label: string;
  config: BenchConfig;
  wallS: number;
  lowerBound: LowerBound;
  ratio: number;
  outcome: MigrationResult['outcome'];
  counts: MigrationResult['counts'];
  runs: number;
  vendor: {
    callsByAction: Record<string, { ok: number; error: number; throttled: number; lost: number; perInstance: number }>;
    throttled: number;
    /** Throttled responses / every vendor call. */
    throttledShare: number;
    recoverAppEntriesPerAttempt: number;
    recoveryTasks: number;
    duplicateRecoveryTasks: number;
    describeTasksPerInstancePerRound: number;
  };
  temporal: HistoryCost & { eventsPerInstance: number; billablePerInstance: number };
  worker: { peakRssMb: number; steadyPeakRssMb: number; cpuSeconds: number };
  /** Every worker process: how many ran, what happened to them during the run, CPU summed, peak RSS the highest. */
  workers: { started: number; events: string[]; cpuSeconds: number; peakRssMb: number };
  devServer: { cpuSeconds: number; peakRssMb: number };
  emulator: { cpuSeconds: number };
  finishedAt: string;
}

function listParam(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string') {
    try {
      const parsed: unknown = JSON.parse(value);
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      // a single ID
    }
    return value ? [value] : [];
  }
  return [];
}

/** Vendor-side facts of the run from the emulator's ledger and call log. */
async function vendorFacts(stack: BenchStack, instances: number): Promise<BenchResult['vendor']> {
  const stats = await stack.admin.stats();
  const callsByAction: BenchResult['vendor']['callsByAction'] = {};
  let throttled = 0;
  let calls = 0;
  for (const [action, c] of Object.entries(stats.callsByAction)) {
    const total = c.ok + c.error + c.throttled + c.lost;
    callsByAction[action] = { ...c, perInstance: total / instances };
    throttled += c.throttled;
    calls += total;
  }
  const recoverCalls: CallLogEntry[] = await stack.admin.allCalls(0, 'RecoverApp');
  const entries = recoverCalls.filter((c) => c.outcome === 'ok').reduce((n, c) => n + listParam(c.params.AndroidInstanceIdList).length, 0);
  const recoveryTasks = Object.values(stats.recoveryTasksByInstance).reduce((a, b) => a + b, 0);
  const describe = (await stack.admin.allCalls(0, 'DescribeTasks')).filter((c) => c.params.TaskIds !== undefined);
  const looks = describe.reduce((n, c) => n + listParam(c.params.TaskIds).length, 0);
  return {
    callsByAction,
    throttled,
    throttledShare: calls > 0 ? throttled / calls : 0,
    // Instance entries in accepted RecoverApp calls per vendor recovery task (= per attempt that reached the vendor).
    recoverAppEntriesPerAttempt: recoveryTasks > 0 ? entries / recoveryTasks : 0,
    recoveryTasks,
    duplicateRecoveryTasks: stats.duplicateRecoveryTasks,
    // Each polling round looks at each pending task once, in calls of up to 100 IDs: calls / task-looks.
    describeTasksPerInstancePerRound: looks > 0 ? describe.length / looks : 0,
  };
}

export async function runBench(config: BenchConfig, log: (line: string) => void = (l) => console.error(l)): Promise<BenchResult> {
  const backups = Math.ceil(config.instances / config.targetsPerBackup);
  const stack = await startStack({
    timeScale: config.timeScale,
    qps: config.qps,
    qpsPerAction: config.qpsPerAction,
    worker: { maxConcurrentActivities: config.maxConcurrentActivities, activityConcurrency: config.activityConcurrency },
    log,
  });
  try {
    await stack.admin.patchConfig({ recoverDurationMs: config.recoverDurationMs, commandDurationMs: config.commandDurationMs, callLogLimit: 2_000_000 });
    const fleet = await stack.admin.reset({
      generate: {
        sources: backups,
        targetsPerSource: config.targetsPerBackup,
        packages: [{ packageName: 'com.example.bench', versionName: '2.1.0', versionCode: 210 }],
        filesPerApp: 3,
      },
    });
    const items = (fleet.generated ?? []).map((g) => ({ backupFileId: g.backupFileId, instanceIds: g.targetInstanceIds }));
    let remaining = config.instances;
    for (const item of items) {
      item.instanceIds = item.instanceIds.slice(0, Math.max(0, remaining));
      remaining -= item.instanceIds.length;
    }
    const plan: MigrationPlanInput = {
      items: items.filter((i) => i.instanceIds.length > 0),
      options: benchMigrationOptions(config),
    };
    for (let i = 1; i < config.workers; i++) await stack.addWorker();
    log(`fleet: ${config.instances} targets on ${backups} backups; ${config.workers} worker(s); starting migration`);
    const started = Date.now();
    const workerEvents: string[] = [];
    let workersStarted = config.workers;
    const at = (seconds: number | undefined, what: string, act: () => Promise<void>): NodeJS.Timeout | undefined =>
      seconds === undefined
        ? undefined
        : setTimeout(() => {
            act().then(
              () => workerEvents.push(`${what} at ${((Date.now() - started) / 1000).toFixed(1)} s (${stack.liveWorkers()} running)`),
              (err: unknown) => workerEvents.push(`${what} failed: ${String(err)}`),
            );
          }, seconds * 1000);
    const scheduled = [
      at(config.killWorkerAtS, 'one worker SIGKILLed', () => stack.killOneWorker()),
      at(config.addWorkerAtS, 'one worker added', async () => {
        workersStarted++;
        await stack.addWorker();
      }),
    ];
    // One migration holds at most MAX_MIGRATION_TARGETS (its input is one payload): a larger fleet is
    // several migrations, as an operator would run it, sharing the configured window.
    const parts = splitPlan(plan, MAX_MIGRATION_TARGETS);
    const handles = [];
    for (const [i, part] of parts.entries()) {
      const id = parts.length === 1 ? `bench-${config.instances}` : `bench-${config.instances}-part${i + 1}`;
      const migration = await startMigration(stack.client, part, { migrationId: id });
      handles.push(stack.client.workflow.getHandle(migration.migrationId));
    }
    const ticker = setInterval(() => log(`  … ${((Date.now() - started) / 1000).toFixed(0)} s`), 30_000);
    const bound = lowerBound({
      instances: config.instances,
      backups,
      recoverDurationMs: config.recoverDurationMs,
      commandDurationMs: config.commandDurationMs,
      timeScale: config.timeScale,
      qps: config.qps,
      qpsPerAction: config.qpsPerAction,
    });
    // A run that cannot finish (no worker can run the workflow, a stuck child) must not hang the bench.
    const timeoutS = Math.max(300, 10 * bound.seconds);
    let timer: NodeJS.Timeout | undefined;
    let result: Pick<MigrationResult, 'outcome' | 'counts' | 'runs'>;
    try {
      result = await Promise.race([
        Promise.all(handles.map((h) => h.result() as Promise<MigrationResult>)).then(combineResults),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`migration not finished after ${timeoutS.toFixed(0)} s; worker output:\n${stack.workerOutput().slice(-3000)}`)), timeoutS * 1000);
        }),
      ]);
    } finally {
      clearInterval(ticker);
      clearTimeout(timer);
      for (const t of scheduled) clearTimeout(t);
    }
    const wallS = (Date.now() - started) / 1000;
    log(`migration ${result.outcome} in ${wallS.toFixed(1)} s; collecting measurements`);
    const worker = stack.workerUsage.totals();
    const devServer = stack.temporalUsage.totals();
    const emulator = stack.emulatorUsage.totals();
    const vendor = await vendorFacts(stack, config.instances);
    const history = await measureHistories(stack.client);
    return {
      label: benchLabel(config),
      config,
      wallS,
      lowerBound: bound,
      ratio: wallS / bound.seconds,
      outcome: result.outcome,
      counts: result.counts,
      runs: result.runs,
      vendor,
      temporal: { ...history, eventsPerInstance: history.events / config.instances, billablePerInstance: history.billableActions / config.instances },
      worker: { peakRssMb: worker.peakRssMb, steadyPeakRssMb: worker.steadyPeakRssMb, cpuSeconds: worker.cpuSeconds },
      workers: { started: workersStarted, events: workerEvents, ...stack.allWorkersUsage() },
      devServer: { cpuSeconds: devServer.cpuSeconds, peakRssMb: devServer.peakRssMb },
      emulator: { cpuSeconds: emulator.cpuSeconds },
      finishedAt: new Date().toISOString(),
    };
  } finally {
    await stack.close();
  }
}

/** Rows of the summary table: [measure, value, target]. */
export function summaryRows(r: BenchResult): string[][] {
  const v = r.vendor;
  const rows: string[][] = [
    ['instances (verified / total)', `${r.counts.verified} / ${r.counts.total} (${r.outcome})`, ''],
    ['wall time (s)', fmt(r.wallS, 1), ''],
    ['lower bound (s)', `${fmt(r.lowerBound.seconds, 1)} (${r.lowerBound.binding})`, ''],
    ['wall / lower bound', fmt(r.ratio), '≤ 1.10'],
    ['RecoverApp instance entries per attempt', fmt(v.recoverAppEntriesPerAttempt, 3), '= 1.00'],
    ['duplicate RecoverApp tasks', String(v.duplicateRecoveryTasks), '0'],
    ['DescribeTasks calls per instance per polling round', fmt(v.describeTasksPerInstancePerRound, 3), '≤ 0.05'],
    ['throttled responses (share of calls)', `${v.throttled} (${fmt(v.throttledShare * 100, 2)} %)`, '≤ 0.5 %'],
  ];
  const callsPerInstance = Object.values(v.callsByAction).reduce((sum, c) => sum + c.perInstance, 0);
  rows.push(['vendor calls per instance (all actions)', fmt(callsPerInstance, 3), '≤ 0.5 at 1,000']);
  for (const [action, c] of Object.entries(v.callsByAction).sort()) {
    rows.push([`vendor calls per instance: ${action}`, `${fmt(c.perInstance, 3)} (ok ${c.ok}, throttled ${c.throttled}, error ${c.error})`, '']);
  }
  rows.push(
    ['Temporal executions / history events', `${r.temporal.executions} / ${r.temporal.events}`, ''],
    ['history events per instance', fmt(r.temporal.eventsPerInstance), '≤ 2'],
    ['billable actions per instance (estimate)', fmt(r.temporal.billablePerInstance), ''],
    ['migration runs (continue-as-new + 1)', String(r.runs), ''],
    ['worker peak RSS (MB): VmHWM / steady', `${fmt(r.worker.peakRssMb, 0)} / ${fmt(r.worker.steadyPeakRssMb, 0)}`, '≤ 300'],
    ['worker CPU (s)', fmt(r.worker.cpuSeconds, 1), ''],
    ...(r.config.workers > 1 || r.workers.events.length > 0
      ? [
          ['worker processes started / events', `${r.workers.started} / ${r.workers.events.join('; ') || 'none'}`, ''],
          ['all workers: CPU (s) / highest peak RSS (MB)', `${fmt(r.workers.cpuSeconds, 1)} / ${fmt(r.workers.peakRssMb, 0)}`, ''],
        ]
      : []),
    ['dev server CPU (s)', fmt(r.devServer.cpuSeconds, 1), ''],
    ['emulator CPU (s)', fmt(r.emulator.cpuSeconds, 1), ''],
  );
  return rows;
}

export function markdown(r: BenchResult, note?: string): string {
  const c = r.config;
  const qps = [`${c.qps}/s per action`, ...Object.entries(c.qpsPerAction).map(([a, q]) => `${a} ${q}/s`)].join(', ');
  const byType = Object.entries(r.temporal.byType).map(([t, x]) => [t, x.executions, x.events]);
  const a = r.temporal.actions;
  return [
    `## Bulk migration, ${c.instances.toLocaleString('en')} instances${c.workers > 1 ? `, ${c.workers} workers sharing one vendor budget` : ''}${c.killWorkerAtS !== undefined ? `, one SIGKILLed at ${c.killWorkerAtS} s` : ''}${c.addWorkerAtS !== undefined ? `, one added at ${c.addWorkerAtS} s` : ''} (${r.finishedAt})`,
    '',
    `Configuration: ${c.instances} targets, ${c.targetsPerBackup} per backup; recovery task ${c.recoverDurationMs} ms and command ${c.commandDurationMs} ms emulated at timeScale ${c.timeScale} (${fmt((c.recoverDurationMs * c.timeScale) / 1000, 2)} s / ${fmt((c.commandDurationMs * c.timeScale) / 1000, 2)} s real); vendor QPS ${qps}; ${c.itemsPerChild} targets per child, window ${c.window}; chunks recover ${c.recoverChunkSize} / verify ${c.verifyChunkSize} / poll ${c.pollChunkSize}; poll interval ${c.pollIntervalMinMs}–${c.pollIntervalMaxMs} ms; worker ${c.maxConcurrentActivities} activity slots, ${c.activityConcurrency} vendor calls per activity.`,
    '',
    table(['measure', 'value', 'target'], summaryRows(r)),
    '',
    'Lower-bound terms:',
    '',
    table(['action', 'calls needed', 'qps', 'pacing (s)', 'tail (s)', 'bound (s)'], r.lowerBound.terms.map((t) => [t.action, t.calls, t.qps, fmt(t.pacingS), fmt(t.tailS), fmt(t.boundS)])),
    '',
    `Critical path: ${fmt(r.lowerBound.criticalPathS)} s.`,
    '',
    'History by workflow type:',
    '',
    table(['type', 'executions', 'events'], byType),
    '',
    `Billable-action estimate: ${r.temporal.billableActions} = workflow starts ${a.workflowStarts} + activity starts ${a.activityStarts} + retries ${a.activityRetries} + heartbeats≈${a.heartbeatsEstimated} + timers ${a.timers} + signals ${a.signals} + updates ${a.updates} + 2×child starts ${a.childStarts} + continue-as-new ${a.continueAsNew} + SA upserts ${a.searchAttributeUpserts}.`,
    ...(note ? ['', note] : []),
    '',
    '<details><summary>JSON</summary>',
    '',
    '```json',
    JSON.stringify(r, null, 1),
    '```',
    '',
    '</details>',
  ].join('\n');
}

// ---- command line ---------------------------------------------------------------------------------

const positive = (name: string) => (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
  return n;
};
const whole = (name: string) => (value: string): number => {
  const n = positive(name)(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be a whole number`);
  return n;
};

export function parseBenchArgs(argv: string[]): BenchConfig & { write: boolean; json?: string; note?: string; regions: number } {
  const d = DEFAULT_BENCH;
  const program = new Command()
    .name('bench')
    .option('--instances <n>', 'targets in the migration', whole('--instances'), d.instances)
    .option('--targets-per-backup <n>', 'targets restored from each backup', whole('--targets-per-backup'), d.targetsPerBackup)
    .option('--time-scale <x>', 'emulator real ms per emulated ms', positive('--time-scale'), d.timeScale)
    .option('--recover-ms <ms>', 'emulated duration of a recovery task', positive('--recover-ms'), d.recoverDurationMs)
    .option('--command-ms <ms>', 'emulated duration of a RunCommand', positive('--command-ms'), d.commandDurationMs)
    .option('--qps <n>', 'vendor QPS per action (emulator bucket and worker limiter)', positive('--qps'), d.qps)
    .option('--qps-action <Action=n...>', 'per-action QPS, e.g. RecoverApp=5 (repeatable)')
    .option('--items-per-child <n>', 'targets per recoverApp child', whole('--items-per-child'), d.itemsPerChild)
    .option('--window <n>', 'children in flight', whole('--window'), d.window)
    .option('--recover-chunk <n>', 'targets per RecoverApp call', whole('--recover-chunk'), d.recoverChunkSize)
    .option('--verify-chunk <n>', 'targets per verification RunCommand', whole('--verify-chunk'), d.verifyChunkSize)
    .option('--poll-chunk <n>', 'tasks per polling activity', whole('--poll-chunk'), d.pollChunkSize)
    .option('--poll-min-ms <ms>', 'shortest poll interval', whole('--poll-min-ms'), d.pollIntervalMinMs)
    .option('--poll-max-ms <ms>', 'longest poll interval', whole('--poll-max-ms'), d.pollIntervalMaxMs)
    .option('--activities <n>', 'worker activity slots', whole('--activities'), d.maxConcurrentActivities)
    .option('--activity-concurrency <n>', 'vendor calls in parallel inside one activity', whole('--activity-concurrency'), d.activityConcurrency)
    .option('--regions <n>', 'spread the items over n regions, one emulator and one worker lane each (bench/regions.ts)', whole('--regions'), 1)
    .option('--workers <n>', 'worker processes sharing the vendor budget', whole('--workers'), d.workers)
    .option('--kill-worker-at <s>', 'SIGKILL one worker this many seconds into the migration', positive('--kill-worker-at'))
    .option('--add-worker-at <s>', 'start one more worker this many seconds into the migration', positive('--add-worker-at'))
    .option('--json <file>', 'also write the JSON result to this file')
    .option('--note <text>', 'a line added to the BENCHMARKS.md section')
    .option('--no-write', 'do not touch BENCHMARKS.md')
    .exitOverride();
  const o = program.parse(argv, { from: 'user' }).opts<Record<string, unknown>>();
  const qpsPerAction: Record<string, number> = { ...d.qpsPerAction };
  for (const spec of (o.qpsAction as string[] | undefined) ?? []) {
    const m = /^([A-Z][A-Za-z]+)=(\d+(?:\.\d+)?)$/.exec(spec);
    if (!m) throw new InvalidArgumentError(`--qps-action ${spec}: must be Action=number`);
    qpsPerAction[m[1]!] = Number(m[2]);
  }
  return {
    instances: o.instances as number,
    targetsPerBackup: o.targetsPerBackup as number,
    timeScale: o.timeScale as number,
    recoverDurationMs: o.recoverMs as number,
    commandDurationMs: o.commandMs as number,
    qps: o.qps as number,
    qpsPerAction,
    itemsPerChild: o.itemsPerChild as number,
    window: o.window as number,
    recoverChunkSize: o.recoverChunk as number,
    verifyChunkSize: o.verifyChunk as number,
    pollChunkSize: o.pollChunk as number,
    pollIntervalMinMs: o.pollMinMs as number,
    pollIntervalMaxMs: o.pollMaxMs as number,
    maxConcurrentActivities: o.activities as number,
    activityConcurrency: o.activityConcurrency as number,
    workers: o.workers as number,
    ...(o.killWorkerAt !== undefined ? { killWorkerAtS: o.killWorkerAt as number } : {}),
    ...(o.addWorkerAt !== undefined ? { addWorkerAtS: o.addWorkerAt as number } : {}),
    write: o.write as boolean,
    json: o.json as string | undefined,
    note: o.note as string | undefined,
    regions: o.regions as number,
  };
}

async function main(): Promise<number> {
  if (process.argv[2] === '--single') return (await import('./single')).singleMain(process.argv.slice(3));
  if (process.argv[2] === '--render') return renderSaved(process.argv[3]);
  const { write, json, note, regions, ...config } = parseBenchArgs(process.argv.slice(2));
  if (regions > 1) {
    const r = await runRegionsBench({ ...config, regions });
    console.log(textTable(['measure', 'value'], regionsRows(r)));
    console.log(JSON.stringify(r));
    if (json) (await import('node:fs')).writeFileSync(json, JSON.stringify(r, null, 2));
    if (write) writeSection(r.label, regionsMarkdown(r, note));
    return r.counts.verified === r.counts.total ? 0 : 1;
  }
  const result = await runBench(config);
  console.log(textTable(['measure', 'value', 'target'], summaryRows(result)));
  console.log(JSON.stringify(result));
  if (json) (await import('node:fs')).writeFileSync(json, JSON.stringify(result, null, 2));
  if (write) writeSection(benchLabel(config), markdown(result, note));
  const problems = benchProblems(result);
  for (const p of problems) console.error(`bench: ${p}`);
  return problems.length === 0 ? 0 : 1;
}

/** Writes the BENCHMARKS.md section of a result saved with --json again, after a change of the report (no run). */
function renderSaved(file: string | undefined): number {
  if (!file) throw new InvalidArgumentError('--render needs the JSON file a run wrote with --json');
  const result = JSON.parse(readFileSync(file, 'utf8')) as BenchResult;
  writeSection(benchLabel(result.config), markdown(result));
  console.log(`rewrote section ${benchLabel(result.config)} from ${file}`);
  return 0;
}

/** What makes a fault-free benchmark run a failure (exit code 1): it must verify every target, once. */
export function benchProblems(r: BenchResult): string[] {
  return [
    r.counts.verified === r.counts.total ? '' : `${r.counts.total - r.counts.verified} of ${r.counts.total} targets not verified (${r.outcome})`,
    r.vendor.duplicateRecoveryTasks === 0 ? '' : `${r.vendor.duplicateRecoveryTasks} duplicate RecoverApp task(s)`,
  ].filter(Boolean);
}

if (require.main === module) runHarness(main);

/** Splits a plan into plans of at most `maxTargets` targets (whole items), sharing the window between them. */
export function splitPlan(plan: MigrationPlanInput, maxTargets: number): MigrationPlanInput[] {
  const groups: MigrationPlanInput['items'][] = [[]];
  let size = 0;
  for (const item of plan.items) {
    if (size + item.instanceIds.length > maxTargets && size > 0) {
      groups.push([]);
      size = 0;
    }
    groups.at(-1)!.push(item);
    size += item.instanceIds.length;
  }
  const window = plan.options?.maxConcurrentChildren;
  const share = window === undefined ? undefined : Math.max(1, Math.round(window / groups.length));
  return groups.map((items) => ({ ...plan, items, options: { ...plan.options, ...(share === undefined ? {} : { maxConcurrentChildren: share }) } }));
}

/** One result over several migrations: counts and runs added up, the outcome of all of them. */
function combineResults(results: MigrationResult[]): Pick<MigrationResult, 'outcome' | 'counts' | 'runs'> {
  const counts = { ...results[0]!.counts };
  for (const r of results.slice(1)) for (const k of Object.keys(counts) as (keyof typeof counts)[]) counts[k] += r.counts[k];
  const outcomes = new Set(results.map((r) => r.outcome));
  const outcome = outcomes.size === 1 ? results[0]!.outcome : 'partial';
  return { outcome, counts, runs: results.reduce((n, r) => n + r.runs, 0) };
}
