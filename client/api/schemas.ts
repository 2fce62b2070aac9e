// Request and response shapes of the HTTP API (recoveries, migrations, schedules). Request schemas
// validate; response schemas document (they are what /openapi.json shows) what the service layer
// returns, and the checks at the end of this file fail `tsc` when one drifts from the service's type.
import { z } from 'zod';
import { PHASES, REASON_CODES, RUN_KINDS, type ApproveReleaseResult, type Phase, type RecoveryProgress, type RecoveryResult } from '../../workflows/types';
import { recoverAppInputSchema } from '../../workflows/input';
import { MAX_WINDOW, migrationPlanSchema } from '../../workflows/plan';
import type { DryRunResult } from '../../workflows/dry-run';
import type { MigrationProgress } from '../../workflows/bulk/types';
import { requestIdSchema, workflowIdSchema } from '../service/ids';
import { listFilterSchema, MAX_LIST_LIMIT, RUN_OUTCOMES, type RecoverySummary } from '../service/list';
import { RUN_STATUSES, type cancelRecovery, type pauseRecovery, type RecoveryView, type StartedRecovery } from '../service/recoveries';
import type { cancelMigration, MigrationView, pauseMigration, setMigrationWindow, StartedMigration } from '../service/migrations';
import { OVERLAP_POLICIES, scheduleIdSchema, type backfillSchedule, type deleteSchedule, type ScheduleListEntry, type ScheduleView, type triggerSchedule } from '../service/schedules';
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

export const emptyBody = z.strictObject({});

export const startMigrationBodyDoc = z.intersection(migrationPlanSchema, z.object({ migrationId: workflowIdSchema.optional() }));
export const windowBody = z.strictObject({ window: z.number('must be a number').int('must be a whole number').min(1, 'must be at least 1').max(MAX_WINDOW, `must be at most ${MAX_WINDOW}`) });

export const scheduleParams = z.strictObject({ id: scheduleIdSchema });
export const scheduleListQuery = z.strictObject({ limit: z.coerce.number('must be a number').int('must be a whole number').min(1).max(1000).default(100) });
const overlap = z.enum(OVERLAP_POLICIES, `must be one of ${OVERLAP_POLICIES.join(', ')}`);
export const triggerBody = z.strictObject({ overlap: overlap.optional() });
const isoDateTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time like 2024-05-01T00:00:00Z' });
export const backfillBody = z.strictObject({ start: isoDateTime, end: isoDateTime, overlap: overlap.optional() });

// ---- responses: errors -----------------------------------------------------------------------------

export const errorBody = z.object({
  error: z.enum(['invalid_input', 'unauthorized', 'forbidden', 'not_found', 'method_not_allowed', 'conflict', 'payload_too_large', 'unsupported_media_type', 'unavailable', 'internal']),
  message: z.string().optional(),
  issues: z.array(z.object({ field: z.string(), rule: z.string() })).optional(),
});

// ---- responses: recoveries --------------------------------------------------------------------------

const issue = z.object({ field: z.string(), rule: z.string() });
/** Why a run ended without a result; `issues` when the workflow rejected its input. */
const runFailure = z.object({ message: z.string(), type: z.string().optional(), issues: z.array(issue).optional().describe('each field and rule the input broke (type InvalidInput)') });

export const recoveryLinksBody = z.object({
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
  links: recoveryLinksBody,
});

const phase = z.enum(PHASES as [Phase, ...Phase[]]);
const reason = z.enum(REASON_CODES);
const targetStatus = z.enum(['pending', 'verified', 'failed', 'skipped', 'cancelled']);
const statusCounts = z.object({ total: z.number(), pending: z.number(), verified: z.number(), failed: z.number(), skipped: z.number(), cancelled: z.number() });

const targetResult = z.object({
  instanceId: z.string(),
  backupFileId: z.string(),
  status: targetStatus,
  phase,
  taskIds: z.array(z.string()),
  attempts: z.number().int(),
  reason: reason.optional(),
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
  keptBecause: z.enum(['not-all-verified', 'policy-never', 'approval-timeout', 'approval-pending', 'cancelled', 'preflight-failed', 'release-failed', 'backup-status-unknown']).optional(),
  sourceMayBeReset: z.boolean(),
});

