// /v1/schedules: thin HTTP adapters over client/service/schedules (bulk migrations on Temporal Schedules).
// Routes go through deps.routes like the others: validated requests, documented in /openapi.json.
import {
  backfillSchedule,
  createMigrationSchedule,
  createScheduleSchema,
  deleteSchedule,
  describeSchedule,
  listSchedules,
  pauseSchedule,
  triggerSchedule,
  unpauseSchedule,
} from '../service/schedules';
import { scheduleNoteSchema } from '../service/control';
import type { ApiDeps } from './deps';
import {
  backfillBody,
  errorResponses,
  scheduleBackfilledBody,
  scheduleBody,
  scheduleDeletedBody,
  scheduleListBody,
  scheduleListQuery,
  scheduleParams,
  scheduleTriggeredBody,
  triggerBody,
} from './schemas';

const SCHEDULES = ['schedules'];

export function registerScheduleRoutes({ routes, client, taskQueue }: ApiDeps): void {
  routes.add({
    method: 'POST',
    url: '/v1/schedules',
    operationId: 'createMigrationSchedule',
    summary: 'Create a schedule that starts a migration on a cron or interval spec',
    description: 'Body: `{ scheduleId, plan, cron | every, overlap?, paused?, note? }`. The plan is validated now; each firing starts `bulkMigration` with it (migration ID `<scheduleId>-<time>`).',
    tags: SCHEDULES,
    bodyDoc: createScheduleSchema,
    responses: { 201: { description: 'Created', schema: scheduleBody }, ...errorResponses(400, 401, 409, 413, 415, 503) },
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
    query: scheduleListQuery,
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
    responses: { 200: { description: 'Deleted', schema: scheduleDeletedBody }, ...errorResponses(400, 401, 404, 503) },
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
      body: scheduleNoteSchema,
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
    responses: { 202: { description: 'Triggered', schema: scheduleTriggeredBody }, ...errorResponses(400, 401, 404, 503) },
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
    responses: { 202: { description: 'Backfill requested', schema: scheduleBackfilledBody }, ...errorResponses(400, 401, 404, 503) },
    handler: async ({ params, body, request, reply }) => {
      const out = await backfillSchedule(client, params.id, { start: body.start, end: body.end, ...(body.overlap ? { overlap: body.overlap } : {}) });
      request.log.info({ scheduleId: params.id, ...out.backfilled }, 'schedule backfill requested');
      reply.code(202);
      return out;
    },
  });
}
