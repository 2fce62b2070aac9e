// Operator actions on recovery runs, as plain functions over a Temporal Client. The CLI and the HTTP
// API both call these, so validation, workflow IDs, search attributes and error mapping live here once.
import { createHash, randomUUID } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, TypedSearchAttributes } from '@temporalio/common';
import type { RecoverAppPlan } from '../../workflows/input';
import {
  RECOVER_APP_WORKFLOW,
  recoveryStartSearchAttributes,
  SA_BACKUP_FILE_IDS,
  SA_FAILED,
  SA_KIND,
  SA_OUTCOME,
  SA_PHASE,
  SA_TARGETS,
  SA_VERIFIED,
  TASK_QUEUE,
  approveReleaseUpdate,
  pauseUpdate,
  progressQuery,
  resumeUpdate,
  type ApproveReleaseRequest,
  type ApproveReleaseResult,
  type PauseRequest,
  type RecoveryProgress,
  type RecoveryResult,
} from '../../workflows/types';
import { FailureType } from '../../workflows/failures';
import { freezeRecoveryPlan } from '../../workflows/freeze';
import { RECOVERY_DRY_RUN_WORKFLOW, type DryRunResult } from '../../workflows/dry-run';
import { ConflictError, InvalidInputError, parseInput, UnavailableError } from './errors';
import { approveRequestSchema, reasonRequestSchema } from './control';
import { checkRequestId } from './ids';
import { checkRegionsServed } from './regions';
import { QUERY_DEADLINE_MS, describeFailure, describeWorkflowOfType, errorMessage, inputIssues, sendUpdate, type RunFailure } from './workflow-calls';

/** Memo keys: the input fingerprint makes a reused request ID with a different body a conflict. */
const MEMO_INPUT_SHA256 = 'cprInputSha256';
const MEMO_START_NONCE = 'cprStartNonce';

/** Visibility's names for execution states (what `ExecutionStatus = '…'` accepts). */
export const RUN_STATUSES = ['Running', 'Completed', 'Failed', 'Canceled', 'Terminated', 'ContinuedAsNew', 'TimedOut'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number] | 'Unknown';

export interface StartOptions {
  /** Client request ID: the same ID always refers to the same run (idempotent retries). */
  requestId?: string;
  taskQueue?: string;
}

export interface StartedRecovery {
  workflowId: string;
  runId: string;
  /** False when the request ID matched an existing run, which was returned instead of starting another. */
  created: boolean;
}

export interface RecoveryView {
  workflowId: string;
  runId: string;
  status: RunStatus;
  startedAt: string;
  closedAt?: string;
  taskQueue: string;
  summary?: string;
  backupFileIds: string[];
  phase?: string;
  outcome?: string;
  /** Live state while running (and the last state of a closed run when a worker could replay it). */
  progress?: RecoveryProgress;
  /** Present once the run completed. */
  result?: RecoveryResult;
  /** Why a run ended without a result (failed, terminated, timed out, cancelled before returning). */
  failure?: RunFailure;
  /** Why `progress` is missing on a running recovery (e.g. no worker answered the query). */
  progressUnavailable?: string;
}

/** Starts a recovery of a plan parsed at the edge (parseInput(recoverAppInputSchema, raw)). */
export async function startRecovery(client: Client, plan: RecoverAppPlan, options: StartOptions = {}): Promise<StartedRecovery> {
  const requestId = options.requestId === undefined ? undefined : checkRequestId(options.requestId);
  const backupFileIds = [...new Set(plan.items.map((item) => item.backupFileId))];
  const targets = plan.items.reduce((n, item) => n + item.instanceIds.length, 0);
  const workflowId = requestId ? `recovery-${requestId}` : `recovery-${backupFileIds[0]}-${randomUUID().slice(0, 8)}`;
  await checkRegionsServed(client, options.taskQueue ?? TASK_QUEUE, plan);
  const inputSha256 = fingerprint(plan);
  const nonce = randomUUID();

  let handle: WorkflowHandle;
  let startedRunId: string | undefined;
  try {
    const started = await client.workflow.start(RECOVER_APP_WORKFLOW, {
      workflowId,
      taskQueue: options.taskQueue ?? TASK_QUEUE,
      args: [freezeRecoveryPlan(plan)],
      // A retry while the first run is open gets that run; after it closed, the ID is never reused.
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      memo: { [MEMO_INPUT_SHA256]: inputSha256, [MEMO_START_NONCE]: nonce },
      typedSearchAttributes: recoveryStartSearchAttributes(backupFileIds, targets),
      staticSummary: summarize(backupFileIds, targets),
    });
    handle = started;
    startedRunId = started.firstExecutionRunId;
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError) || !requestId) throw err;
    handle = client.workflow.getHandle(workflowId);
  }
  if (!requestId) return { workflowId, runId: startedRunId ?? '', created: true };

  // With a request ID the run may be an earlier one: tell which, and refuse a different body under the same ID.
  const description = await handle.describe();
  const memo = description.memo ?? {};
  if (memo[MEMO_INPUT_SHA256] !== inputSha256) {
    throw new ConflictError(`request ID ${requestId} was already used for a different recovery request (${workflowId})`);
  }
  return { workflowId, runId: description.runId, created: memo[MEMO_START_NONCE] === nonce };
}

