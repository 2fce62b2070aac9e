// Recurring bulk migrations as Temporal Schedules: each firing starts a bulkMigration with the plan
// validated here, once, at creation. Plain functions over a Temporal Client (CLI and HTTP API).
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  isGrpcServiceError,
  type Client,
  type ScheduleDescription,
  type ScheduleHandle,
  type ScheduleOverlapPolicy,
} from '@temporalio/client';
import { msToNumber } from '@temporalio/common/lib/time';
import { z } from 'zod';
import { BULK_MIGRATION_WORKFLOW, TASK_QUEUE } from '../../workflows/types';
import { describeIssues, type InputIssue } from '../../workflows/input';
import { parseMigrationPlan } from '../../workflows/plan';
import { freezeMigrationPlan } from '../../workflows/freeze';
import { ConflictError, InvalidInputError, NotFoundError, parseInput } from './errors';
import { scheduleNoteSchema } from './control';
import { migrationStartExtras } from './migrations';

export const OVERLAP_POLICIES = ['SKIP', 'BUFFER_ONE', 'BUFFER_ALL', 'CANCEL_OTHER', 'TERMINATE_OTHER', 'ALLOW_ALL'] as const satisfies readonly ScheduleOverlapPolicy[];
/** ScheduleOverlapPolicy without its `undefined` (unspecified), which the server treats as SKIP. */
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];
/** Firings closer than this would start a migration before the previous one could reasonably finish. */
export const MIN_INTERVAL_MS = 60_000;
const MEMO_CRON = 'cprCron';
const MEMO_EVERY = 'cprEvery';

