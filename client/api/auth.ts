// Authentication and authorization of every API request: a bearer token (named tokens from
// CPR_API_TOKENS_FILE or the single CPR_API_TOKEN) or the console's session cookie; then the role the
// route needs (roles.ts). The caller's name is stamped on what it starts and approves, so the
// four-eyes rule in the workflow compares names the API vouches for.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { InvalidInputError } from '../service/errors';
import { TokenBook, type ApiToken } from './api-tokens';
import type { RouteTable } from './routes';
import { hasRole, requiredRole, ROLES, type Principal } from './roles';
import { CONSOLE_HEADER, readCookie, SESSION_COOKIE, sessionCookie, SessionSigner } from './session';

export interface AuthOptions {
  /** The single token of a one-person setup: every role. */
  token?: string;
  /** Named, hashed tokens with roles. */
  tokens?: readonly ApiToken[];
  /** Serve without authentication (local development only); every caller holds every role. */
  allowNoAuth?: boolean;
  /** HMAC key for console session cookies shared by API replicas; default: random per process. */
  sessionSecret?: string;
  sessionTtlMs?: number;
}

const DEVELOPER: Principal = { name: 'anonymous', roles: ROLES, accountable: false };
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Routes whose body names the caller, and where: a field of the body, or of its `options` (migration plans). */
const STAMPED_FIELDS: Record<string, { field: 'requestedBy' | 'approvedBy'; inOptions?: true }> = {
  '/v1/recoveries': { field: 'requestedBy' },
  '/v1/recoveries/dry-run': { field: 'requestedBy' },
  '/v1/recoveries/:id/approve': { field: 'approvedBy' },
  '/v1/migrations': { field: 'requestedBy', inOptions: true },
};

export interface Auth {
  /** onRequest: answers 401/403 itself, or sets request.principal. */
  check(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>;
  /** Session routes for the console and the hook that stamps the caller's name. */
  register(app: FastifyInstance, routes: RouteTable): void;
}

export function createAuth(options: AuthOptions): Auth {
  if (options.token !== undefined && options.token.length < 16) throw new Error('buildApi: the token must be at least 16 characters');
  const book = new TokenBook(options);
  if (!book.size && !options.allowNoAuth) throw new Error('buildApi: a token is required (allowNoAuth is for local development only)');
  const signer = new SessionSigner(options.sessionSecret, options.sessionTtlMs);

  const fromBearer = (header: string | undefined) => {
    const match = /^Bearer (\S+)$/i.exec(header ?? '');
    return match ? book.find(match[1]!) : undefined;
  };

  const check: Auth['check'] = async (request, reply) => {
    if (!book.size) {
      request.principal = DEVELOPER;
      return undefined;
    }
    let principal: Principal | undefined;
    let viaCookie = false;
    if (request.headers.authorization !== undefined) {
      principal = fromBearer(request.headers.authorization)?.principal;
    } else {
      const claims = signer.verify(readCookie(request.headers.cookie, SESSION_COOKIE) ?? '');
      principal = claims && book.byName(claims.name, claims.fingerprint);
      viaCookie = true;
    }
    // Same answer for every path, known workflow or not: the 401 says nothing about what exists.
    if (!principal) return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized', message: 'a valid bearer token is required' });
    if (viaCookie && !SAFE_METHODS.has(request.method) && request.headers[CONSOLE_HEADER] !== '1') {
      return reply.code(403).send({ error: 'forbidden', message: `requests signed in by the console session cookie must send the header ${CONSOLE_HEADER}: 1` });
    }
    const route = request.routeOptions.url ?? request.url.split('?')[0]!;
    const role = requiredRole(request.method, route);
    if (!hasRole(principal, role)) {
      return reply.code(403).send({ error: 'forbidden', message: `${principal.name} (roles: ${principal.roles.join(', ')}) may not ${request.method} ${route}: it needs the ${role} role` });
    }
    request.principal = principal;
    // Every log line of the request names the caller: the audit trail of who started, cancelled, approved.
    request.log = request.log.child({ caller: principal.name });
    return undefined;
  };

  const register: Auth['register'] = (app, routes) => {
    app.decorateRequest('principal', undefined);
    app.addHook('preHandler', async (request) => {
      const stamp = request.method === 'POST' ? STAMPED_FIELDS[request.routeOptions.url ?? ''] : undefined;
      if (!stamp || !request.principal) return;
      if (!stamp.inOptions) {
        request.body = stampCaller(request.body, stamp.field, request.principal, stamp.field);
      } else if (isObject(request.body)) {
        request.body = { ...request.body, options: stampCaller(request.body.options, stamp.field, request.principal, `options.${stamp.field}`) };
      }
    });

    const principalBody = z.object({ name: z.string(), roles: z.array(z.enum(ROLES)), accountable: z.boolean(), expiresAt: z.string().optional() });
    routes.add({
      method: 'POST',
      url: '/v1/session',
      operationId: 'signIn',
      summary: 'Sign the console in',
      description: `Exchanges the bearer token for an HttpOnly, SameSite=Strict session cookie (${SESSION_COOKIE}) so the browser's EventSource can follow /events. Cookie-authenticated requests other than GET must send ${CONSOLE_HEADER}: 1.`,
      tags: ['session'],
      auth: false,
      responses: { 200: { description: 'Signed in', schema: principalBody }, 401: { description: 'Missing or wrong bearer token' } },
      handler: async ({ request, reply }) => {
        const found = book.size ? fromBearer(request.headers.authorization) : { principal: DEVELOPER, fingerprint: '' };
        if (!found) return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized', message: 'a valid bearer token is required' });
        const { value, claims } = signer.issue(found.principal.name, found.fingerprint);
        reply.header('set-cookie', sessionCookie(value, { maxAgeSeconds: Math.floor(signer.ttlMs / 1000), secure: request.protocol === 'https' }));
        return { ...describePrincipal(found.principal), expiresAt: new Date(claims.expiresAt).toISOString() };
      },
    });
    routes.add({
      method: 'GET',
      url: '/v1/session',
      operationId: 'whoAmI',
      summary: 'The caller: name and roles',
      tags: ['session'],
      responses: { 200: { description: 'The caller', schema: principalBody }, 401: { description: 'Not signed in' } },
      handler: async ({ request }) => describePrincipal(request.principal ?? DEVELOPER),
    });
    routes.add({
      method: 'DELETE',
      url: '/v1/session',
      operationId: 'signOut',
      summary: 'Sign the console out (clears the session cookie)',
      tags: ['session'],
      auth: false,
      responses: { 204: { description: 'Signed out' } },
      handler: async ({ request, reply }) => reply.code(204).header('set-cookie', sessionCookie('', { maxAgeSeconds: 0, secure: request.protocol === 'https' })).send(),
    });
  };

  return { check, register };
}

function describePrincipal(p: Principal): { name: string; roles: string[]; accountable: boolean } {
  return { name: p.name, roles: [...p.roles], accountable: p.accountable };
}

/**
 * A named token's name becomes `requestedBy` / `approvedBy`; naming someone else is refused. Callers
 * of the single token (or no auth) may name themselves (the CLI sends its user).
 */
function stampCaller(body: unknown, field: 'requestedBy' | 'approvedBy', principal: Principal, path: string): unknown {
  if (!principal.accountable) return body;
  const object = body === undefined || body === null ? {} : body;
  if (!isObject(object)) return body; // the route's validation names the problem
  const given = object[field];
  if (given !== undefined && given !== principal.name) {
    throw new InvalidInputError([{ field: path, rule: `must be omitted or equal the caller's token name (${principal.name})` }]);
  }
  return { ...object, [field]: principal.name };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}
