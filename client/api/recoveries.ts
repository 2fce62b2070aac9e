// /v1/recoveries: thin HTTP adapters over client/service. Each route validates its request, calls one
// service function and shapes the reply; the service owns Temporal and the domain errors.
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import {
  approveRelease,
  approveRequestSchema,
  buildListQuery,
  buildReport,
  cancelRecovery,
  describeRecovery,
  dryRun,
  getRecovery,
  InvalidInputError,
  listRecoveries,
  parseInput,
  pauseRecovery,
  reasonRequestSchema,
  reportContentType,
  resumeRecovery,
  startRecovery,
  ConflictError,
  watchProgress,
  checkRequestId,
} from '../service';
import type { ApiDeps } from './deps';
import {
  approvedBody,
  cancelBody,
  dryRunBody,
  emptyBody,
  errorResponses,
  eventsQuery,
  idempotencyHeaders,
  idParams,
  listBody,
  listQuery,
  pausedBody,
  recoveryBody,
  recoveryLinksBody,
  reportQuery,
  startBodyDoc,
  startedBody,
} from './schemas';
import { recoverAppInputSchema } from '../../workflows/input';

const TAGS = ['recoveries'];

export function recoveryLinks(workflowId: string): z.output<typeof recoveryLinksBody> {
  const self = `/v1/recoveries/${encodeURIComponent(workflowId)}`;
  return {
    self,
    events: `${self}/events`,
    report: `${self}/report`,
    cancel: `${self}/cancel`,
    approve: `${self}/approve`,
    pause: `${self}/pause`,
    resume: `${self}/resume`,
  };
}

