// The OpenAPI 3.1 document, generated from the route table's zod schemas (zod v4 `z.toJSONSchema`), so
// the document cannot drift from what the server validates. The role each protected route needs
// (`x-required-role`, a line of its description, its 403 response) comes from requiredRole, the rule
// the auth hook enforces (client/api/auth.ts).
import { z } from 'zod';
import type { AnyRouteSpec } from './routes';
import { ROLE_GRANTS, requiredRole } from './roles';
import { errorBody } from './schemas';
import { CONSOLE_HEADER } from './session';

type JsonSchema = Record<string, unknown>;

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

export function buildOpenApi(routes: readonly AnyRouteSpec[], info: OpenApiInfo): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const role = route.auth === false ? undefined : requiredRole(route.method, route.url);
    const roleLine = role && `Requires the \`${role}\` role: ${ROLE_GRANTS[role]}.`;
    const description = [route.description, roleLine].filter(Boolean).join('\n\n');
    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      ...(description ? { description } : {}),
      ...(route.tags ? { tags: route.tags } : {}),
      ...(route.auth === false ? { security: [] } : { 'x-required-role': role }),
    };
    const parameters = [
      ...parametersOf(route.params, 'path'),
      ...parametersOf(route.query, 'query'),
      ...parametersOf(route.headers, 'header'),
    ];
    if (parameters.length) operation.parameters = parameters;
    const body = route.body ?? route.bodyDoc;
    if (body) operation.requestBody = { required: route.bodyDoc !== undefined, content: { 'application/json': { schema: toSchema(body, 'input') } } };
    const responses = role ? { ...route.responses, 403: { description: forbiddenText(role, route.method), schema: errorBody } } : route.responses;
    operation.responses = Object.fromEntries(
      Object.entries(responses).map(([code, spec]) => {
        const content = spec.schema
          ? { [spec.contentType ?? 'application/json']: { schema: toSchema(spec.schema, 'output') } }
          : spec.contentType
            ? Object.fromEntries(spec.contentType.split(',').map((t) => [t.trim(), { schema: { type: 'string' } }]))
            : undefined;
        return [code, { description: spec.description, ...(content ? { content } : {}) }];
      }),
    );
    (paths[path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info,
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearerAuth: [] }],
    paths,
  };
}

function forbiddenText(role: string, method: string): string {
  const lacks = `The token lacks the ${role} role (\`message\` names the caller, its roles and the role needed)`;
  // The auth hook asks console sessions for the CSRF header on changes only.
  return method === 'GET' || method === 'HEAD' ? lacks : `${lacks}, or a console session sent the change without the ${CONSOLE_HEADER} header`;
}

function toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete json.$schema;
  return json;
}

/** One OpenAPI parameter per property of an object schema. */
function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query' | 'header'): JsonSchema[] {
  if (!schema) return [];
  const json = toSchema(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name: where === 'header' ? headerName(name) : name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

function headerName(lower: string): string {
  return lower.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}
