// The HTTP API for ops dashboards: fastify with bearer-token auth, one error shape, structured logs
// (request ID, workflow ID; the Authorization header redacted), and the OpenAPI document.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import pino, { type DestinationStream } from 'pino';
import { TASK_QUEUE } from '../../workflows/types';
import { ConflictError, InvalidInputError, NotFoundError, UnavailableError } from '../service/errors';
import type { ApiToken } from './api-tokens';
import { createAuth } from './auth';
import { registerConsole } from './console-route';
import type { ApiDeps } from './deps';
import { registerMigrationRoutes } from './migrations';
import { buildOpenApi } from './openapi';
import { registerRecoveryRoutes } from './recoveries';
import { registerScheduleRoutes } from './schedules';
import { RouteTable } from './routes';
import { registerSchemaRoutes } from './schemas-route';
import { healthBody } from './schemas';
import { traceApiRequests } from '../tracing';
import { withClientTracing } from '../../worker/tracing';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;
const HEALTH_DEADLINE_MS = 2_000;

export interface ApiOptions {
  client: Client;
  /** Bearer token every route except /healthz requires. */
  token?: string;
  /** Named, hashed tokens with roles (CPR_API_TOKENS_FILE); see client/api/auth.ts. */
  tokens?: readonly ApiToken[];
  /** HMAC key of console session cookies (CPR_API_SESSION_SECRET); default random per process. */
  sessionSecret?: string;
  /** Serve without a token (local development only); required when `token` is absent. */
  allowNoAuth?: boolean;
  taskQueue?: string;
  /** A pino logger (see createApiLogger), or false for none. Default: createApiLogger(). */
  logger?: FastifyBaseLogger | false;
  bodyLimit?: number;
}

/** Paths the logger must never write, whatever a future serializer includes. */
export const REDACTED_PATHS = ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'authorization', 'token'];

export function createApiLogger(options: { level?: string; destination?: DestinationStream } = {}): FastifyBaseLogger {
  return pino({ level: options.level ?? 'info', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, options.destination) as unknown as FastifyBaseLogger;
}

export async function buildApi(options: ApiOptions): Promise<FastifyInstance> {
  // With tracing on, the client's starts continue the request's trace (client/tracing.ts).
  const client = withClientTracing(options.client);
  const auth = createAuth(options);
  const taskQueue = options.taskQueue ?? TASK_QUEUE;

  const app = Fastify({
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    ...(options.logger === false ? { logger: false } : { loggerInstance: options.logger ?? createApiLogger() }),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._:-]{1,64}$/.test(given) ? given : randomUUID();
    },
    // Workflow IDs of schedule runs contain ':'; keep paths case-sensitive and free of surprises.
    routerOptions: { caseSensitive: true, ignoreTrailingSlash: false, maxParamLength: 300 },
  });
  traceApiRequests(app);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (request.routeOptions.config?.auth === false) return;
    return auth.check(request, reply);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` }));

  const routes = new RouteTable(app);
  const deps: ApiDeps = { app, client, taskQueue, routes };

  routes.add({
    method: 'GET',
    url: '/healthz',
    operationId: 'health',
    summary: 'Liveness and Temporal reachability',
    tags: ['ops'],
    auth: false,
    responses: { 200: { description: 'Temporal answers', schema: healthBody }, 503: { description: 'Temporal does not answer', schema: healthBody } },
    handler: async ({ reply }) => {
      try {
        await client.withDeadline(Date.now() + HEALTH_DEADLINE_MS, () => client.workflowService.getSystemInfo({}));
        return { status: 'ok', temporal: 'reachable' };
      } catch {
        reply.code(503);
        return { status: 'unavailable', temporal: 'unreachable' };
      }
    },
  });

  auth.register(app, routes);
  registerConsole(app);
  registerRecoveryRoutes(deps);
  registerMigrationRoutes(deps);
  registerScheduleRoutes(deps);
  registerSchemaRoutes(routes);

  let document: Record<string, unknown> | undefined;
  routes.add({
    method: 'GET',
    url: '/openapi.json',
    operationId: 'openapi',
    summary: 'This OpenAPI document',
    tags: ['ops'],
    responses: { 200: { description: 'OpenAPI 3.1 document' }, 401: { description: 'Missing or wrong bearer token' } },
    handler: async () =>
      (document ??= buildOpenApi(routes.routes, {
        title: 'cloudphone-recovery API',
        version: '1',
        description: 'Start, watch and control Cloud Phone app-backup recoveries. Bearer token on every route but /healthz.',
      })),
  });

  return app;
}

function sendError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof InvalidInputError) return reply.code(400).send({ error: 'invalid_input', issues: error.issues });
  if (error instanceof NotFoundError) return reply.code(404).send({ error: 'not_found', message: error.message });
  if (error instanceof ConflictError) return reply.code(409).send({ error: 'conflict', message: error.reason });
  if (error instanceof UnavailableError) return reply.code(503).send({ error: 'unavailable', message: error.reason });
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return reply.code(413).send({ error: 'payload_too_large', message: 'the request body is larger than the limit' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return reply.code(415).send({ error: 'unsupported_media_type', message: 'send the body as application/json' });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return reply.code(400).send({ error: 'invalid_input', issues: [{ field: '(body)', rule: 'must not be empty when Content-Type is application/json' }] });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return reply.code(400).send({ error: 'invalid_input', issues: [{ field: '(body)', rule: 'must be valid JSON' }] });
  }
  if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message))) {
    return reply.code(400).send({ error: 'invalid_input', issues: [{ field: '(body)', rule: 'must be valid JSON' }] });
  }
  if (isTemporalUnavailable(error)) {
    request.log.warn({ err: error.message }, 'temporal unavailable');
    return reply.code(503).send({ error: 'unavailable', message: 'Temporal did not answer; retry later' });
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return reply.code(error.statusCode).send({ error: 'invalid_input', issues: [{ field: '(request)', rule: error.message }] });
  }
  // Unknown failures: full details in the log, none in the response.
  request.log.error({ err: error }, 'request failed');
  return reply.code(500).send({ error: 'internal', message: `internal error; quote request ID ${request.id}` });
}

/** gRPC UNAVAILABLE (14) / DEADLINE_EXCEEDED (4) from the Temporal connection, however it is wrapped. */
function isTemporalUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 14 || code === 4) return true;
    if (e instanceof Error && e.name === 'ServiceError' && /UNAVAILABLE|DEADLINE_EXCEEDED|connect/i.test(e.message)) return true;
  }
  return false;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: boolean;
  }
}
