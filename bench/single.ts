// `npm run bench -- --single`: one recovery of one instance, start to result, against its lower bound
// (inventory command + recovery task + verification command), with where the rest of the time went,
// read from the recovery's history timestamps. Same stack as the bulk bench (bench/stack.ts).
import { cpus, loadavg } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import type { Client } from '@temporalio/client';
import { startRecovery } from '../client/service/recoveries';
import type { RecoveryResult } from '../workflows/types';
import { parseRecoverAppInput, type RecoverAppPlan } from '../workflows/input';
import { startStack } from './stack';
import { fmt, table, writeSection } from './report';

export interface SingleConfig {
  timeScale: number;
  recoverDurationMs: number;
  commandDurationMs: number;
  qps: number;
  repeats: number;
}

export const DEFAULT_SINGLE: SingleConfig = { timeScale: 0.2, recoverDurationMs: 30_000, commandDurationMs: 1_000, qps: 10, repeats: 3 };

/** One span of the run, relative to the workflow's start (ms). */
export interface Span {
  what: string;
  fromMs: number;
  toMs: number;
  /** For activities: time between scheduled and started (task-queue wait). */
  queuedMs?: number;
}

export interface SingleRun {
  wallMs: number;
  /** Client start request → WorkflowExecutionStarted, and last event → result in the client. */
  startLatencyMs: number;
  resultLatencyMs: number;
  spans: Span[];
  /** Workflow tasks: count and summed schedule→complete time. */
  workflowTasks: { count: number; totalMs: number };
  outcome: string;
}

export interface SingleResult {
  config: SingleConfig;
  lowerBoundMs: number;
  runs: SingleRun[];
  finishedAt: string;
  /** 1-minute load average and cores when the runs ended: wall times on a busy machine are pessimistic. */
  load: { average1m: number; cores: number };
}

type HistoryEvent = NonNullable<Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>['events']>[number];

function at(e: HistoryEvent): number {
  const t = e.eventTime;
  return t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : 0;
}

/** Activities, local activities (markers), timers and updates of one history, as spans from its start. */
export function spansOf(events: readonly HistoryEvent[]): {
  t0: number;
  tEnd: number;
  spans: Span[];
  workflowTasks: SingleRun['workflowTasks'];
} {
  const t0 = events.length > 0 ? at(events[0]!) : 0;
  const spans: Span[] = [];
  const open = new Map<string, { what: string; scheduled: number; started?: number }>();
  const wfTasks = new Map<string, number>();
  const workflowTasks = { count: 0, totalMs: 0 };
  for (const e of events) {
    const id = String(e.eventId ?? '');
    const rel = at(e) - t0;
    if (e.activityTaskScheduledEventAttributes)
      open.set(id, { what: e.activityTaskScheduledEventAttributes.activityType?.name ?? 'activity', scheduled: rel });
    else if (e.activityTaskStartedEventAttributes) {
      const o = open.get(String(e.activityTaskStartedEventAttributes.scheduledEventId ?? ''));
      if (o) o.started = rel;
    } else if (e.activityTaskCompletedEventAttributes || e.activityTaskFailedEventAttributes || e.activityTaskTimedOutEventAttributes) {
      const a = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
      const o = open.get(String(a?.scheduledEventId ?? ''));
      if (o) spans.push({ what: o.what, fromMs: o.scheduled, toMs: rel, queuedMs: (o.started ?? o.scheduled) - o.scheduled });
    } else if (e.workflowTaskScheduledEventAttributes) wfTasks.set(id, rel);
    else if (e.workflowTaskCompletedEventAttributes) {
      const from = wfTasks.get(String(e.workflowTaskCompletedEventAttributes.scheduledEventId ?? ''));
      if (from !== undefined) {
        workflowTasks.count++;
        workflowTasks.totalMs += rel - from;
      }
    } else if (e.markerRecordedEventAttributes)
      spans.push({ what: `marker ${e.markerRecordedEventAttributes.markerName ?? ''}`, fromMs: rel, toMs: rel });
    else if (e.timerStartedEventAttributes) open.set(id, { what: `timer ${e.timerStartedEventAttributes.timerId ?? ''}`, scheduled: rel });
    else if (e.timerFiredEventAttributes) {
      const o = open.get(String(e.timerFiredEventAttributes.startedEventId ?? ''));
      if (o) spans.push({ what: o.what, fromMs: o.scheduled, toMs: rel });
    }
  }
  return { t0, tEnd: events.length > 0 ? at(events[events.length - 1]!) : t0, spans, workflowTasks };
}

function parseRecovery(raw: unknown): RecoverAppPlan {
  const parsed = parseRecoverAppInput(raw);
  if (!parsed.ok) throw new Error(`bench recovery input: ${JSON.stringify(parsed.issues)}`);
  return parsed.plan;
}

