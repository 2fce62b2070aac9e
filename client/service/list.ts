// Listing recoveries and migrations through Temporal visibility. The query string is built only from
// values that passed the filter schema (IDs by regex, the rest by enum), and every literal is
// quote-escaped anyway.
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { BACKUP_FILE_ID } from '../../workflows/input';
import {
  PHASES,
  RECOVERY_KIND,
  RUN_KINDS,
  SA_BACKUP_FILE_IDS,
  SA_KIND,
  SA_OUTCOME,
  SA_PHASE,
  VALIDATE_PHASE,
  type RunKind,
} from '../../workflows/types';
import { parseInput } from './errors';
import { counters, RUN_STATUSES, statusName, type RunStatus } from './recoveries';
import { scheduleIdSchema } from './schedules';

/** Set by Temporal on every run a schedule started: the schedule's ID. */
export const SA_SCHEDULED_BY_ID = defineSearchAttributeKey('TemporalScheduledById', SearchAttributeType.KEYWORD);

/** Phases a listed recovery can be in: 'validate' until its input passed the workflow's own checks. */
export const LIST_PHASES = [VALIDATE_PHASE, ...PHASES] as [string, ...string[]];

export const RUN_OUTCOMES = ['succeeded', 'partial', 'failed', 'cancelled'] as const;
export const MAX_LIST_LIMIT = 1000;

/**
 * A filter value in any casing (`running`, `RUNNING`, `Running`), parsed to the one casing answers use:
 * Temporal's status names capitalised, the product's phases and outcomes lower case (docs/contract.md).
 */
function anyCasing<const T extends readonly [string, ...string[]]>(values: T) {
  const rule = `must be one of ${values.join(', ')} (any casing)`;
  return z
    .string(rule)
    .describe(`one of ${values.join(', ')}; any casing is accepted`)
    .transform((value) => values.find((known) => known.toLowerCase() === value.toLowerCase()) ?? value)
    .pipe(z.enum(values, rule));
}

export const listFilterSchema = z.strictObject({
  backupFileId: z.string().regex(BACKUP_FILE_ID, 'must be a backup file ID like bf-xxxxxxxxxxxxxxxxx').optional(),
  phase: anyCasing(LIST_PHASES).optional().describe('recoveries only (migrations have no phase)'),
  status: anyCasing(RUN_STATUSES).optional(),
  outcome: anyCasing(RUN_OUTCOMES).optional(),
  scheduleId: scheduleIdSchema.optional().describe('only runs this schedule started'),
  limit: z.number().int('must be a whole number').min(1, 'must be at least 1').max(MAX_LIST_LIMIT, `must be at most ${MAX_LIST_LIMIT}`).default(50),
});

export type ListFilter = z.input<typeof listFilterSchema>;

/** One listed run, recovery or migration. */
export interface RunSummary {
  kind: RunKind;
  workflowId: string;
  runId: string;
  status: RunStatus;
  startedAt: string;
  closedAt?: string;
  backupFileIds: string[];
  phase?: string;
  outcome?: string;
  targets?: number;
  verified?: number;
  failed?: number;
  /** The schedule that started this run (migrations started by `cpr schedule`). */
  scheduledBy?: string;
}

export type RecoverySummary = RunSummary;

export function parseListFilter(raw: unknown): z.output<typeof listFilterSchema> {
  return parseInput(listFilterSchema, raw ?? {});
}

/** The visibility query for a filter; exported so operators can paste it into `temporal workflow list`. */
export function buildListQuery(filter: ListFilter, kinds: readonly RunKind[] = [RECOVERY_KIND]): string {
  const f = parseListFilter(filter);
  const clauses = [kinds.length === 1 ? `${SA_KIND.name} = ${literal(kinds[0]!)}` : `${SA_KIND.name} IN (${kinds.map(literal).join(', ')})`];
  if (f.backupFileId) clauses.push(`${SA_BACKUP_FILE_IDS.name} = ${literal(f.backupFileId)}`);
  if (f.phase) clauses.push(`${SA_PHASE.name} = ${literal(f.phase)}`);
  if (f.outcome) clauses.push(`${SA_OUTCOME.name} = ${literal(f.outcome)}`);
  if (f.status) clauses.push(`ExecutionStatus = ${literal(f.status)}`);
  if (f.scheduleId) clauses.push(`${SA_SCHEDULED_BY_ID.name} = ${literal(f.scheduleId)}`);
  return clauses.join(' AND ');
}

export function listRecoveries(client: Client, filter: ListFilter = {}): Promise<RunSummary[]> {
  return listRuns(client, filter, [RECOVERY_KIND]);
}

/** Runs of the given kinds, most recent first (default: both kinds). */
export async function listRuns(client: Client, filter: ListFilter = {}, kinds: readonly RunKind[] = RUN_KINDS): Promise<RunSummary[]> {
  const { limit } = parseListFilter(filter);
  const query = buildListQuery(filter, kinds);
  const out: RunSummary[] = [];
  for await (const info of client.workflow.list({ query, pageSize: Math.min(limit, 1000) })) {
    const sa = info.typedSearchAttributes;
    const summary: RunSummary = {
      kind: sa.get(SA_KIND) === RECOVERY_KIND ? RECOVERY_KIND : 'migration',
      workflowId: info.workflowId,
      runId: info.runId,
      status: statusName(info.status.name),
      startedAt: info.startTime.toISOString(),
      backupFileIds: sa.get(SA_BACKUP_FILE_IDS) ?? [],
      ...counters(sa),
    };
    if (info.closeTime) summary.closedAt = info.closeTime.toISOString();
    const phase = sa.get(SA_PHASE);
    const outcome = sa.get(SA_OUTCOME);
    const scheduledBy = sa.get(SA_SCHEDULED_BY_ID);
    if (phase) summary.phase = phase;
    if (outcome) summary.outcome = outcome;
    if (scheduledBy) summary.scheduledBy = scheduledBy;
    out.push(summary);
    if (out.length >= limit) break;
  }
  return out;
}

/** A single-quoted visibility literal with backslashes and quotes escaped. */
export function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