export function registerRecoveryRoutes({ routes, client, taskQueue }: ApiDeps): void {
  routes.add({
    method: 'POST',
    url: '/v1/recoveries',
    operationId: 'startRecovery',
    summary: 'Start a recovery',
    description:
      'Validates the RecoverAppInput and starts the recovery workflow. With an `Idempotency-Key` header (or `requestId` in the body) ' +
      'a retried request returns the same run instead of starting another; the same key with a different body is a 409.',
    tags: TAGS,
    headers: idempotencyHeaders,
    bodyDoc: startBodyDoc,
    responses: { 202: { description: 'Started (or, for a reused request ID, the existing run)', schema: startedBody }, ...errorResponses(400, 401, 409, 413, 415, 503) },
    handler: async ({ request, reply, headers }) => {
      const { input, requestId } = splitRequestId(request.body, headers['idempotency-key']);
      const started = await startRecovery(client, parseInput(recoverAppInputSchema, input), { ...(requestId ? { requestId } : {}), taskQueue });
      request.log.info({ workflowId: started.workflowId, runId: started.runId, created: started.created }, started.created ? 'recovery started' : 'recovery request matched an existing run');
      const links = recoveryLinks(started.workflowId);
      reply.code(202).header('location', links.self);
      return { ...started, links };
    },
  });

  routes.add({
    method: 'GET',
    url: '/v1/recoveries',
    operationId: 'listRecoveries',
    summary: 'List recoveries',
    description: 'Filters are combined with AND and run as a Temporal visibility query over the CprKind, CprBackupFileIds, CprPhase, CprOutcome search attributes and ExecutionStatus.',
    tags: TAGS,
    query: listQuery,
    responses: { 200: { description: 'Recoveries, most recent first', schema: listBody }, ...errorResponses(400, 401, 503) },
    handler: async ({ query }) => ({ recoveries: await listRecoveries(client, query), query: buildListQuery(query) }),
  });

  routes.add({
    method: 'POST',
    url: '/v1/recoveries/dry-run',
    operationId: 'dryRunRecovery',
    summary: 'Check a recovery without running it',
    description: 'Runs only the read-only preflight (backups, instances, images, apps already present) and reports what a real run would do to each target.',
    tags: TAGS,
    bodyDoc: recoverAppInputSchema,
    responses: { 200: { description: 'Verdict per backup and target', schema: dryRunBody }, ...errorResponses(400, 401, 413, 415, 503) },
    handler: async ({ request }) => dryRun(client, parseInput(recoverAppInputSchema, request.body), { taskQueue }),
  });

  routes.add({
    method: 'GET',
    url: '/v1/recoveries/:id',
    operationId: 'getRecovery',
    summary: 'Describe a recovery',
    description: 'Live progress while running, the result once completed, the failure otherwise.',
    tags: TAGS,
    params: idParams,
    responses: { 200: { description: 'The recovery', schema: recoveryBody }, ...errorResponses(400, 401, 404, 503) },
    handler: async ({ params }) => getRecovery(client, params.id),
  });

  routes.add({
    method: 'GET',
    url: '/v1/recoveries/:id/events',
    operationId: 'streamRecoveryEvents',
    summary: 'Stream progress (server-sent events)',
    description:
      '`event: progress` with a RecoveryProgress each time it changes, then one `event: result` with the closed recovery (as GET /v1/recoveries/{id}) and the stream ends. ' +
      '`event: error` when the stream cannot continue.',
    tags: TAGS,
    params: idParams,
    query: eventsQuery,
    responses: { 200: { description: 'text/event-stream of progress, then result', contentType: 'text/event-stream' }, ...errorResponses(400, 401, 404, 503) },
    handler: async ({ params, query, request, reply }) => {
      await describeRecovery(client, params.id); // 404 as JSON before the stream starts
      streamEvents(reply, request.log, (signal) => watchProgress(client, params.id, { intervalMs: query.intervalMs, signal }));
      return reply;
    },
  });

  routes.add({
    method: 'POST',
    url: '/v1/recoveries/:id/cancel',
    operationId: 'cancelRecovery',
    summary: 'Cancel a recovery',
    description: 'Requests cancellation: nothing new starts, in-flight vendor tasks get a bounded look, leases are released and backups are kept.',
    tags: TAGS,
    params: idParams,
    body: emptyBody,
    responses: { 202: { description: 'Cancellation requested', schema: cancelBody }, ...errorResponses(400, 401, 404, 409, 503) },
    handler: async ({ params, request, reply }) => {
      const out = await cancelRecovery(client, params.id);
      request.log.info({ workflowId: out.workflowId }, 'recovery cancel requested');
      reply.code(202);
      return out;
    },
  });

  routes.add({
    method: 'POST',
    url: '/v1/recoveries/:id/approve',
    operationId: 'approveRelease',
    summary: 'Approve releasing the backups (releaseBackup: on-approval)',
    description: 'Refused (409, with the reason) before verification completes, when a target is not verified, or when the run was cancelled.',
    tags: TAGS,
    params: idParams,
    headers: idempotencyHeaders,
    body: approveRequestSchema,
    responses: { 200: { description: 'Approved', schema: approvedBody }, ...errorResponses(400, 401, 404, 409, 503) },
    handler: async ({ params, body, headers, request }) => {
      const key = headers['idempotency-key'];
      const out = await approveRelease(client, params.id, { ...body, ...(key ? { updateId: `approve-${key}` } : {}) });
      request.log.info({ workflowId: params.id, backups: out.backups }, 'backup release approved');
      return out;
    },
  });

  routes.add({
    method: 'POST',
    url: '/v1/recoveries/:id/pause',
    operationId: 'pauseRecovery',
    summary: 'Pause a recovery',
    description: 'No new chunks (submit, verify) start until resumed; vendor tasks already running continue.',
    tags: TAGS,
    params: idParams,
    body: reasonRequestSchema,
    responses: { 200: { description: 'Paused', schema: pausedBody }, ...errorResponses(400, 401, 404, 409, 503) },
    handler: async ({ params, body, request }) => {
      const out = await pauseRecovery(client, params.id, body);
      request.log.info({ workflowId: params.id }, 'recovery paused');
      return out;
    },
  });

  routes.add({
    method: 'POST',
    url: '/v1/recoveries/:id/resume',
    operationId: 'resumeRecovery',
    summary: 'Resume a paused recovery',
    tags: TAGS,
    params: idParams,
    body: emptyBody,
    responses: { 200: { description: 'Resumed', schema: pausedBody }, ...errorResponses(400, 401, 404, 409, 503) },
    handler: async ({ params, request }) => {
      const out = await resumeRecovery(client, params.id);
      request.log.info({ workflowId: params.id }, 'recovery resumed');
      return out;
    },
  });

  routes.add({
    method: 'GET',
    url: '/v1/recoveries/:id/report',
    operationId: 'getRecoveryReport',
    summary: 'Per-target report (JSON or CSV)',
    description: 'CSV columns: instanceId, backupFileId, status, phase, reason, attempts, taskIds (;-separated), snapshotBackupFileId, message. Running recoveries report their progress so far.',
    tags: TAGS,
    params: idParams,
    query: reportQuery,
    responses: {
      200: { description: 'The report (application/json or text/csv)', contentType: 'application/json, text/csv' },
      ...errorResponses(400, 401, 404, 409, 503),
    },
    handler: async ({ params, query, reply }) => {
      const view = await getRecovery(client, params.id);
      const source = view.result ?? view.progress;
      if (!source) throw new ConflictError(`no report for ${view.workflowId} yet: ${view.failure?.message ?? view.progressUnavailable ?? 'no progress available'}`);
      const filename = `${view.workflowId.replace(/[^A-Za-z0-9._-]/g, '_')}-report.${query.format}`;
      return reply
        .header('content-type', reportContentType(query.format))
        .header('content-disposition', `attachment; filename="${filename}"`)
        .send(buildReport(source, query.format));
    },
  });
}

