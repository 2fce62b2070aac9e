// Before a retry attempt: RecoverApp needs RUNNING. A recovery task that failed leaves its instance in
// RECOVER_FAILED (or, on some clouds, RUNNING: then nothing is done), from which Start is allowed, so
// such instances are started and awaited here. Instances in a status they leave by themselves, or in a
// status the product does not know, are waited for (bounded) and never started or treated as RUNNING;
// instances stopped or gone are not sent RecoverApp at all. Every step looks at the instance status
// first, which makes the whole thing safe to repeat after an activity retry: an instance that an earlier
// (lost) Start already moved to STARTING or RUNNING is only waited for, never started again.
import { log } from '@temporalio/activity';
import { INSTANCE_READY, isEcpError, isKnownInstanceStatus, isRefusal, MAX_INSTANCES_PER_CALL, type EcpError } from '../ecp';
import type { Verdict } from './contract';
import { chunk } from '../../workflows/collections';
import { sleepWithHeartbeat, workflowIdOf } from '../activity-context';
import { withThrottleRetry } from '../vendor-calls';
import type { RecoveryDeps } from './deps';
import { describeStatus, instanceCondition, needsRestart } from './observed-state';
import { readInstanceStatuses } from './observe';

export interface RestartWaitOptions {
  /** How long instances may take to reach RUNNING (a real start takes tens of seconds). */
  timeoutMs: number;
  /** First status check; doubles up to pollMaxMs. */
  pollMinMs: number;
  pollMaxMs: number;
}

export const RESTART_WAIT: RestartWaitOptions = { timeoutMs: 5 * 60_000, pollMinMs: 100, pollMaxMs: 5_000 };

const MAX_AMBIGUOUS_STARTS = 3;

export type RestartRejection = { instanceId: string } & Verdict;

export interface RestartResult {
  /** Instances to go on with: RUNNING (again). */
  proceed: string[];
  rejected: RestartRejection[];
}

/**
 * Brings the instances among `ids` that a failed recovery left RECOVER_FAILED back to RUNNING, waits
 * (bounded) for those in a passing or unknown status, and refuses the rest naming their raw status.
 * `beat` must heartbeat the caller's checkpoint; it is called while waiting.
 */