export async function getRecovery(client: Client, id: string): Promise<RecoveryView> {
  const { handle, description } = await describeRecovery(client, id);
  const view = baseView(description);
  const summary = await description.staticSummary().catch(() => undefined);
  if (summary) view.summary = summary;
  if (view.status === 'Running') {
    // Started, scheduled, nothing more: no worker has taken the first task, so a query would only wait.
    if (description.historyLength <= 2) {
      view.progressUnavailable = `no worker has picked this run up yet (task queue ${description.taskQueue})`;
      return view;
    }
    try {
      view.progress = await client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(progressQuery));
    } catch (err) {
      view.progressUnavailable = `progress query failed: ${errorMessage(err)}`;
    }
    return view;
  }
  if (view.status === 'Completed') {
    view.result = await handle.result();
    return view;
  }
  try {
    await handle.result();
  } catch (err) {
    view.failure = describeFailure(err);
  }
  // The last known state of a cancelled/failed run is worth showing; a worker replays it to answer.
  try {
    view.progress = await client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(progressQuery));
  } catch {
    // no worker or a run that never got going: the failure is what there is to show
  }
  return view;
}

export async function cancelRecovery(client: Client, id: string): Promise<{ workflowId: string; runId: string; cancelRequested: true }> {
  const { handle, description } = await describeRecovery(client, id);
  assertOpen(description);
  await handle.cancel();
  return { workflowId: description.workflowId, runId: description.runId, cancelRequested: true };
}

export interface ApproveOptions extends ApproveReleaseRequest {
  /** Update ID for idempotent retries of the same approval. */
  updateId?: string;
}

export async function approveRelease(client: Client, id: string, options: ApproveOptions = {}): Promise<ApproveReleaseResult> {
  const { updateId, ...request } = options;
  const arg = parseInput(approveRequestSchema, request);
  return runUpdate(client, id, (handle) => handle.executeUpdate(approveReleaseUpdate, { args: [arg], ...(updateId ? { updateId: checkRequestId(updateId, 'updateId') } : {}) }));
}

export async function pauseRecovery(client: Client, id: string, options: PauseRequest = {}): Promise<{ paused: boolean }> {
  const arg = parseInput(reasonRequestSchema, options);
  return runUpdate(client, id, (handle) => handle.executeUpdate(pauseUpdate, { args: [arg] }));
}

export async function resumeRecovery(client: Client, id: string): Promise<{ paused: boolean }> {
  return runUpdate(client, id, (handle) => handle.executeUpdate(resumeUpdate, { args: [] }));
}

export interface DryRunOptions {
  taskQueue?: string;
  /** Give up (UnavailableError) when no worker finished the preflight in this time. */
  timeoutMs?: number;
}