/** The request ID may come as the Idempotency-Key header or as `requestId` in the body, not as two different values. */
function splitRequestId(body: unknown, header: string | undefined): { input: unknown; requestId?: string } {
  if (!body || typeof body !== 'object' || Array.isArray(body) || !('requestId' in body)) return { input: body, ...(header ? { requestId: header } : {}) };
  const { requestId, ...input } = body as Record<string, unknown>;
  const fromBody = checkRequestId(requestId, 'requestId');
  if (header && header !== fromBody) throw new InvalidInputError([{ field: 'requestId', rule: 'must equal the Idempotency-Key header when both are given' }]);
  return { input, requestId: fromBody };
}

type Log = { warn(obj: object, msg: string): void };

/** Writes a watch stream as server-sent events; stops watching when the client goes away. */
function streamEvents(reply: FastifyReply, log: Log, watch: (signal: AbortSignal) => AsyncIterable<{ type: 'progress'; progress: unknown } | { type: 'closed'; recovery: unknown }>): void {
  const abort = new AbortController();
  const res = reply.raw;
  reply.hijack();
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-request-id': String(reply.request.id),
  });
  const send = (event: string, data: unknown): void => {
    if (!res.writableEnded) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  // Proxies drop idle connections; a comment line every 15 s keeps the stream open between changes.
  const keepAlive = setInterval(() => !res.writableEnded && res.write(': keep-alive\n\n'), 15_000);
  res.on('close', () => abort.abort());
  void (async () => {
    try {
      for await (const event of watch(abort.signal)) {
        if (event.type === 'progress') send('progress', event.progress);
        else send('result', event.recovery);
      }
    } catch (err) {
      log.warn({ err: err instanceof Error ? err.message : String(err) }, 'event stream stopped');
      send('error', { error: 'unavailable', message: 'progress could not be read; reconnect to resume' });
    } finally {
      clearInterval(keepAlive);
      if (!res.writableEnded) res.end();
    }
  })();
}