export const progressBody = z.object({
  workflowId: z.string(),
  phase,
  paused: z.boolean(),
  cancelRequested: z.boolean(),
  awaitingApproval: z.boolean(),
  counts: statusCounts,
  targets: z.array(targetResult),
  backups: z.array(backupOutcome),
  snapshots: z.array(z.object({ instanceId: z.string(), backupFileId: z.string() })),
  startedAt: z.string(),
  updatedAt: z.string(),
  requestedBy: z.string().optional(),
  releaseBackup: z.enum(['after-all-verified', 'never', 'on-approval']).optional(),
  distinctApprover: z.boolean().optional(),
  approvedBy: z.string().optional(),
  approvedAt: z.string().optional(),
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
  failure: runFailure.optional(),
  progressUnavailable: z.string().optional(),
});

const runSummary = z.object({
  kind: z.enum(RUN_KINDS),
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
  scheduledBy: z.string().optional().describe('the schedule that started this run'),
});

export const listBody = z.object({
  recoveries: z.array(runSummary),
  query: z.string().describe('the Temporal visibility query used'),
});

export const migrationListBody = z.object({
  migrations: z.array(runSummary),
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
      reason: reason.optional(),
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
      reason: reason.optional(),
      message: z.string().optional(),
      existingPackages: z.array(z.string()),
      plannedAction: z.enum(['recover', 'snapshot-then-recover', 'overwrite', 'skip']),
    }),
  ),
});

// ---- responses: migrations -------------------------------------------------------------------------

const migrationReason = z.enum([...REASON_CODES, 'ChildFailed']);
const wave = z.object({ index: z.number(), kind: z.enum(['canary', 'wave']), targets: z.number(), chunks: z.number(), state: z.enum(['pending', 'running', 'done']), verified: z.number(), failed: z.number(), skipped: z.number(), cancelled: z.number(), failureRate: z.number().optional(), pausedMigration: z.boolean().optional() });
const children = z.object({ total: z.number(), running: z.number(), done: z.number(), failed: z.number(), cancelled: z.number() });
const reasonCounts = z.partialRecord(migrationReason, z.number());

export const migrationProgressBody = z.object({
  migrationId: z.string(),
  state: z.enum(['running', 'paused', 'cancelling', 'completed', 'cancelled']),
  paused: z.boolean(),
  pausedBy: z.enum(['operator', 'failure-rate']).optional(),
  pausedReason: z.string().optional(),
  cancelRequested: z.boolean(),
  window: z.number(),
  counts: statusCounts,
  reasons: reasonCounts,
  waves: z.array(wave),
  children,
  runs: z.number(),
  startedAt: z.string(),
  updatedAt: z.string(),
});
export const migrationLinksBody = z.object({ self: z.string(), report: z.string(), pause: z.string(), resume: z.string(), cancel: z.string(), window: z.string() });
export const startedMigrationBody = z.object({ migrationId: z.string(), runId: z.string(), targets: z.number(), links: migrationLinksBody });
export const migrationBody = z.object({
  migrationId: z.string(),
  runId: z.string(),
  status: runStatus,
  startedAt: z.string(),
  closedAt: z.string().optional(),
  taskQueue: z.string(),
  progress: migrationProgressBody.optional(),
  result: z
    .object({
      migrationId: z.string(),
      outcome: z.enum(RUN_OUTCOMES),
      counts: statusCounts,
      reasons: reasonCounts,
      waves: z.array(wave),
      children,
      runs: z.number(),
      verifiedRowsOmitted: z.number(),
      startedAt: z.string(),
      finishedAt: z.string(),
    })
    .optional(),
  failure: runFailure.optional(),
  progressUnavailable: z.string().optional(),
});
export const cancellingBody = z.object({ cancelling: z.literal(true), running: z.number() });
export const windowSetBody = z.object({ window: z.number() });

// ---- responses: schedules --------------------------------------------------------------------------

