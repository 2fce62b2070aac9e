// Operator actions on bulk migrations, as plain functions over a Temporal Client (CLI and HTTP API).
import { randomUUID } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { freezeMigrationPlan } from '../../workflows/freeze';
import { MAX_WINDOW, countTargets, parseMigrationPlan, type MigrationPlan } from '../../workflows/plan';
import {
  BULK_MIGRATION_WORKFLOW,
  MIGRATION_KIND,
  SA_BACKUP_FILE_IDS,
  SA_KIND,
  SA_TARGETS,
  TASK_QUEUE,
  pauseUpdate,
  resumeUpdate,
  searchableBackupIds,
  type PauseRequest,
} from '../../workflows/types';
import { cancelMigrationUpdate, migrationProgressQuery, setWindowUpdate } from '../../workflows/bulk/messages';
import type { MigrationProgress, MigrationResult } from '../../workflows/bulk/types';
import { ConflictError, InvalidInputError, parseInput } from './errors';
import { reasonRequestSchema } from './control';
import { checkWorkflowId } from './ids';
import { csvCell, type ReportFormat } from './report';
import { statusName, type RunStatus } from './recoveries';
import { QUERY_DEADLINE_MS, describeFailure, describeWorkflowOfType, sendUpdate, type RunFailure } from './workflow-calls';
import { checkRegionsServed } from './regions';

export interface StartMigrationOptions {
  /** Workflow ID of the migration; default `migration-<random>`. Children are `<migrationId>/<chunk>`. */
  migrationId?: string;
  taskQueue?: string;
}

export interface StartedMigration {
  migrationId: string;
  runId: string;
  targets: number;
}

/** A migration as an operator sees it: live progress while running, the result once completed. */
export interface MigrationView {
  migrationId: string;
  runId: string;
  status: RunStatus;
  startedAt: string;
  closedAt?: string;
  taskQueue: string;
  progress?: MigrationProgress;
  /** The result without its per-target rows (those are in the report). */
  result?: Omit<MigrationResult, 'rows'>;
  failure?: RunFailure;
  progressUnavailable?: string;
}

/** Validates a raw plan (InvalidInputError naming field and rule) and starts the migration. */
export async function startMigration(client: Client, rawPlan: unknown, options: StartMigrationOptions = {}): Promise<StartedMigration> {
  return startValidatedMigration(client, validateMigrationPlan(rawPlan), options);
}

/** Starts the migration of a plan already parsed at the edge (e.g. by readPlanFile). */
export async function startValidatedMigration(client: Client, plan: MigrationPlan, options: StartMigrationOptions = {}): Promise<StartedMigration> {
  await checkRegionsServed(client, options.taskQueue ?? TASK_QUEUE, plan);
  const migrationId = options.migrationId === undefined ? `migration-${randomUUID().slice(0, 12)}` : checkWorkflowId(options.migrationId, 'migrationId');
  const targets = countTargets(plan);
  try {
    const handle = await client.workflow.start(BULK_MIGRATION_WORKFLOW, {
      workflowId: migrationId,
      taskQueue: options.taskQueue ?? TASK_QUEUE,
      args: [freezeMigrationPlan(plan)],
      workflowIdConflictPolicy: 'FAIL',
      ...migrationStartExtras(plan),
    });
    return { migrationId, runId: handle.firstExecutionRunId, targets };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new ConflictError(`migration ${migrationId} already exists`);
    throw err;
  }
}

/** Search attributes and summary of a migration run (shared with schedules). */
export function migrationStartExtras(plan: MigrationPlan): { typedSearchAttributes: TypedSearchAttributes; staticSummary: string } {
  const targets = countTargets(plan);
  return {
    typedSearchAttributes: new TypedSearchAttributes([
      { key: SA_KIND, value: MIGRATION_KIND },
      { key: SA_BACKUP_FILE_IDS, value: searchableBackupIds(plan.items.map((item) => item.backupFileId)) },
      { key: SA_TARGETS, value: targets },
    ]),
    staticSummary: `Migrate ${plan.items.length} backup${plan.items.length === 1 ? '' : 's'} onto ${targets} instance${targets === 1 ? '' : 's'}`,
  };
}

export function validateMigrationPlan(rawPlan: unknown): MigrationPlan {
  const parsed = parseMigrationPlan(rawPlan);
  if (!parsed.ok) throw new InvalidInputError(parsed.issues);
  return parsed.plan;
}

