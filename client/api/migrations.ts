// /v1/migrations: thin HTTP adapters over client/service/migrations. Routes go through deps.routes, so
// requests are validated (400 naming field and rule) and documented in /openapi.json like the recovery
// routes; domain errors map to 404/409/503 in server.ts.
import type { z } from 'zod';
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
import { reasonRequestSchema } from '../service/control';
import { buildListQuery, listRuns } from '../service/list';
import { MIGRATION_KIND } from '../../workflows/types';
import { InvalidInputError } from '../service/errors';
import { workflowIdSchema } from '../service/ids';
import { reportContentType } from '../service/report';
import type { ApiDeps } from './deps';
import {
  cancellingBody,
  emptyBody,
  errorResponses,
  idParams,
  listQuery,
  migrationBody,
  migrationListBody,
  migrationLinksBody,
  pausedBody,
  reportQuery,
  startedMigrationBody,
  startMigrationBodyDoc,
  windowBody,
  windowSetBody,
} from './schemas';

const MIGRATIONS = ['migrations'];

export function migrationLinks(migrationId: string): z.output<typeof migrationLinksBody> {
  const self = `/v1/migrations/${encodeURIComponent(migrationId)}`;
  return { self, report: `${self}/report`, pause: `${self}/pause`, resume: `${self}/resume`, cancel: `${self}/cancel`, window: `${self}/window` };
}

export function registerMigrationRoutes({ routes, client, taskQueue }: ApiDeps): void {
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
    responses: { 202: { description: 'Started', schema: startedMigrationBody }, ...errorResponses(400, 401, 409, 413, 415, 503) },
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
    url: '/v1/migrations',
    operationId: 'listMigrations',
    summary: 'List migrations',
    description:
      'The same filters and limit as GET /v1/recoveries (phase matches recoveries only), run as a Temporal visibility query over CprKind, CprBackupFileIds, ' +
      'CprOutcome, TemporalScheduledById and ExecutionStatus. `scheduledBy` names the schedule that started a migration.',
    tags: MIGRATIONS,
    query: listQuery,
    responses: { 200: { description: 'Migrations, most recent first', schema: migrationListBody }, ...errorResponses(400, 401, 503) },
    handler: async ({ query }) => ({ migrations: await listRuns(client, query, [MIGRATION_KIND]), query: buildListQuery(query, [MIGRATION_KIND]) }),
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
    body: reasonRequestSchema,
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
    body: reasonRequestSchema,
    responses: { 202: { description: 'Cancelling', schema: cancellingBody }, ...errorResponses(400, 401, 404, 409, 503) },
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
    responses: { 200: { description: 'The new window', schema: windowSetBody }, ...errorResponses(400, 401, 404, 409, 503) },
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
}

/** `migrationId` may ride along in the body next to the plan. */
function splitMigrationId(body: unknown): { migrationId?: string; plan: unknown } {
  if (!body || typeof body !== 'object' || Array.isArray(body) || !('migrationId' in body)) return { plan: body };
  const { migrationId, ...plan } = body as Record<string, unknown>;
  const parsed = workflowIdSchema.safeParse(migrationId);
  if (!parsed.success) throw new InvalidInputError([{ field: 'migrationId', rule: parsed.error.issues[0]?.message ?? 'invalid' }]);
  return { migrationId: parsed.data, plan };
}
