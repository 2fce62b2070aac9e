// Request and response shapes of the HTTP API. Request schemas validate; response schemas only
// document (they are what /openapi.json shows) and mirror the service layer's types.
import { z } from 'zod';
import { PHASES } from '../../workflows/types';
import { recoverAppInputSchema } from '../../workflows/input';
import { requestIdSchema, workflowIdSchema } from '../service/ids';
import { listFilterSchema, MAX_LIST_LIMIT, RUN_OUTCOMES } from '../service/list';
import { RUN_STATUSES } from '../service/recoveries';
import { MAX_WATCH_INTERVAL_MS, MIN_WATCH_INTERVAL_MS } from '../service/watch';

// ---- requests ---------------------------------------------------------------------------------------

export const idParams = z.strictObject({ id: workflowIdSchema });

export const idempotencyHeaders = z.object({ 'idempotency-key': requestIdSchema.optional() });

/** The POST body: a RecoverAppInput, optionally with the client request ID in the body. */
export const startBodyDoc = z.intersection(recoverAppInputSchema, z.object({ requestId: requestIdSchema.optional() }));

export const listQuery = listFilterSchema.extend({
  limit: z.coerce
    .number('must be a number')
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(MAX_LIST_LIMIT, `must be at most ${MAX_LIST_LIMIT}`)
    .default(50),
});

export const eventsQuery = z.strictObject({
  intervalMs: z.coerce
    .number('must be a number')
    .int('must be a whole number')
    .min(MIN_WATCH_INTERVAL_MS, `must be at least ${MIN_WATCH_INTERVAL_MS}`)
    .max(MAX_WATCH_INTERVAL_MS, `must be at most ${MAX_WATCH_INTERVAL_MS}`)
    .default(1_000),
});

export const reportQuery = z.strictObject({ format: z.enum(['json', 'csv'], "must be 'json' or 'csv'").default('json') });

export const approveBody = z.strictObject({
  approvedBy: z.string().min(1).max(200, 'must be at most 200 characters').optional(),
  note: z.string().max(1000, 'must be at most 1000 characters').optional(),
});

export const pauseBody = z.strictObject({ reason: z.string().max(500, 'must be at most 500 characters').optional() });

export const emptyBody = z.strictObject({});

// ---- responses --------------------------------------------------------------------------------------

export const errorBody = z.object({
  error: z.enum(['invalid_input', 'unauthorized', 'forbidden', 'not_found', 'conflict', 'payload_too_large', 'unsupported_media_type', 'unavailable', 'internal']),
  message: z.string().optional(),
  issues: z.array(z.object({ field: z.string(), rule: z.string() })).optional(),
});

const links = z.object({
  self: z.string(),
  events: z.string(),
  report: z.string(),
  cancel: z.string(),
  approve: z.string(),
  pause: z.string(),
  resume: z.string(),
});

export const startedBody = z.object({
  workflowId: z.string(),
  runId: z.string(),
  created: z.boolean().describe('false when the request ID matched an existing run'),
  links,
});

const phase = z.enum(PHASES as [string, ...string[]]);
const targetStatus = z.enum(['pending', 'verified', 'failed', 'skipped', 'cancelled']);

const targetResult = z.object({
  instanceId: z.string(),
  backupFileId: z.string(),
  status: targetStatus,
  phase,
  taskIds: z.array(z.string()),
  attempts: z.number().int(),
  reason: z.string().optional(),
  message: z.string().optional(),
  evidence: z.object({ expected: z.unknown().optional(), found: z.unknown().optional(), detail: z.string().optional() }).optional(),
  snapshotBackupFileId: z.string().optional(),
  timings: z.object({
    leasedAt: z.string().optional(),
    recoverStartedAt: z.string().optional(),
    recoverFinishedAt: z.string().optional(),
    verifiedAt: z.string().optional(),
  }),
});