export async function getMigration(client: Client, id: string): Promise<MigrationView> {
  const { handle, description } = await describeMigration(client, id);
  const view: MigrationView = {
    migrationId: description.workflowId,
    runId: description.runId,
    status: statusName(description.status.name),
    startedAt: description.startTime.toISOString(),
    taskQueue: description.taskQueue,
  };
  if (description.closeTime) view.closedAt = description.closeTime.toISOString();
  if (view.status === 'Completed') {
    const { rows: _rows, ...result } = await handle.result();
    view.result = result;
    return view;
  }
  if (view.status !== 'Running') {
    try {
      await handle.result();
    } catch (err) {
      view.failure = describeFailure(err);
    }
  }
  try {
    view.progress = await client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(migrationProgressQuery));
  } catch (err) {
    view.progressUnavailable = `progress query failed: ${err instanceof Error ? err.message : String(err)}`;
  }
  return view;
}

/** The finished migration's result with every row; ConflictError while it runs or when it ended without one. */
export async function getMigrationResult(client: Client, id: string): Promise<MigrationResult> {
  const { handle, description } = await describeMigration(client, id);
  const status = statusName(description.status.name);
  if (status === 'Running') throw new ConflictError(`migration ${description.workflowId} is still running; the report is available when it completes`);
  try {
    return await handle.result();
  } catch (err) {
    throw new ConflictError(`migration ${description.workflowId} ended without a result (${status}): ${describeFailure(err).message}`);
  }
}

export async function pauseMigration(client: Client, id: string, options: PauseRequest = {}): Promise<{ paused: boolean }> {
  const arg = parseInput(reasonRequestSchema, options);
  return runUpdate(client, id, (handle) => handle.executeUpdate(pauseUpdate, { args: [arg] }));
}

export async function resumeMigration(client: Client, id: string): Promise<{ paused: boolean }> {
  return runUpdate(client, id, (handle) => handle.executeUpdate(resumeUpdate, { args: [] }));
}

/** Stops launching children, cancels running ones (they release their leases) and completes with outcome 'cancelled'. */
export async function cancelMigration(client: Client, id: string, options: PauseRequest = {}): Promise<{ cancelling: true; running: number }> {
  const arg = parseInput(reasonRequestSchema, options);
  return runUpdate(client, id, (handle) => handle.executeUpdate<{ cancelling: true; running: number }, [{ reason?: string }]>(cancelMigrationUpdate.name, { args: [arg] }));
}

export async function setMigrationWindow(client: Client, id: string, window: unknown): Promise<{ window: number }> {
  if (typeof window !== 'number' || !Number.isInteger(window) || window < 1 || window > MAX_WINDOW) {
    throw new InvalidInputError([{ field: 'window', rule: `must be a whole number from 1 to ${MAX_WINDOW}` }]);
  }
  return runUpdate(client, id, (handle) => handle.executeUpdate(setWindowUpdate, { args: [window] }));
}

export const MIGRATION_CSV_COLUMNS = ['instanceId', 'backupFileId', 'status', 'reason'] as const;

/** Every target of a finished migration (verified rows beyond the detail limit are only counted; the JSON says how many). */
export function migrationReport(result: MigrationResult, format: ReportFormat): string {
  if (format === 'csv') {
    const lines = [MIGRATION_CSV_COLUMNS.join(',')];
    for (const row of result.rows) lines.push([row.instanceId, row.backupFileId, row.status, row.reason ?? ''].map(csvCell).join(','));
    return lines.join('\r\n') + '\r\n';
  }
  return JSON.stringify(result, null, 2);
}

// ---- helpers --------------------------------------------------------------------------------------

export function describeMigration(client: Client, id: string): Promise<{ handle: WorkflowHandle; description: WorkflowExecutionDescription }> {
  return describeWorkflowOfType(client, id, BULK_MIGRATION_WORKFLOW, 'migration');
}

async function runUpdate<R>(client: Client, id: string, send: (handle: WorkflowHandle) => Promise<R>): Promise<R> {
  const { handle, description } = await describeMigration(client, id);
  const status = statusName(description.status.name);
  if (status !== 'Running') throw new ConflictError(`migration ${description.workflowId} is already closed (${status})`);
  return sendUpdate(client, { handle, description, noun: 'migration' }, send);
}
