// Listing recoveries through Temporal visibility. The query string is built only from values that
// passed the filter schema (IDs by regex, the rest by enum), and every literal is quote-escaped anyway.
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import { BACKUP_FILE_ID } from '../../workflows/input';
import { PHASES, SA_BACKUP_FILE_IDS, SA_KIND, SA_OUTCOME, SA_PHASE, type Phase } from '../../workflows/types';
import { parseInput } from './errors';
import { counters, RECOVERY_KIND, RUN_STATUSES, statusName, type RunStatus } from './recoveries';

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
  phase: anyCasing(PHASES as [Phase, ...Phase[]]).optional(),
  status: anyCasing(RUN_STATUSES).optional(),
  outcome: anyCasing(RUN_OUTCOMES).optional(),
  limit: z.number().int('must be a whole number').min(1, 'must be at least 1').max(MAX_LIST_LIMIT, `must be at most ${MAX_LIST_LIMIT}`).default(50),
});

export type ListFilter = z.input<typeof listFilterSchema>;

export interface RecoverySummary {
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
}

export function parseListFilter(raw: unknown): z.output<typeof listFilterSchema> {
  return parseInput(listFilterSchema, raw ?? {});
}

/** The visibility query for a filter; exported so operators can paste it into `temporal workflow list`. */
export function buildListQuery(filter: ListFilter): string {
  const f = parseListFilter(filter);
  const clauses = [`${SA_KIND.name} = ${literal(RECOVERY_KIND)}`];
  if (f.backupFileId) clauses.push(`${SA_BACKUP_FILE_IDS.name} = ${literal(f.backupFileId)}`);
  if (f.phase) clauses.push(`${SA_PHASE.name} = ${literal(f.phase)}`);
  if (f.outcome) clauses.push(`${SA_OUTCOME.name} = ${literal(f.outcome)}`);
  if (f.status) clauses.push(`ExecutionStatus = ${literal(f.status)}`);
  return clauses.join(' AND ');
}

export async function listRecoveries(client: Client, filter: ListFilter = {}): Promise<RecoverySummary[]> {
  const { limit } = parseListFilter(filter);
  const query = buildListQuery(filter);
  const out: RecoverySummary[] = [];
  for await (const info of client.workflow.list({ query, pageSize: Math.min(limit, 1000) })) {
    const summary: RecoverySummary = {
      workflowId: info.workflowId,
      runId: info.runId,
      status: statusName(info.status.name),
      startedAt: info.startTime.toISOString(),
      backupFileIds: info.typedSearchAttributes.get(SA_BACKUP_FILE_IDS) ?? [],
      ...counters(info.typedSearchAttributes),
    };
    if (info.closeTime) summary.closedAt = info.closeTime.toISOString();
    const phase = info.typedSearchAttributes.get(SA_PHASE);
    const outcome = info.typedSearchAttributes.get(SA_OUTCOME);
    if (phase) summary.phase = phase;
    if (outcome) summary.outcome = outcome;
    out.push(summary);
    if (out.length >= limit) break;
  }
  return out;
}

/** A single-quoted visibility literal with backslashes and quotes escaped. */
export function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