const backupOutcome = z.object({
  backupFileId: z.string(),
  sourceInstanceId: z.string().optional(),
  released: z.boolean(),
  keptBecause: z.enum(['not-all-verified', 'policy-never', 'approval-timeout', 'approval-pending', 'cancelled', 'preflight-failed', 'release-failed']).optional(),
  sourceMayBeReset: z.boolean(),
});

export const progressBody = z.object({
  workflowId: z.string(),
  phase,
  paused: z.boolean(),
  cancelRequested: z.boolean(),
  awaitingApproval: z.boolean(),
  counts: z.object({ total: z.number(), pending: z.number(), verified: z.number(), failed: z.number(), skipped: z.number(), cancelled: z.number() }),
  targets: z.array(targetResult),
  backups: z.array(backupOutcome),
  snapshots: z.array(z.object({ instanceId: z.string(), backupFileId: z.string() })),
  startedAt: z.string(),
  updatedAt: z.string(),
});

export const resultBody = progressBody.extend({ outcome: z.enum(RUN_OUTCOMES), finishedAt: z.string() });

const runStatus = z.enum([...RUN_STATUSES, 'Unknown']);

export const recoveryBody = z.object({
  workflowId: z.string(),
  runId: z.string(),
  status: runStatus,
  startedAt: z.string(),
  closedAt: z.string().optional(),
  taskQueue: z.string(),
  summary: z.string().optional(),
  backupFileIds: z.array(z.string()),
  phase: z.string().optional(),
  outcome: z.string().optional(),
  progress: progressBody.optional(),
  result: resultBody.optional(),
  failure: z.object({ message: z.string(), type: z.string().optional() }).optional(),
  progressUnavailable: z.string().optional(),
});

export const listBody = z.object({
  recoveries: z.array(
    z.object({
      workflowId: z.string(),
      runId: z.string(),
      status: runStatus,
      startedAt: z.string(),
      closedAt: z.string().optional(),
      backupFileIds: z.array(z.string()),
      phase: z.string().optional(),
      outcome: z.string().optional(),
      targets: z.number().int().optional(),
      verified: z.number().int().optional(),
      failed: z.number().int().optional(),
    }),
  ),
  query: z.string().describe('the Temporal visibility query used'),
});

export const cancelBody = z.object({ workflowId: z.string(), runId: z.string(), cancelRequested: z.literal(true) });
export const approvedBody = z.object({ approved: z.literal(true), backups: z.array(z.string()) });
export const pausedBody = z.object({ paused: z.boolean() });

export const dryRunBody = z.object({
  ok: z.boolean(),
  counts: z.object({ total: z.number(), ready: z.number(), blocked: z.number() }),
  backups: z.array(
    z.object({
      backupFileId: z.string(),
      ok: z.boolean(),
      reason: z.string().optional(),
      message: z.string().optional(),
      sourceInstanceId: z.string().optional(),
      backupFilePath: z.string().optional(),
      packages: z.array(z.string()),
    }),
  ),
  targets: z.array(
    z.object({
      instanceId: z.string(),
      backupFileId: z.string(),
      ok: z.boolean(),
      reason: z.string().optional(),
      message: z.string().optional(),
      existingPackages: z.array(z.string()),
      plannedAction: z.enum(['recover', 'snapshot-then-recover', 'overwrite', 'skip']),
    }),
  ),
});

export const healthBody = z.object({ status: z.enum(['ok', 'unavailable']), temporal: z.enum(['reachable', 'unreachable']) });

/** The usual error responses of an authenticated route. */
export function errorResponses(...codes: (400 | 401 | 404 | 409 | 413 | 503)[]): Record<number, { description: string; schema: typeof errorBody }> {
  const text: Record<number, string> = {
    400: 'Invalid input: `issues` names each field and the rule it broke; nothing was started',
    401: 'Missing or wrong bearer token',
    404: 'No such recovery',
    409: 'The run refuses the request in its current state (`message` says why)',
    413: 'Body larger than the limit',
    503: 'Temporal or a worker did not answer in time',
  };
  return Object.fromEntries(codes.map((c) => [c, { description: text[c]!, schema: errorBody }]));
}