export async function runSingle(config: SingleConfig, log: (line: string) => void = (l) => console.error(l)): Promise<SingleResult> {
  const stack = await startStack({ timeScale: config.timeScale, qps: config.qps, qpsPerAction: {}, log });
  const runs: SingleRun[] = [];
  try {
    await stack.admin.patchConfig({ recoverDurationMs: config.recoverDurationMs, commandDurationMs: config.commandDurationMs });
    const fleet = await stack.admin.reset({
      generate: {
        sources: config.repeats,
        targetsPerSource: 1,
        packages: [{ packageName: 'com.example.single', versionName: '1.0.0', versionCode: 100 }],
        filesPerApp: 3,
      },
    });
    for (const g of fleet.generated ?? []) {
      const started = Date.now();
      const rec = await startRecovery(
        stack.client,
        parseRecovery({ items: [{ backupFileId: g.backupFileId, instanceIds: g.targetInstanceIds }] }),
      );
      const handle = stack.client.workflow.getHandle(rec.workflowId);
      const result = (await handle.result()) as RecoveryResult;
      const done = Date.now();
      const history = await handle.fetchHistory();
      const { t0, tEnd, spans, workflowTasks } = spansOf(history.events ?? []);
      const run: SingleRun = {
        wallMs: done - started,
        startLatencyMs: t0 - started,
        resultLatencyMs: done - tEnd,
        spans,
        workflowTasks,
        outcome: `${result.counts.verified}/${result.counts.total} verified`,
      };
      runs.push(run);
      log(`recovery ${rec.workflowId}: ${run.outcome} in ${fmt(run.wallMs / 1000, 2)} s`);
    }
  } finally {
    await stack.close();
  }
  const lowerBoundMs = (2 * config.commandDurationMs + config.recoverDurationMs) * config.timeScale;
  return { config, lowerBoundMs, runs, finishedAt: new Date().toISOString(), load: { average1m: loadavg()[0] ?? 0, cores: cpus().length } };
}

export function singleMarkdown(r: SingleResult): string {
  const c = r.config;
  const rows = r.runs.map((run, i) => [
    i + 1,
    fmt(run.wallMs / 1000, 2),
    fmt(r.lowerBoundMs / 1000, 2),
    fmt((run.wallMs - r.lowerBoundMs) / 1000, 2),
    fmt(run.startLatencyMs / 1000, 2),
    fmt(run.resultLatencyMs / 1000, 2),
    `${run.workflowTasks.count} / ${fmt(run.workflowTasks.totalMs / 1000, 2)}`,
    run.outcome,
  ]);
  const last = r.runs[r.runs.length - 1];
  const spans = (last?.spans ?? []).map((s) => [
    s.what,
    fmt(s.fromMs / 1000, 2),
    fmt(s.toMs / 1000, 2),
    fmt((s.toMs - s.fromMs) / 1000, 2),
    s.queuedMs === undefined ? '' : fmt(s.queuedMs / 1000, 2),
  ]);
  return [
    `## One recovery of one instance (${r.finishedAt})`,
    '',
    `Configuration: recovery task ${c.recoverDurationMs} ms and command ${c.commandDurationMs} ms emulated at timeScale ${c.timeScale}; lower bound = command + task + command = ${fmt(r.lowerBoundMs / 1000, 2)} s real; ${c.repeats} recoveries one after another on one worker (the first one in a fresh worker, the later ones after it learned durations). Machine load average ${fmt(r.load.average1m, 1)} on ${r.load.cores} cores at the end (wall times under load are pessimistic).`,
    '',
    table(
      [
        'run',
        'start → result (s)',
        'lower bound (s)',
        'overhead (s)',
        'start request → started (s)',
        'last event → result (s)',
        'workflow tasks (n / s)',
        'outcome',
      ],
      rows,
    ),
    '',
    `Timeline of the last run (seconds from the workflow's start; queued = scheduled → started):`,
    '',
    table(['step', 'from', 'to', 'took', 'queued'], spans),
  ].join('\n');
}

export function parseSingleArgs(argv: string[]): SingleConfig & { write: boolean } {
  const d = DEFAULT_SINGLE;
  const num =
    (name: string) =>
    (v: string): number => {
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
      return n;
    };
  const o = new Command()
    .name('bench --single')
    .option('--time-scale <x>', 'emulator real ms per emulated ms', num('--time-scale'), d.timeScale)
    .option('--recover-ms <ms>', 'emulated duration of the recovery task', num('--recover-ms'), d.recoverDurationMs)
    .option('--command-ms <ms>', 'emulated duration of a RunCommand', num('--command-ms'), d.commandDurationMs)
    .option('--qps <n>', 'vendor QPS per action', num('--qps'), d.qps)
    .option('--repeats <n>', 'recoveries one after another', num('--repeats'), d.repeats)
    .option('--no-write', 'do not touch BENCHMARKS.md')
    .exitOverride()
    .parse(argv, { from: 'user' })
    .opts<Record<string, unknown>>();
  return {
    timeScale: o.timeScale as number,
    recoverDurationMs: o.recoverMs as number,
    commandDurationMs: o.commandMs as number,
    qps: o.qps as number,
    repeats: Math.round(o.repeats as number),
    write: o.write as boolean,
  };
}

/** Exit code: 0 when every recovery verified its instance. */
export async function singleMain(argv: string[]): Promise<number> {
  const { write, ...config } = parseSingleArgs(argv);
  const result = await runSingle(config);
  console.log(singleMarkdown(result));
  console.log(JSON.stringify(result));
  if (write) writeSection('single-recovery', singleMarkdown(result));
  return result.runs.every((r) => r.outcome === '1/1 verified') ? 0 : 1;
}
