// /v1/migrations and /v1/schedules: thin HTTP adapters over client/service/migrations and schedules.
// Routes go through deps.routes, so requests are validated (400 naming field and rule) and documented
// in /openapi.json like the recovery routes; domain errors map to 404/409/503 in server.ts.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { MAX_WINDOW, migrationPlanSchema } from '../../workflows/plan';
import {
  cancelMigration,
  getMigration,
  getMigrationResult,
  migrationReport,
  pauseMigration,
  resumeMigration,
  setMigrationWindow,
  startMigration,
} from '../service/migrations';
import {
  OVERLAP_POLICIES,
  backfillSchedule,
  createMigrationSchedule,
  createScheduleSchema,
  deleteSchedule,
  describeSchedule,
  listSchedules,
  pauseSchedule,
  scheduleIdSchema,
  triggerSchedule,
  unpauseSchedule,
} from '../service/schedules';
import { InvalidInputError } from '../service/errors';
import { workflowIdSchema } from '../service/ids';
import { reportContentType } from '../service/report';
import type { ApiDeps } from './deps';
import { emptyBody, errorResponses, idParams, pauseBody, pausedBody, reportQuery } from './schemas';

const MIGRATIONS = ['migrations'];
const SCHEDULES = ['schedules'];

// ---- request and response shapes ----------------------------------------------------------------

const startMigrationBodyDoc = z.intersection(migrationPlanSchema, z.object({ migrationId: workflowIdSchema.optional() }));
const windowBody = z.strictObject({ window: z.number('must be a number').int('must be a whole number').min(1, 'must be at least 1').max(MAX_WINDOW, `must be at most ${MAX_WINDOW}`) });
const scheduleParams = z.strictObject({ id: scheduleIdSchema });
const noteBody = z.strictObject({ note: z.string().max(500, 'must be at most 500 characters').optional() });
const overlap = z.enum(OVERLAP_POLICIES, `must be one of ${OVERLAP_POLICIES.join(', ')}`);
const triggerBody = z.strictObject({ overlap: overlap.optional() });
const backfillBody = z.strictObject({ start: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time like 2024-05-01T00:00:00Z' }), end: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time like 2024-05-01T00:00:00Z' }), overlap: overlap.optional() });

const counts = z.object({ total: z.number(), pending: z.number(), verified: z.number(), failed: z.number(), skipped: z.number(), cancelled: z.number() });
const wave = z.object({ index: z.number(), kind: z.enum(['canary', 'wave']), targets: z.number(), chunks: z.number(), state: z.enum(['pending', 'running', 'done']), verified: z.number(), failed: z.number(), skipped: z.number(), cancelled: z.number(), failureRate: z.number().optional(), pausedMigration: z.boolean().optional() });
const children = z.object({ total: z.number(), running: z.number(), done: z.number(), failed: z.number(), cancelled: z.number() });
const progressBody = z.object({
  migrationId: z.string(),
  state: z.enum(['running', 'paused', 'cancelling', 'completed', 'cancelled']),
  paused: z.boolean(),
  pausedBy: z.enum(['operator', 'failure-rate']).optional(),
  pausedReason: z.string().optional(),
  cancelRequested: z.boolean(),
  window: z.number(),
  counts,
  reasons: z.record(z.string(), z.number()),
  waves: z.array(wave),
  children,
  runs: z.number(),
  startedAt: z.string(),
  updatedAt: z.string(),
});
const linksBody = z.object({ self: z.string(), report: z.string(), pause: z.string(), resume: z.string(), cancel: z.string(), window: z.string() });
const startedMigrationBody = z.object({ migrationId: z.string(), runId: z.string(), targets: z.number(), links: linksBody });
const migrationBody = z.object({
  migrationId: z.string(),
  runId: z.string(),
  status: z.string(),
  startedAt: z.string(),
  closedAt: z.string().optional(),
  taskQueue: z.string(),
  progress: progressBody.optional(),
  result: z.object({ outcome: z.enum(['succeeded', 'partial', 'failed', 'cancelled']), counts, reasons: z.record(z.string(), z.number()), waves: z.array(wave), children, runs: z.number(), verifiedRowsOmitted: z.number(), startedAt: z.string(), finishedAt: z.string() }).optional(),
  failure: z.object({ message: z.string(), type: z.string().optional() }).optional(),
  progressUnavailable: z.string().optional(),
});
const scheduleBody = z.object({
  scheduleId: z.string(),
  paused: z.boolean(),
  note: z.string().optional(),
  cron: z.string().optional(),
  every: z.string().optional(),
  overlap: z.string(),
  taskQueue: z.string(),
  targets: z.number().optional(),
  nextRunTimes: z.array(z.string()),
  recentRuns: z.array(z.object({ scheduledAt: z.string(), startedAt: z.string(), migrationId: z.string() })),
  runningMigrationIds: z.array(z.string()),
  runsStarted: z.number(),
  runsSkippedOverlap: z.number(),
  createdAt: z.string(),
});
const scheduleListBody = z.object({ schedules: z.array(z.object({ scheduleId: z.string(), paused: z.boolean(), note: z.string().optional(), nextRunTimes: z.array(z.string()), recentMigrationIds: z.array(z.string()) })) });

