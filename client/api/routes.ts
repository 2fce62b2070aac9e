// A route is declared once with zod schemas: the same declaration validates the request (400 naming the
// field and the rule) and describes the route in /openapi.json. Fastify's own schema validation is not
// used, so every 400 has one shape whatever part of the request was wrong.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { describeIssues, type InputIssue } from '../../workflows/input';
import { InvalidInputError } from '../service/errors';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ResponseSpec {
  description: string;
  /** JSON body schema; omit for bodies described by contentType alone. */
  schema?: z.ZodType;
  /** Default application/json. */
  contentType?: string;
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteContext<P, Q, B, H> {
  params: Parsed<P>;
  query: Parsed<Q>;
  body: Parsed<B>;
  headers: Parsed<H>;
  request: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteSpec<P extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined, H extends z.ZodType | undefined = undefined> {
  method: HttpMethod;
  /** Fastify path syntax: /v1/recoveries/:id */
  url: string;
  operationId: string;
  summary: string;
  description?: string;
  tags?: string[];
  /** Default true: bearer token required. */
  auth?: boolean;
  params?: P;
  query?: Q;
  body?: B;
  /** The documented body when the service validates the body itself (the route then leaves `body` unset). */
  bodyDoc?: z.ZodType;
  /** Only the headers the route reads (names in lower case). */
  headers?: H;
  responses: Record<number, ResponseSpec>;
  /**
   * Returns the JSON body (status from reply.code, default 200), or the reply itself when the handler
   * already sent or hijacked it (CSV, server-sent events).
   */
  handler(ctx: RouteContext<P, Q, B, H>): Promise<unknown>;
}

/** A route as stored for the OpenAPI document (type parameters erased). */
export type AnyRouteSpec = RouteSpec<z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined>;

/** Registers routes on the app and remembers them for /openapi.json. */
export class RouteTable {
  readonly routes: AnyRouteSpec[] = [];

  constructor(private readonly app: FastifyInstance) {}

  add<P extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined, H extends z.ZodType | undefined = undefined>(
    spec: RouteSpec<P, Q, B, H>,
  ): void {
    this.routes.push(spec as unknown as AnyRouteSpec);
    this.app.route({
      method: spec.method,
      url: spec.url,
      config: { auth: spec.auth !== false },
      handler: async (request, reply) => {
        const issues: InputIssue[] = [];
        const params = parsePart(spec.params, request.params, '', issues);
        const query = parsePart(spec.query, request.query, '', issues);
        const headers = parsePart(spec.headers, request.headers, 'headers.', issues);
        const body = parsePart(spec.body, request.body, '', issues);
        if (issues.length) throw new InvalidInputError(issues);
        const result = await spec.handler({ params, query, body, headers, request, reply } as RouteContext<P, Q, B, H>);
        return result === reply ? reply : result;
      },
    });
  }
}

function parsePart<S extends z.ZodType | undefined>(schema: S, value: unknown, prefix: string, issues: InputIssue[]): Parsed<S> {
  if (!schema) return undefined as Parsed<S>;
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data as Parsed<S>;
  for (const issue of describeIssues(parsed.error)) issues.push({ field: prefix + issue.field, rule: issue.rule });
  return undefined as Parsed<S>;
}
