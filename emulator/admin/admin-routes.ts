import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { ConfigError, instanceOverrideSchema } from '../config';
import { sendJson, splitUrl } from '../http-util';
import { API_VERSION } from '../ops/registry';
import { outageRequestSchema } from '../outage';
import type { EmulatorRuntime } from '../runtime';
import {
  addBackups,
  addInstances,
  applySeed,
  backupSeedListSchema,
  instanceSeedListSchema,
  packageRecord,
  packageSeedListSchema,
  parseSeed,
  SeedError,
} from '../seed';
import { BACKUP_FILE_STATUSES, INSTANCE_STATUSES } from '../state/model';
import { parseQueryString } from '../wire/query';

export const ADMIN_PREFIX = '/__emulator';

class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const instancePatchSchema = z
  .object({
    status: z.enum(INSTANCE_STATUSES).optional(),
    errorCode: z.string().nullable().optional(),
    packages: packageSeedListSchema.optional(),
    imageVersion: z.string().min(1).optional(),
    serverType: z.string().min(1).optional(),
    name: z.string().min(1).optional(),
    overrides: instanceOverrideSchema.nullable().optional(),
    permanentFailure: z
      .object({ code: z.string().min(1), message: z.string() })
      .strict()
      .nullable()
      .optional(),
  })
  .strict();

const backupPatchSchema = z.object({ status: z.enum(BACKUP_FILE_STATUSES).optional() }).strict();

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new AdminError(400, 'request body is not valid JSON');
  }
}

/** Accepts either a bare array or `{ <key>: [...] }`. */
const listBody = (input: unknown, key: string): unknown =>
  Array.isArray(input) ? input : typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[key] : input;

/** Test-control API under `/__emulator` (never used by the real service): plain JSON, no signature. */
export async function handleAdminRequest(
  runtime: EmulatorRuntime,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  url: string,
): Promise<void> {
  try {
    const result = route(runtime, req.method ?? 'GET', req, body, url);
    sendJson(res, result.status ?? 200, result.body);
  } catch (error) {
    const status = error instanceof AdminError ? error.status : error instanceof SeedError || error instanceof ConfigError ? 400 : 500;
    const message = error instanceof Error ? error.message : String(error);
    sendJson(res, status, { error: { message } });
  }
}

function route(
  runtime: EmulatorRuntime,
  method: string,
  req: IncomingMessage,
  body: Buffer,
  url: string,
): { status?: number; body: unknown } {
  const { path, rawQuery } = splitUrl(url);
  const sub = path.slice(ADMIN_PREFIX.length).replace(/\/+$/, '') || '/';
  const now = Date.now();
  const world = runtime.world;
  world.advance(now);
  if (method !== 'GET') runtime.markChanged();
  const key = `${method} ${sub}`;
  switch (key) {
    case 'GET /':
      return { body: { service: 'cloud-phone-api-emulator', apiVersion: API_VERSION, url: `http://${req.headers.host ?? ''}` } };
    case 'GET /config':
      return { body: runtime.config };
    case 'PATCH /config':
      return { body: runtime.updateConfig(parseJson(body)) };
    case 'GET /calls': {
      const query = parseQueryString(rawQuery);
      const since = Number(query.since ?? 0);
      const limit = Math.min(Number(query.limit ?? 1000), 10_000);
      if (!Number.isFinite(since) || !Number.isFinite(limit) || limit < 1) throw new AdminError(400, 'since and limit must be numbers');
      return { body: runtime.callLog.list(since, limit, query.action) };
    }
    case 'DELETE /calls':
      runtime.callLog.clear();
      return { body: { cleared: true } };
    case 'GET /state':
      return { body: runtime.dump(now) };
    case 'GET /stats':
      return { body: runtime.stats() };
    case 'GET /outage':
      return { body: { outage: runtime.outage.current(now) ?? null } };
    case 'POST /outage':
      return { status: 202, body: { outage: runtime.outage.start(parseSeed(outageRequestSchema, parseJson(body), 'outage'), now) } };
    case 'POST /reset': {
      const input = parseJson(body) as { seed?: unknown };
      return { body: runtime.reset(input.seed ?? 'demo') };
    }
    case 'POST /fleet':
      return { status: 201, body: applySeed(world, parseJson(body), now) };
    case 'POST /instances':
      return {
        status: 201,
        body: {
          instanceIds: addInstances(world, parseSeed(instanceSeedListSchema, listBody(parseJson(body), 'instances'), 'instances'), now),
        },
      };
    case 'POST /backups':
      return {
        status: 201,
        body: { backupFileIds: addBackups(world, parseSeed(backupSeedListSchema, listBody(parseJson(body), 'backups'), 'backups'), now) },
      };
  }
  const match = /^\/(instances|backups|tasks)\/([^/]+)$/.exec(sub);
  if (match && (method === 'GET' || method === 'PATCH')) {
    const id = decodeURIComponent(match[2]);
    if (match[1] === 'instances') return { body: instanceResource(runtime, method, id, body, now) };
    if (match[1] === 'backups') return { body: backupResource(runtime, method, id, body) };
    if (method === 'GET') {
      const task = world.tasks.get(id);
      if (!task) throw new AdminError(404, `task ${id} not found`);
      return { body: { ...task, status: world.taskStatus(task, now) } };
    }
  }
  throw new AdminError(404, `no admin route ${method} ${path}`);
}

function instanceResource(runtime: EmulatorRuntime, method: string, id: string, body: Buffer, now: number): unknown {
  const world = runtime.world;
  const instance = world.instances.get(id);
  if (!instance) throw new AdminError(404, `instance ${id} not found`);
  if (method === 'PATCH') {
    const patch = parseSeed(instancePatchSchema, parseJson(body), 'instance patch');
    if (patch.status !== undefined && patch.status !== instance.status) {
      // Moving an instance out of RECOVERING by hand ends its recovery, like an operator intervening.
      if (instance.status === 'RECOVERING') world.interruptRecovery(instance, now, 'InstanceStatusChanged');
      instance.status = patch.status;
    }
    if (patch.errorCode !== undefined) instance.errorCode = patch.errorCode ?? undefined;
    if (patch.packages) instance.packages = packageRecord(patch.packages);
    if (patch.imageVersion) instance.imageVersion = patch.imageVersion;
    if (patch.serverType) instance.serverType = patch.serverType;
    if (patch.name) instance.name = patch.name;
    if (patch.permanentFailure !== undefined) instance.permanentFailure = patch.permanentFailure ?? undefined;
    if (patch.overrides !== undefined) {
      const overrides = { ...runtime.config.instanceOverrides };
      if (patch.overrides === null) delete overrides[id];
      else overrides[id] = patch.overrides;
      runtime.updateConfig({ instanceOverrides: overrides });
    }
    instance.gmtModified = now;
  }
  return { ...instance, rate: world.recoveryRate(instance, now), overrides: runtime.config.instanceOverrides[id] ?? null };
}

function backupResource(runtime: EmulatorRuntime, method: string, id: string, body: Buffer): unknown {
  const backup = runtime.world.backups.get(id);
  if (!backup) throw new AdminError(404, `backup file ${id} not found`);
  if (method === 'PATCH') {
    const patch = parseSeed(backupPatchSchema, parseJson(body), 'backup patch');
    if (patch.status) backup.status = patch.status;
  }
  return backup;
}