export async function restartRecoverFailed(
  deps: Pick<RecoveryDeps, 'ecp' | 'throttleBackoff' | 'now'>,
  ids: readonly string[],
  beat: () => void,
  wait: RestartWaitOptions = RESTART_WAIT,
): Promise<RestartResult> {
  if (ids.length === 0) return { proceed: [], rejected: [] };
  const wf = workflowIdOf();
  const describe = (which: readonly string[]) => readInstanceStatuses(deps, which, beat);

  const before = await describe(ids);
  // Everything not RUNNING is looked after here: restartable ones are started, the rest waited for or refused.
  const watched = ids.filter((id) => instanceCondition(before.get(id)) !== 'ready');
  if (watched.length === 0) return { proceed: [...ids], rejected: [] };

  /** Start refusals by instance; such an instance is not waited for if it is still not on its way. */
  const refused = new Map<string, EcpError>();
  const start = async (which: string[], ambiguousLeft = MAX_AMBIGUOUS_STARTS): Promise<void> => {
    if (which.length === 0) return;
    try {
      const res = await withThrottleRetry(deps, 'StartAndroidInstance', () => deps.ecp.startAndroidInstances(which), beat);
      log.info('started instances left RECOVER_FAILED by a failed recovery', {
        workflowId: wf,
        requestId: res.requestId,
        instances: which.length,
      });
    } catch (err) {
      if (!isEcpError(err)) throw err;
      if (err.kind === 'transient' || (err.kind === 'unknown' && err.mayHaveSucceeded)) {
        if (ambiguousLeft <= 0) throw err;
        log.warn('StartAndroidInstance outcome unknown; checking status before starting again', {
          workflowId: wf,
          code: err.code,
          requestId: err.requestId,
        });
        await sleepWithHeartbeat(deps.throttleBackoff.initialMs, beat);
        const now = await describe(which);
        return start(
          which.filter((id) => needsRestart(now.get(id))),
          ambiguousLeft - 1,
        );
      }
      if (isRefusal(err)) {
        if (which.length === 1) {
          refused.set(which[0], err);
          return;
        }
        // One instance changed state since we looked (or is unknown): start the rest one by one.
        for (const id of which) await start([id], ambiguousLeft);
        return;
      }
      throw err; // auth and the rest fail the activity, as RecoverApp's do
    }
  };
  const started = new Set<string>();
  const startNeeded = async (statuses: Map<string, string>, which: readonly string[]): Promise<void> => {
    const due = which.filter((id) => needsRestart(statuses.get(id)) && !started.has(id) && !refused.has(id));
    for (const id of due) started.add(id);
    for (const c of chunk(due, MAX_INSTANCES_PER_CALL)) await start(c);
  };
  await startNeeded(before, watched);

  // Wait for RUNNING. An instance waits while its status is one it leaves by itself or one the product
  // does not know; it is given up at once when stopped, gone, or its Start was refused.
  const last = new Map(watched.map((id) => [id, before.get(id)]));
  const failed = new Map<string, string | undefined>();
  let waiting = new Set<string>();
  for (const id of watched) {
    const condition = instanceCondition(before.get(id));
    if (condition === 'stopped' || condition === 'gone') failed.set(id, before.get(id));
    else waiting.add(id);
  }
  const deadline = deps.now() + wait.timeoutMs;
  for (let delay = wait.pollMinMs; waiting.size > 0; delay = Math.min(wait.pollMaxMs, delay * 2)) {
    const left = deadline - deps.now();
    if (left <= 0) break;
    await sleepWithHeartbeat(Math.min(delay, left), beat);
    const now = await describe([...waiting]);
    await startNeeded(now, [...waiting]); // e.g. a recovery that was still ending when we first looked
    const next = new Set<string>();
    for (const id of waiting) {
      const status = now.get(id);
      last.set(id, status);
      const condition = instanceCondition(status);
      if (condition === 'ready') continue;
      const onItsWay = condition === 'settling' || condition === 'unknown' || (condition === 'restartable' && !refused.has(id));
      if (onItsWay) next.add(id);
      else failed.set(id, status);
    }
    waiting = next;
  }
  for (const id of waiting) failed.set(id, last.get(id));

  const rejected: RestartRejection[] = [...failed].map(([instanceId, rawStatus]) => {
    const status = describeStatus(rawStatus, isKnownInstanceStatus);
    const refusal = refused.get(instanceId);
    if (!started.has(instanceId)) {
      const why = waiting.has(instanceId)
        ? `it was not RUNNING within ${Math.round(wait.timeoutMs / 1000)} s`
        : 'only an operator can bring it back';
      return {
        instanceId,
        ok: false,
        reason: 'RecoverRejected',
        message: `RecoverApp not sent to ${instanceId}: it is ${status}, not RUNNING; ${why}`,
        evidence: { detail: 'NotRunningBeforeRetry', expected: INSTANCE_READY, found: rawStatus ?? 'gone' },
      };
    }
    const why = refusal
      ? `StartAndroidInstance was refused (${refusal.code}: ${refusal.vendorMessage})`
      : waiting.has(instanceId)
        ? `it was not RUNNING within ${Math.round(wait.timeoutMs / 1000)} s of StartAndroidInstance`
        : 'it left STARTING for another status';
    return {
      instanceId,
      ok: false,
      reason: 'RecoverRejected',
      message: `${instanceId} did not return to RUNNING after its failed recovery (status ${status}): ${why}`,
      evidence: { detail: 'NotRunningAfterRestart', expected: INSTANCE_READY, found: rawStatus ?? 'gone' },
    };
  });
  if (rejected.length > 0)
    log.warn('instances did not return to RUNNING before the next recovery attempt', {
      workflowId: wf,
      instances: rejected.map((r) => r.instanceId),
    });
  return { proceed: ids.filter((id) => !failed.has(id)), rejected };
}