export function migrationLinks(migrationId: string): z.infer<typeof linksBody> {
  const self = `/v1/migrations/${encodeURIComponent(migrationId)}`;
  return { self, report: `${self}/report`, pause: `${self}/pause`, resume: `${self}/resume`, cancel: `${self}/cancel`, window: `${self}/window` };
}

export function registerMigrationRoutes(_app: FastifyInstance, { routes, client, taskQueue }: ApiDeps): void {
  // ---- migrations ---------------------------------------------------------------------------------
  routes.add({
    method: 'POST',
    url: '/v1/migrations',
    operationId: 'startMigration',
    summary: 'Start a bulk migration',
    description:
      'Body: a migration plan `{ items, options }` (optionally `migrationId`). The plan is validated whole (every bad field is named) before anything starts. ' +
      'Targets run in recoverApp children of `options.itemsPerChild` targets, `options.maxConcurrentChildren` at a time, in waves that pause when a wave fails more than `options.waves.pauseOnFailureRate`.',
    tags: MIGRATIONS,
    bodyDoc: startMigrationBodyDoc,
    responses: { 202: { description: 'Started', schema: startedMigrationBody }, ...errorResponses(400, 401, 409, 413, 503) },
    handler: async ({ request, reply }) => {
      const { migrationId, plan } = splitMigrationId(request.body);
      const started = await startMigration(client, plan, { taskQueue, ...(migrationId !== undefined ? { migrationId } : {}) });
      request.log.info({ migrationId: started.migrationId, targets: started.targets }, 'migration started');
      const links = migrationLinks(started.migrationId);
      reply.code(202).header('location', links.self);
      return { ...started, links };
    },
  });

  routes.add({
    method: 'GET',
    url: '/v1/migrations/:id',
    operationId: 'getMigration',
    summary: 'Describe a migration',
    description: 'Progress (counts per status and reason, waves, children, paused reason) while running; the result without per-target rows once completed (rows: /report).',
    tags: MIGRATIONS,
    params: idParams,
    responses: { 200: { description: 'The migration', schema: migrationBody }, ...errorResponses(400, 401, 404, 503) },
    handler: async ({ params }) => getMigration(client, params.id),
  });

  routes.add({
    method: 'POST',
    url: '/v1/migrations/:id/pause',
    operationId: 'pauseMigration',
    summary: 'Pause a migration',
    description: 'No new child starts until resumed; children already running finish.',
    tags: MIGRATIONS,
    params: idParams,
    body: pauseBody,
    responses: { 200: { description: 'Paused', schema: pausedBody }, ...errorResponses(400, 401, 404, 409, 503) },
    handler: async ({ params, body, request }) => {
      const out = await pauseMigration(client, params.id, body);
      request.log.info({ migrationId: params.id }, 'migration paused');
      return out;
    },
  });

  routes.add({
    method: 'POST',
    url: '/v1/migrations/:id/resume',
    operationId: 'resumeMigration',
    summary: 'Resume a migration (after an operator pause or a failure-rate pause)',
    tags: MIGRATIONS,
    params: idParams,
    body: emptyBody,
    responses: { 200: { description: 'Resumed', schema: pausedBody }, ...errorResponses(400, 401, 404, 409, 503) },
    handler: async ({ params, request }) => {
      const out = await resumeMigration(client, params.id);
      request.log.info({ migrationId: params.id }, 'migration resumed');
      return out;
    },
  });

  routes.add({
    method: 'POST',
    url: '/v1/migrations/:id/cancel',
    operationId: 'cancelMigration',
    summary: 'Cancel a migration',
    description: 'Nothing new starts; running children are cancelled and clean up (leases released, backups kept); the migration completes with outcome `cancelled` and a full report.',
    tags: MIGRATIONS,
    params: idParams,
    body: pauseBody,
    responses: { 202: { description: 'Cancelling', schema: z.object({ cancelling: z.literal(true), running: z.number() }) }, ...errorResponses(400, 401, 404, 409, 503) },
    handler: async ({ params, body, request, reply }) => {
      const out = await cancelMigration(client, params.id, body);
      request.log.info({ migrationId: params.id, running: out.running }, 'migration cancel requested');
      reply.code(202);
      return out;
    },
  });

  routes.add({
    method: 'POST',
    url: '/v1/migrations/:id/window',
    operationId: 'setMigrationWindow',
    summary: 'Change how many children run at once',
    tags: MIGRATIONS,
    params: idParams,
    body: windowBody,
    responses: { 200: { description: 'The new window', schema: z.object({ window: z.number() }) }, ...errorResponses(400, 401, 404, 409, 503) },
    handler: async ({ params, body, request }) => {
      const out = await setMigrationWindow(client, params.id, body.window);
      request.log.info({ migrationId: params.id, window: out.window }, 'migration window changed');
      return out;
    },
  });

  routes.add({
    method: 'GET',
    url: '/v1/migrations/:id/report',
    operationId: 'getMigrationReport',
    summary: 'Per-target report of a finished migration (JSON or CSV)',
    description: 'CSV columns: instanceId, backupFileId, status, reason. 409 while the migration runs.',
    tags: MIGRATIONS,
    params: idParams,
    query: reportQuery,
    responses: { 200: { description: 'The report (application/json or text/csv)', contentType: 'application/json, text/csv' }, ...errorResponses(400, 401, 404, 409, 503) },
    handler: async ({ params, query, reply }) => {
      const result = await getMigrationResult(client, params.id);
      const filename = `${result.migrationId.replace(/[^A-Za-z0-9._-]/g, '_')}-report.${query.format}`;
      return reply
        .header('content-type', reportContentType(query.format))
        .header('content-disposition', `attachment; filename="${filename}"`)
        .send(migrationReport(result, query.format));
    },
  });

  // ---- schedules ----------------------------------------------------------------------------------
  routes.add({
    method: 'POST',
    url: '/v1/schedules',
    operationId: 'createMigrationSchedule',
    summary: 'Create a schedule that starts a migration on a cron or interval spec',
    description: 'Body: `{ scheduleId, plan, cron | every, overlap?, paused?, note? }`. The plan is validated now; each firing starts `bulkMigration` with it (migration ID `<scheduleId>-<time>`).',
    tags: SCHEDULES,
    bodyDoc: createScheduleSchema,
    responses: { 201: { description: 'Created', schema: scheduleBody }, ...errorResponses(400, 401, 409, 413, 503) },
    handler: async ({ request, reply }) => {
      const view = await createMigrationSchedule(client, request.body, { taskQueue });
      request.log.info({ scheduleId: view.scheduleId }, 'schedule created');
      reply.code(201).header('location', `/v1/schedules/${encodeURIComponent(view.scheduleId)}`);
      return view;
    },
  });

  routes.add({
    method: 'GET',
    url: '/v1/schedules',
    operationId: 'listMigrationSchedules',
    summary: 'List migration schedules',
    description: 'From visibility: a schedule created a moment ago may take a second to appear.',
    tags: SCHEDULES,
    query: z.strictObject({ limit: z.coerce.number('must be a number').int('must be a whole number').min(1).max(1000).default(100) }),
    responses: { 200: { description: 'Schedules', schema: scheduleListBody }, ...errorResponses(400, 401, 503) },
    handler: async ({ query }) => ({ schedules: await listSchedules(client, { limit: query.limit }) }),
  });

  routes.add({
    method: 'GET',
    url: '/v1/schedules/:id',
    operationId: 'getMigrationSchedule',
    summary: 'Describe a schedule (spec, state, next and recent runs)',
    tags: SCHEDULES,
    params: scheduleParams,
    responses: { 200: { description: 'The schedule', schema: scheduleBody }, ...errorResponses(400, 401, 404, 503) },
    handler: async ({ params }) => describeSchedule(client, params.id),
  });

  routes.add({
    method: 'DELETE',
    url: '/v1/schedules/:id',
    operationId: 'deleteMigrationSchedule',
    summary: 'Delete a schedule (migrations it started keep running)',
    tags: SCHEDULES,
    params: scheduleParams,
    responses: { 200: { description: 'Deleted', schema: z.object({ scheduleId: z.string(), deleted: z.literal(true) }) }, ...errorResponses(400, 401, 404, 503) },
    handler: async ({ params, request }) => {
      const out = await deleteSchedule(client, params.id);
      request.log.info({ scheduleId: params.id }, 'schedule deleted');
      return out;
    },
  });

  for (const [action, summary] of [
    ['pause', 'Pause a schedule (no firings until unpaused)'],
    ['unpause', 'Unpause a schedule'],
  ] as const) {
    routes.add({
      method: 'POST',
      url: `/v1/schedules/:id/${action}`,
      operationId: `${action}MigrationSchedule`,
      summary,
      tags: SCHEDULES,
      params: scheduleParams,
      body: noteBody,
      responses: { 200: { description: 'The schedule', schema: scheduleBody }, ...errorResponses(400, 401, 404, 503) },
      handler: async ({ params, body, request }) => {
        const out = await (action === 'pause' ? pauseSchedule : unpauseSchedule)(client, params.id, body.note);
        request.log.info({ scheduleId: params.id }, `schedule ${action}d`);
        return out;
      },
    });
  }

  routes.add({
    method: 'POST',
    url: '/v1/schedules/:id/trigger',
    operationId: 'triggerMigrationSchedule',
    summary: 'Start a migration from the schedule now',
    description: 'Subject to the overlap policy (default: the schedule’s own).',
    tags: SCHEDULES,
    params: scheduleParams,
    body: triggerBody,
    responses: { 202: { description: 'Triggered', schema: z.object({ scheduleId: z.string(), triggered: z.literal(true) }) }, ...errorResponses(400, 401, 404, 503) },
    handler: async ({ params, body, request, reply }) => {
      const out = await triggerSchedule(client, params.id, body.overlap);
      request.log.info({ scheduleId: params.id }, 'schedule triggered');
      reply.code(202);
      return out;
    },
  });

  routes.add({
    method: 'POST',
    url: '/v1/schedules/:id/backfill',
    operationId: 'backfillMigrationSchedule',
    summary: 'Run the firings the schedule would have had between start and end',
    tags: SCHEDULES,
    params: scheduleParams,
    body: backfillBody,
    responses: { 202: { description: 'Backfill requested', schema: z.object({ scheduleId: z.string(), backfilled: z.object({ start: z.string(), end: z.string() }) }) }, ...errorResponses(400, 401, 404, 503) },
    handler: async ({ params, body, request, reply }) => {
      const out = await backfillSchedule(client, params.id, { start: body.start, end: body.end, ...(body.overlap ? { overlap: body.overlap } : {}) });
      request.log.info({ scheduleId: params.id, ...out.backfilled }, 'schedule backfill requested');
      reply.code(202);
      return out;
    },
  });
}

/** `migrationId` may ride along in the body next to the plan. */
function splitMigrationId(body: unknown): { migrationId?: string; plan: unknown } {
  if (!body || typeof body !== 'object' || Array.isArray(body) || !('migrationId' in body)) return { plan: body };
  const { migrationId, ...plan } = body as Record<string, unknown>;
  const parsed = workflowIdSchema.safeParse(migrationId);
  if (!parsed.success) throw new InvalidInputError([{ field: 'migrationId', rule: parsed.error.issues[0]?.message ?? 'invalid' }]);
  return { migrationId: parsed.data, plan };
}