// Schedule IDs become the base of every run's workflow ID (`<scheduleId>-<RFC3339 time>`), so the alphabet is conservative.
export const scheduleIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/, 'must be 1-200 letters, digits and . _ - starting with a letter or digit');
// Five to seven cron fields (or an @-shortcut); the server checks the rest and its refusal is reported on `cron` too.
const cronSchema = z
  .string()
  .max(200)
  .regex(/^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|([0-9A-Za-z*?,/#LW-]+\s+){4,6}[0-9A-Za-z*?,/#LW-]+)$/, 'must be a cron expression like "0 3 * * *" or @daily');
const everySchema = z.string().max(50).superRefine((value, ctx) => {
  let ms: number;
  try {
    ms = msToNumber(value as Parameters<typeof msToNumber>[0]);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a duration like "6h", "1 day" or "30 minutes"' });
    return;
  }
  if (!(ms >= MIN_INTERVAL_MS)) ctx.addIssue({ code: 'custom', message: `must be at least ${MIN_INTERVAL_MS / 60_000} minute` });
});

export const createScheduleSchema = z
  .strictObject({
    scheduleId: scheduleIdSchema,
    plan: z.unknown(),
    cron: cronSchema.optional(),
    every: everySchema.optional(),
    overlap: z.enum(OVERLAP_POLICIES, `must be one of ${OVERLAP_POLICIES.join(', ')}`).default('SKIP'),
    paused: z.boolean().default(false),
    note: z.string().max(500, 'must be at most 500 characters').optional(),
  })
  .superRefine((v, ctx) => {
    if ((v.cron === undefined) === (v.every === undefined)) ctx.addIssue({ code: 'custom', path: ['cron'], message: 'give exactly one of cron and every' });
  });

export type CreateScheduleRequest = z.input<typeof createScheduleSchema>;

export interface ScheduleView {
  scheduleId: string;
  paused: boolean;
  note?: string;
  cron?: string;
  every?: string;
  overlap: OverlapPolicy;
  taskQueue: string;
  /** Targets each firing migrates. */
  targets?: number;
  nextRunTimes: string[];
  recentRuns: { scheduledAt: string; startedAt: string; migrationId: string }[];
  runningMigrationIds: string[];
  runsStarted: number;
  runsSkippedOverlap: number;
  createdAt: string;
}

export interface ScheduleListEntry {
  scheduleId: string;
  paused: boolean;
  note?: string;
  nextRunTimes: string[];
  recentMigrationIds: string[];
}

/** Validates everything (plan included) before creating; a schedule that exists already is a ConflictError. */
export async function createMigrationSchedule(client: Client, request: unknown, options: { taskQueue?: string } = {}): Promise<ScheduleView> {
  const parsed = createScheduleSchema.safeParse(request);
  const issues: InputIssue[] = parsed.success ? [] : describeIssues(parsed.error);
  const planResult = parseMigrationPlan(request && typeof request === 'object' ? (request as { plan?: unknown }).plan : undefined);
  if (!planResult.ok) issues.push(...planResult.issues.map((i) => ({ field: i.field === '(root)' ? 'plan' : `plan.${i.field}`, rule: i.rule })));
  if (!parsed.success || !planResult.ok) throw new InvalidInputError(issues);
  const { scheduleId, cron, every, overlap, paused, note } = parsed.data;
  const plan = planResult.plan;
  try {
    await client.schedule.create({
      scheduleId,
      spec: cron !== undefined ? { cronExpressions: [cron] } : { intervals: [{ every: msToNumber(every as Parameters<typeof msToNumber>[0]) }] },
      action: {
        type: 'startWorkflow',
        workflowType: BULK_MIGRATION_WORKFLOW,
        // Each firing's migration ID: `<scheduleId>-<nominal time>`; its children `<that>/<chunk>`.
        workflowId: scheduleId,
        taskQueue: options.taskQueue ?? TASK_QUEUE,
        // Run settings recorded once, at creation: every firing's children run the same way.
        args: [freezeMigrationPlan(plan)],
        ...migrationStartExtras(plan),
      },
      policies: { overlap },
      state: { paused, ...(note !== undefined ? { note } : {}) },
      memo: { ...(cron !== undefined ? { [MEMO_CRON]: cron } : {}), ...(every !== undefined ? { [MEMO_EVERY]: every } : {}) },
    });
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) throw new ConflictError(`schedule ${scheduleId} already exists`);
    // The server's own checks of the spec (e.g. a cron field out of range).
    if (isGrpcServiceError(err) && err.code === 3) throw new InvalidInputError([{ field: cron !== undefined ? 'cron' : 'every', rule: err.details || err.message }]);
    throw err;
  }
  return describeSchedule(client, scheduleId);
}

/** Schedules whose action is a bulk migration (visibility: a schedule created a moment ago may be missing). */
export async function listSchedules(client: Client, options: { limit?: number } = {}): Promise<ScheduleListEntry[]> {
  const limit = options.limit ?? 100;
  const out: ScheduleListEntry[] = [];
  for await (const s of client.schedule.list()) {
    if (s.action?.workflowType !== BULK_MIGRATION_WORKFLOW) continue;
    out.push({
      scheduleId: s.scheduleId,
      paused: s.state.paused,
      ...(s.state.note ? { note: s.state.note } : {}),
      nextRunTimes: s.info.nextActionTimes.map((d) => d.toISOString()),
      recentMigrationIds: s.info.recentActions.map((a) => a.action.workflow.workflowId),
    });
    if (out.length >= limit) break;
  }
  return out;
}

export async function describeSchedule(client: Client, id: string): Promise<ScheduleView> {
  const { description } = await scheduleHandle(client, id);
  return toView(description);
}

/** Pauses the schedule. The operator's note replaces the schedule's note only when one is given. */
export function pauseSchedule(client: Client, id: string, note?: string): Promise<ScheduleView> {
  return setPaused(client, id, true, note);
}

/** Unpauses the schedule. The operator's note replaces the schedule's note only when one is given. */
export function unpauseSchedule(client: Client, id: string, note?: string): Promise<ScheduleView> {
  return setPaused(client, id, false, note);
}

async function setPaused(client: Client, id: string, paused: boolean, note: string | undefined): Promise<ScheduleView> {
  const given = parseInput(scheduleNoteSchema, { note }).note;
  const { handle } = await scheduleHandle(client, id);
  if (given !== undefined && given !== '') await (paused ? handle.pause(given) : handle.unpause(given));
  // The pause/unpause RPC always writes a note; an update of the state alone leaves the schedule's note as it is.
  else await handle.update((previous) => ({ ...previous, state: { ...previous.state, paused } }));
  return toView(await handle.describe());
}

/** Starts a migration now (subject to the overlap policy, default the schedule's own). */
export async function triggerSchedule(client: Client, id: string, overlap?: ScheduleOverlapPolicy): Promise<{ scheduleId: string; triggered: true }> {
  if (overlap !== undefined && !OVERLAP_POLICIES.includes(overlap)) throw new InvalidInputError([{ field: 'overlap', rule: `must be one of ${OVERLAP_POLICIES.join(', ')}` }]);
  const { handle, description } = await scheduleHandle(client, id);
  await handle.trigger(overlap);
  return { scheduleId: description.scheduleId, triggered: true };
}

/** Runs the firings the schedule would have had between start and end (e.g. after an outage). */
export async function backfillSchedule(client: Client, id: string, range: { start: unknown; end: unknown; overlap?: ScheduleOverlapPolicy }): Promise<{ scheduleId: string; backfilled: { start: string; end: string } }> {
  const issues: InputIssue[] = [];
  const start = toDate(range.start, 'start', issues);
  const end = toDate(range.end, 'end', issues);
  if (start && end && end.getTime() <= start.getTime()) issues.push({ field: 'end', rule: 'must be after start' });
  if (range.overlap !== undefined && !OVERLAP_POLICIES.includes(range.overlap)) issues.push({ field: 'overlap', rule: `must be one of ${OVERLAP_POLICIES.join(', ')}` });
  if (issues.length || !start || !end) throw new InvalidInputError(issues);
  const { handle, description } = await scheduleHandle(client, id);
  await handle.backfill({ start, end, overlap: range.overlap ?? description.policies.overlap });
  return { scheduleId: description.scheduleId, backfilled: { start: start.toISOString(), end: end.toISOString() } };
}

/** Deletes the schedule; migrations it already started keep running. */
export async function deleteSchedule(client: Client, id: string): Promise<{ scheduleId: string; deleted: true }> {
  const { handle, description } = await scheduleHandle(client, id);
  await handle.delete();
  return { scheduleId: description.scheduleId, deleted: true };
}

// ---- helpers --------------------------------------------------------------------------------------

async function scheduleHandle(client: Client, id: string): Promise<{ handle: ScheduleHandle; description: ScheduleDescription }> {
  const parsed = scheduleIdSchema.safeParse(id);
  if (!parsed.success) throw new InvalidInputError([{ field: 'id', rule: parsed.error.issues[0]?.message ?? 'invalid' }]);
  const handle = client.schedule.getHandle(parsed.data);
  try {
    const description = await handle.describe();
    // Schedules of other workflows are not ours to show or change.
    if (description.action.workflowType !== BULK_MIGRATION_WORKFLOW) throw new NotFoundError('schedule', parsed.data);
    return { handle, description };
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new NotFoundError('schedule', parsed.data);
    throw err;
  }
}

function toView(d: ScheduleDescription): ScheduleView {
  const memo = d.memo ?? {};
  const cron = typeof memo[MEMO_CRON] === 'string' ? memo[MEMO_CRON] : undefined;
  const every = typeof memo[MEMO_EVERY] === 'string' ? memo[MEMO_EVERY] : undefined;
  const plan = d.action.args?.[0] as { items?: { instanceIds?: unknown[] }[] } | undefined;
  const targets = plan?.items?.reduce((n, item) => n + (item.instanceIds?.length ?? 0), 0);
  return {
    scheduleId: d.scheduleId,
    paused: d.state.paused,
    ...(d.state.note ? { note: d.state.note } : {}),
    ...(cron !== undefined ? { cron } : {}),
    ...(every !== undefined ? { every } : {}),
    overlap: d.policies.overlap ?? 'SKIP',
    taskQueue: d.action.taskQueue,
    ...(targets !== undefined ? { targets } : {}),
    nextRunTimes: d.info.nextActionTimes.map((t) => t.toISOString()),
    recentRuns: d.info.recentActions.map((a) => ({ scheduledAt: a.scheduledAt.toISOString(), startedAt: a.takenAt.toISOString(), migrationId: a.action.workflow.workflowId })),
    runningMigrationIds: d.info.runningActions.map((a) => a.workflow.workflowId),
    runsStarted: d.info.numActionsTaken,
    runsSkippedOverlap: d.info.numActionsSkippedOverlap,
    createdAt: d.info.createdAt.toISOString(),
  };
}

function toDate(value: unknown, field: string, issues: InputIssue[]): Date | undefined {
  const date = value instanceof Date ? value : typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    issues.push({ field, rule: 'must be an ISO 8601 date-time like 2024-05-01T00:00:00Z' });
    return undefined;
  }
  return date;
}
