// Example: another team's workflow, on its own task queue, restores a fleet by running recoverApp as a
// child on the recovery task queue, and reacts to a partial failure by retrying once the targets whose
// failure a new attempt may fix. Only types and constants come from the library, so this bundle holds
// none of the recovery code.
import { CancellationScope, CancelledFailure, executeChild, workflowInfo } from '@temporalio/workflow';
import {
  RECOVER_APP_WORKFLOW,
  TASK_QUEUE,
  parseRecoverAppInput,
  type ReasonCode,
  type RecoverAppInput,
  type RecoverAppPlan,
  type RecoverAppWorkflow,
  type RecoveryResult,
  type RunOutcome,
} from '../index';

export interface RestoreFleetInput {
  recovery: RecoverAppInput;
  /** Where recovery workers listen; default the product's TASK_QUEUE. */
  recoveryTaskQueue?: string;
  /** Reasons worth a second run (default: vendor task failures/timeouts and busy instances). */
  retryReasons?: ReasonCode[];
}

export interface RestoreFleetResult {
  outcome: RunOutcome;
  firstRun: RunOutcome;
  verified: string[];
  /** Targets given a second run. */
  retried: string[];
  /** Targets still not verified, with why: what the owning team follows up on. */
  needsAttention: { instanceId: string; backupFileId: string; reason?: ReasonCode; message?: string }[];
  /** Backups the recovery deleted (only ever when all of their targets verified). */
  releasedBackups: string[];
}

const DEFAULT_RETRY_REASONS: ReasonCode[] = ['TaskFailed', 'TaskTimeout', 'InstanceBusy'];

export async function restoreFleet(input: RestoreFleetInput): Promise<RestoreFleetResult> {
  const parsed = parseRecoverAppInput(input.recovery);
  if (!parsed.ok) throw new Error(`invalid recovery: ${parsed.issues.map((i) => `${i.field}: ${i.rule}`).join('; ')}`);
  const plan = parsed.plan;
  const taskQueue = input.recoveryTaskQueue ?? TASK_QUEUE;
  const me = workflowInfo().workflowId;

  const first = await recover(`${me}/recover`, taskQueue, plan);
  const results = [first];
  const retryReasons = new Set(input.retryReasons ?? DEFAULT_RETRY_REASONS);
  const retry = first.outcome === 'partial' ? first.targets.filter((t) => t.status === 'failed' && t.reason && retryReasons.has(t.reason)) : [];
  if (retry.length > 0) {
    const retryIds = new Set(retry.map((t) => t.instanceId));
    const items = plan.items
      .map((item) => ({ ...item, instanceIds: item.instanceIds.filter((id) => retryIds.has(id)) }))
      .filter((item) => item.instanceIds.length > 0);
    // The retry sees only its own targets, so it would release a backup whose other targets failed for
    // good. Keep every backup unless all of its unverified targets are in the retry.
    const settledElsewhere = first.targets.some((t) => t.status !== 'verified' && !retryIds.has(t.instanceId) && items.some((i) => i.backupFileId === t.backupFileId));
    const { items: _all, ...options } = plan;
    results.push(await recover(`${me}/retry-1`, taskQueue, { ...options, items, releaseBackup: settledElsewhere ? 'never' : plan.releaseBackup }));
  }

  // Latest word per target wins (the retry's over the first run's).
  const latest = new Map(results.flatMap((r) => r.targets.map((t) => [t.instanceId, t] as const)));
  const targets = [...latest.values()];
  const verified = targets.filter((t) => t.status === 'verified').map((t) => t.instanceId);
  return {
    outcome: verified.length === targets.length ? 'succeeded' : verified.length === 0 ? 'failed' : 'partial',
    firstRun: first.outcome,
    verified,
    retried: retry.map((t) => t.instanceId),
    needsAttention: targets
      .filter((t) => t.status !== 'verified')
      .map((t) => ({ instanceId: t.instanceId, backupFileId: t.backupFileId, ...(t.reason ? { reason: t.reason } : {}), ...(t.message ? { message: t.message } : {}) })),
    releasedBackups: results.flatMap((r) => r.backups.filter((b) => b.released).map((b) => b.backupFileId)),
  };
}

async function recover(workflowId: string, taskQueue: string, plan: RecoverAppInput | RecoverAppPlan): Promise<RecoveryResult> {
  const result = await executeChild<RecoverAppWorkflow>(RECOVER_APP_WORKFLOW, {
    taskQueue,
    workflowId,
    args: [plan],
    // If this workflow is cancelled or closes, the recovery is asked to stop and clean up (leases
    // released, backups kept), and we wait until it has. Never leave the default TERMINATE: a terminated
    // parent would kill the recovery mid-run, its vendor tasks still running (docs/contract.md).
    parentClosePolicy: 'REQUEST_CANCEL',
    cancellationType: 'WAIT_CANCELLATION_COMPLETED',
  });
  // recoverApp completes normally after a cancel (with outcome 'cancelled'); this workflow was cancelled.
  if (CancellationScope.current().consideredCancelled) throw new CancelledFailure('restoreFleet cancelled');
  return result;
}
