// The HTTP API for ops dashboards: fastify with bearer-token auth, one error shape, structured logs
// (request ID, workflow ID; the Authorization header redacted), and the OpenAPI document.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import cors from '@fastify/cors';
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
  /** Origins whose browser pages may call the API (CORS); none by default. See parseCorsOrigins. */
  corsOrigins?: readonly string[];
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

  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app = Fastify({
    bodyLimit,
    ...(options.logger === false ? { logger: false } : { loggerInstance: options.logger ?? createApiLogger() }),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._:-]{1,64}$/.test(given) ? given : randomUUID();
    },
    // Workflow IDs of schedule runs contain ':'; keep paths case-sensitive and free of surprises.
    routerOptions: { caseSensitive: true, ignoreTrailingSlash: false, maxParamLength: 300 },
  });
  traceApiRequests(app);

  // Registered before the auth hook, so a browser's preflight (which carries no token) is answered first.
  if (options.corsOrigins?.length) await app.register(cors, corsOptions(options.corsOrigins));
  // Bodies are JSON only: without the default text/plain parser, any other Content-Type is a 415.
  app.removeContentTypeParser('text/plain');

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (request.routeOptions.config?.auth === false) return;
    return auth.check(request, reply);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => sendError(error, request, reply, bodyLimit));
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    // A known path with another method is a 405 naming the methods it has.
    const allowed = ROUTE_METHODS.filter((method) => app.findRoute({ method, url: path }) !== null);
    if (allowed.length) {
      return reply
        .code(405)
        .header('allow', allowed.join(', '))
        .send({ error: 'method_not_allowed', message: `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}` });
    }
    return reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${path}` });
  });

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
    auth: false,
    responses: { 200: { description: 'OpenAPI 3.1 document' } },
    handler: async () =>
      (document ??= buildOpenApi(routes.routes, {
        title: 'cloudphone-recovery API',
        version: '1',
        description: 'Start, watch and control Cloud Phone app-backup recoveries and migrations. Bearer token on every route but /healthz and /openapi.json.',
      })),
  });

  return app;
}

/** Methods the 405 answer considers (OPTIONS belongs to CORS preflight). */
const ROUTE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * CPR_API_CORS_ORIGINS: a comma-separated list of origins (`https://dash.example.com`), or `*` alone.
 * Requests carry the bearer token in a header, never cookies, so credentials are never allowed, and `*`
 * can never combine with them.
 */
export function parseCorsOrigins(text: string | undefined): string[] {
  const origins = (text ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  if (origins.includes('*') && origins.length > 1) throw new Error('CPR_API_CORS_ORIGINS: * must stand alone');
  for (const origin of origins) {
    if (origin !== '*' && !/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(origin)) {
      throw new Error(`CPR_API_CORS_ORIGINS: "${origin}" must be an origin like https://dashboard.example.com (scheme, host, optional port)`);
    }
  }
  return origins;
}

function corsOptions(origins: readonly string[]): Parameters<typeof cors>[1] {
  return {
    origin: origins.includes('*') ? '*' : [...origins],
    credentials: false,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-request-id'],
    exposedHeaders: ['location', 'x-request-id', 'content-disposition'],
    maxAge: 600,
    strictPreflight: true,
  };
}

function sendError(error: FastifyError, request: FastifyRequest, reply: FastifyReply, bodyLimit: number): FastifyReply {
  if (error instanceof InvalidInputError) return reply.code(400).send({ error: 'invalid_input', issues: error.issues });
  if (error instanceof NotFoundError) return reply.code(404).send({ error: 'not_found', message: error.message });
  if (error instanceof ConflictError) return reply.code(409).send({ error: 'conflict', message: error.reason });
  if (error instanceof UnavailableError) return reply.code(503).send({ error: 'unavailable', message: error.reason });
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return reply.code(413).send({ error: 'payload_too_large', message: `the request body is larger than the limit of ${bodyLimit} bytes` });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return reply.code(415).send({ error: 'unsupported_media_type', message: `Content-Type ${request.headers['content-type'] ?? '(none)'} is not supported; send the body as application/json` });
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
