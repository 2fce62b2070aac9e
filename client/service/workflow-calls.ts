// How operator actions talk to a running workflow, shared by recoveries and migrations: updates with a
// deadline and typed errors, and a workflow failure described in one line.
import {
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../../workflows/failures';
import type { InputIssue } from '../../workflows/input';
import { ConflictError, NotFoundError, UnavailableError } from './errors';
import { checkWorkflowId } from './ids';

/**
 * Describes a workflow and checks its type: to operators, a workflow of another type is "not found".
 * The handle carries no run ID, so it follows the workflow across continue-as-new.
 */
export async function describeWorkflowOfType(
  client: Client,
  id: string,
  workflowType: string,
  noun: 'recovery' | 'migration',
): Promise<{ handle: WorkflowHandle; description: WorkflowExecutionDescription }> {
  const workflowId = checkWorkflowId(id);
  const handle = client.workflow.getHandle(workflowId);
  let description: WorkflowExecutionDescription;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new NotFoundError(noun, workflowId);
    throw err;
  }
  if (description.type !== workflowType) throw new NotFoundError(noun, workflowId);
  return { handle, description };
}

/** How long a progress query may wait for a worker before the view reports progress as unavailable. */
export const QUERY_DEADLINE_MS = 5_000;

/** How long an update may wait for a worker to accept it before the caller hears "unavailable". */
export const UPDATE_DEADLINE_MS = 30_000;

/**
 * Sends an update to a workflow already described as running. Validator rejections and runs that closed
 * meanwhile become ConflictError; no worker within the deadline becomes UnavailableError.
 */
export async function sendUpdate<R>(
  client: Client,
  target: { handle: WorkflowHandle; description: WorkflowExecutionDescription; noun: 'recovery' | 'migration' },
  send: (handle: WorkflowHandle) => Promise<R>,
): Promise<R> {
  const { handle, description, noun } = target;
  try {
    return await client.withDeadline(Date.now() + UPDATE_DEADLINE_MS, () => send(handle));
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new ConflictError(errorMessage(err.cause ?? err));
    // Closed between describe and update.
    if (err instanceof WorkflowNotFoundError) throw new ConflictError(`${noun} ${description.workflowId} is already closed`);
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
      throw new UnavailableError(`no worker accepted the request within ${UPDATE_DEADLINE_MS / 1000} s; is a worker polling task queue ${description.taskQueue}?`);
    }
    throw err;
  }
}

/** Why a run ended without a result; a run that rejected its input names each field and rule. */
export interface RunFailure {
  message: string;
  type?: string;
  /** Present when the workflow rejected its input (type InvalidInput). */
  issues?: InputIssue[];
}

export function describeFailure(err: unknown): RunFailure {
  if (err instanceof WorkflowFailedError) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure) {
      const issues = cause.type === FailureType.InvalidInput ? inputIssues(cause.details?.[0]) : undefined;
      return { message: cause.message, ...(cause.type ? { type: cause.type } : {}), ...(issues ? { issues } : {}) };
    }
    if (cause) return { message: cause.message, type: cause.constructor.name.replace(/Failure$/, '') };
    return { message: err.message };
  }
  return { message: errorMessage(err) };
}

/** The issues an InvalidInput failure carries as its first detail (workflows/failures.ts). */
export function inputIssues(detail: unknown): InputIssue[] | undefined {
  if (!Array.isArray(detail)) return undefined;
  const issues = detail.filter((i): i is InputIssue => !!i && typeof i === 'object' && typeof i.field === 'string' && typeof i.rule === 'string');
  return issues.length ? issues.map(({ field, rule }) => ({ field, rule })) : undefined;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