/** Runs only the preflight of a plan parsed at the edge. */
export async function dryRun(client: Client, plan: RecoverAppPlan, options: DryRunOptions = {}): Promise<DryRunResult> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  try {
    return await client.workflow.execute(RECOVERY_DRY_RUN_WORKFLOW, {
      workflowId: `dry-run-${plan.items[0]?.backupFileId ?? 'none'}-${randomUUID().slice(0, 8)}`,
      taskQueue: options.taskQueue ?? TASK_QUEUE,
      args: [plan],
      workflowExecutionTimeout: timeoutMs,
      typedSearchAttributes: new TypedSearchAttributes([{ key: SA_KIND, value: 'dry-run' }]),
      staticSummary: `Dry run: ${summarize([...new Set(plan.items.map((i) => i.backupFileId))], plan.items.reduce((n, i) => n + i.instanceIds.length, 0))}`,
    });
  } catch (err) {
    if (err instanceof WorkflowFailedError) {
      const cause = err.cause;
      if (cause instanceof ApplicationFailure && cause.type === FailureType.InvalidInput) {
        throw new InvalidInputError(inputIssues(cause.details?.[0]) ?? [{ field: '(root)', rule: cause.message }]);
      }
      if (err.cause?.constructor.name === 'TimeoutFailure') {
        throw new UnavailableError(`dry run did not finish within ${timeoutMs} ms; is a worker polling task queue ${options.taskQueue ?? TASK_QUEUE}?`);
      }
      throw new UnavailableError(`dry run failed: ${errorMessage(cause ?? err)}`);
    }
    throw err;
  }
}

// ---- helpers --------------------------------------------------------------------------------------

/** Describes the workflow and checks it is a recovery; the handle is pinned to the described run. */
export async function describeRecovery(client: Client, id: string): Promise<{ handle: WorkflowHandle; description: WorkflowExecutionDescription }> {
  const { description } = await describeWorkflowOfType(client, id, RECOVER_APP_WORKFLOW, 'recovery');
  return { handle: client.workflow.getHandle(description.workflowId, description.runId), description };
}

function baseView(d: WorkflowExecutionDescription): RecoveryView {
  const sa = d.typedSearchAttributes;
  const view: RecoveryView = {
    workflowId: d.workflowId,
    runId: d.runId,
    status: statusName(d.status.name),
    startedAt: d.startTime.toISOString(),
    taskQueue: d.taskQueue,
    backupFileIds: sa.get(SA_BACKUP_FILE_IDS) ?? [],
  };
  if (d.closeTime) view.closedAt = d.closeTime.toISOString();
  const phase = sa.get(SA_PHASE);
  const outcome = sa.get(SA_OUTCOME);
  if (phase) view.phase = phase;
  if (outcome) view.outcome = outcome;
  return view;
}

/** Search-attribute counters of a listed run (no query: listing must stay one visibility call). */
export function counters(sa: TypedSearchAttributes): { targets?: number; verified?: number; failed?: number } {
  const out: { targets?: number; verified?: number; failed?: number } = {};
  const targets = sa.get(SA_TARGETS);
  const verified = sa.get(SA_VERIFIED);
  const failed = sa.get(SA_FAILED);
  if (targets !== undefined) out.targets = targets;
  if (verified !== undefined) out.verified = verified;
  if (failed !== undefined) out.failed = failed;
  return out;
}

export function statusName(name: string): RunStatus {
  switch (name) {
    case 'RUNNING':
      return 'Running';
    case 'COMPLETED':
      return 'Completed';
    case 'FAILED':
      return 'Failed';
    case 'CANCELLED':
      return 'Canceled';
    case 'TERMINATED':
      return 'Terminated';
    case 'CONTINUED_AS_NEW':
      return 'ContinuedAsNew';
    case 'TIMED_OUT':
      return 'TimedOut';
    default:
      return 'Unknown';
  }
}

function assertOpen(d: WorkflowExecutionDescription): void {
  const status = statusName(d.status.name);
  if (status !== 'Running') throw new ConflictError(`recovery ${d.workflowId} is already closed (${status})`);
}

async function runUpdate<R>(client: Client, id: string, send: (handle: WorkflowHandle) => Promise<R>): Promise<R> {
  const { handle, description } = await describeRecovery(client, id);
  assertOpen(description);
  return sendUpdate(client, { handle, description, noun: 'recovery' }, send);
}

function summarize(backupFileIds: string[], targets: number): string {
  const backups = backupFileIds.length === 1 ? backupFileIds[0] : `${backupFileIds.length} backups`;
  return `Recover ${backups} onto ${targets} instance${targets === 1 ? '' : 's'}`;
}

/** Stable hash of the validated plan (keys sorted) so equal requests match whatever their key order. */
function fingerprint(plan: RecoverAppPlan): string {
  return createHash('sha256').update(canonicalJson(plan)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