export const scheduleBody = z.object({
  scheduleId: z.string(),
  paused: z.boolean(),
  note: z.string().optional(),
  cron: z.string().optional(),
  every: z.string().optional(),
  overlap,
  taskQueue: z.string(),
  targets: z.number().optional(),
  nextRunTimes: z.array(z.string()),
  recentRuns: z.array(z.object({ scheduledAt: z.string(), startedAt: z.string(), migrationId: z.string() })),
  runningMigrationIds: z.array(z.string()),
  runsStarted: z.number(),
  runsSkippedOverlap: z.number(),
  createdAt: z.string(),
});
export const scheduleListBody = z.object({ schedules: z.array(z.object({ scheduleId: z.string(), paused: z.boolean(), note: z.string().optional(), nextRunTimes: z.array(z.string()), recentMigrationIds: z.array(z.string()) })) });
export const scheduleDeletedBody = z.object({ scheduleId: z.string(), deleted: z.literal(true) });
export const scheduleTriggeredBody = z.object({ scheduleId: z.string(), triggered: z.literal(true) });
export const scheduleBackfilledBody = z.object({ scheduleId: z.string(), backfilled: z.object({ start: z.string(), end: z.string() }) });

// ---- responses: service health ---------------------------------------------------------------------

export const healthBody = z.object({ status: z.enum(['ok', 'unavailable']), temporal: z.enum(['reachable', 'unreachable']) });

/** The usual error responses of an authenticated route. */
export function errorResponses(...codes: (400 | 401 | 404 | 409 | 413 | 415 | 503)[]): Record<number, { description: string; schema: typeof errorBody }> {
  const text: Record<number, string> = {
    400: 'Invalid input: `issues` names each field and the rule it broke; nothing was started',
    401: 'Missing or wrong bearer token',
    404: 'No such recovery',
    409: 'The run refuses the request in its current state (`message` says why)',
    413: 'Body larger than the limit (the message states it)',
    415: 'Body sent with a Content-Type other than application/json',
    503: 'Temporal or a worker did not answer in time',
  };
  return Object.fromEntries(codes.map((c) => [c, { description: text[c]!, schema: errorBody }]));
}

// ---- the response schemas stay in step with the service -------------------------------------------
// The types of workflows/ and client/service are the source. Each line below fails `tsc` ("does not
// satisfy the constraint 'true'") when a schema and the type it documents drift apart: a field added,
// dropped, made optional or typed differently on either side.

/** True only when A and B are the same type (not merely assignable one way). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Documents<S extends z.ZodType, T> = Same<z.output<S>, T>;
type Expect<T extends true> = T;
type Returns<F extends (...args: never[]) => Promise<unknown>> = Awaited<ReturnType<F>>;

export type _ResponsesInStep = [
  Expect<Documents<typeof progressBody, RecoveryProgress>>,
  Expect<Documents<typeof resultBody, RecoveryResult>>,
  Expect<Documents<typeof recoveryBody, RecoveryView>>,
  Expect<Documents<typeof listBody, { recoveries: RecoverySummary[]; query: string }>>,
  Expect<Documents<typeof migrationListBody, { migrations: RecoverySummary[]; query: string }>>,
  Expect<Documents<typeof startedBody, Flat<StartedRecovery & { links: z.output<typeof recoveryLinksBody> }>>>,
  Expect<Documents<typeof cancelBody, Returns<typeof cancelRecovery>>>,
  Expect<Documents<typeof approvedBody, ApproveReleaseResult>>,
  Expect<Documents<typeof pausedBody, Returns<typeof pauseRecovery>>>,
  Expect<Documents<typeof pausedBody, Returns<typeof pauseMigration>>>,
  Expect<Documents<typeof dryRunBody, DryRunResult>>,
  Expect<Documents<typeof migrationProgressBody, MigrationProgress>>,
  Expect<Documents<typeof migrationBody, MigrationView>>,
  Expect<Documents<typeof startedMigrationBody, Flat<StartedMigration & { links: z.output<typeof migrationLinksBody> }>>>,
  Expect<Documents<typeof cancellingBody, Returns<typeof cancelMigration>>>,
  Expect<Documents<typeof windowSetBody, Returns<typeof setMigrationWindow>>>,
  Expect<Documents<typeof scheduleBody, ScheduleView>>,
  Expect<Documents<typeof scheduleListBody, { schedules: ScheduleListEntry[] }>>,
  Expect<Documents<typeof scheduleDeletedBody, Returns<typeof deleteSchedule>>>,
  Expect<Documents<typeof scheduleTriggeredBody, Returns<typeof triggerSchedule>>>,
  Expect<Documents<typeof scheduleBackfilledBody, Returns<typeof backfillSchedule>>>,
];

/** An intersection as one object type, so it can be compared with a schema's output. */
type Flat<T> = { [K in keyof T]: T[K] };
