// `cpr schedule …`: Temporal Schedules that start bulk migrations on a cron or an interval.
import type { ScheduleOverlapPolicy } from '@temporalio/client';
import { InvalidInputError } from '../service';
import {
  OVERLAP_POLICIES,
  backfillSchedule,
  createMigrationSchedule,
  deleteSchedule,
  describeSchedule,
  listSchedules,
  pauseSchedule,
  triggerSchedule,
  unpauseSchedule,
  type ScheduleView,
} from '../service/schedules';
import type { CliContext } from './context';
import { EXIT } from './errors';
import { loadPlanForCli } from './migrate';
import { printJson, renderTable } from './output';

/** `buffer-one` → `BUFFER_ONE`; anything else is reported with the accepted values. */
function overlapFlag(value: string | undefined): ScheduleOverlapPolicy | undefined {
  if (value === undefined) return undefined;
  const upper = value.toUpperCase().replace(/-/g, '_');
  if (!(OVERLAP_POLICIES as readonly string[]).includes(upper)) {
    throw new InvalidInputError([{ field: '--overlap', rule: `must be one of ${OVERLAP_POLICIES.map((p) => p.toLowerCase().replace(/_/g, '-')).join(', ')}` }]);
  }
  return upper as ScheduleOverlapPolicy;
}

function renderSchedule(s: ScheduleView): string {
  const lines = [
    `Schedule   ${s.scheduleId}${s.paused ? ' (paused)' : ''}`,
    `Spec       ${s.cron ? `cron ${s.cron}` : `every ${s.every ?? '?'}`} · overlap ${s.overlap} · task queue ${s.taskQueue}`,
    ...(s.note ? [`Note       ${s.note}`] : []),
    ...(s.targets !== undefined ? [`Targets    ${s.targets} per run`] : []),
    `Runs       ${s.runsStarted} started, ${s.runsSkippedOverlap} skipped (overlap)`,
    `Next       ${s.nextRunTimes.slice(0, 3).join(', ') || '-'}`,
    `Running    ${s.runningMigrationIds.join(', ') || '-'}`,
  ];
  if (s.recentRuns.length) {
    lines.push('', renderTable(['SCHEDULED', 'STARTED', 'MIGRATION'], s.recentRuns.map((r) => [r.scheduledAt, r.startedAt, r.migrationId])));
  }
  return lines.join('\n');
}

async function show(ctx: CliContext, view: ScheduleView, verb?: string): Promise<number> {
  if (ctx.output === 'json') printJson(view);
  else process.stdout.write(`${verb ? `${verb}: ${view.scheduleId}\n` : ''}${renderSchedule(view)}\n`);
  return EXIT.ok;
}

export interface ScheduleCreateFlags {
  plan: string;
  cron?: string;
  every?: string;
  overlap?: string;
  window?: string;
  paused?: boolean;
  note?: string;
}

export async function scheduleCreate(id: string, flags: ScheduleCreateFlags, ctx: CliContext): Promise<number> {
  const plan = await loadPlanForCli(flags.plan, flags.window);
  const overlap = overlapFlag(flags.overlap);
  return ctx.withClient(async (client) => {
    const view = await createMigrationSchedule(
      client,
      {
        scheduleId: id,
        plan,
        ...(flags.cron !== undefined ? { cron: flags.cron } : {}),
        ...(flags.every !== undefined ? { every: flags.every } : {}),
        ...(overlap ? { overlap } : {}),
        ...(flags.paused ? { paused: true } : {}),
        ...(flags.note !== undefined ? { note: flags.note } : {}),
      },
      ctx.taskQueue ? { taskQueue: ctx.taskQueue } : {},
    );
    return show(ctx, view, 'created');
  });
}

export async function scheduleList(ctx: CliContext): Promise<number> {
  return ctx.withClient(async (client) => {
    const rows = await listSchedules(client);
    if (ctx.output === 'json') printJson(rows);
    else if (rows.length === 0) process.stdout.write('no migration schedules\n');
    else process.stdout.write(`${renderTable(['SCHEDULE', 'PAUSED', 'NEXT RUN', 'RECENT MIGRATIONS', 'NOTE'], rows.map((r) => [r.scheduleId, r.paused ? 'yes' : 'no', r.nextRunTimes[0], r.recentMigrationIds.slice(-3).join(','), r.note]))}\n`);
    return EXIT.ok;
  });
}

export async function scheduleDescribe(id: string, ctx: CliContext): Promise<number> {
  return ctx.withClient(async (client) => show(ctx, await describeSchedule(client, id)));
}

export async function schedulePause(id: string, flags: { note?: string }, ctx: CliContext): Promise<number> {
  return ctx.withClient(async (client) => show(ctx, await pauseSchedule(client, id, flags.note), 'paused'));
}

export async function scheduleUnpause(id: string, flags: { note?: string }, ctx: CliContext): Promise<number> {
  return ctx.withClient(async (client) => show(ctx, await unpauseSchedule(client, id, flags.note), 'unpaused'));
}

export async function scheduleTrigger(id: string, flags: { overlap?: string }, ctx: CliContext): Promise<number> {
  const overlap = overlapFlag(flags.overlap);
  return ctx.withClient(async (client) => {
    const res = await triggerSchedule(client, id, overlap);
    if (ctx.output === 'json') printJson(res);
    else process.stdout.write(`triggered: ${res.scheduleId} (see cpr schedule describe ${res.scheduleId})\n`);
    return EXIT.ok;
  });
}

export async function scheduleBackfill(id: string, flags: { start: string; end: string; overlap?: string }, ctx: CliContext): Promise<number> {
  const overlap = overlapFlag(flags.overlap);
  return ctx.withClient(async (client) => {
    const res = await backfillSchedule(client, id, { start: flags.start, end: flags.end, ...(overlap ? { overlap } : {}) });
    if (ctx.output === 'json') printJson(res);
    else process.stdout.write(`backfilled ${res.scheduleId}: ${res.backfilled.start} → ${res.backfilled.end}\n`);
    return EXIT.ok;
  });
}

export async function scheduleDelete(id: string, ctx: CliContext): Promise<number> {
  return ctx.withClient(async (client) => {
    const res = await deleteSchedule(client, id);
    if (ctx.output === 'json') printJson(res);
    else process.stdout.write(`deleted: ${res.scheduleId} (migrations it started keep running)\n`);
    return EXIT.ok;
  });
}
