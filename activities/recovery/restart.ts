// Before a retry attempt: a recovery task that failed leaves its instance in RECOVER_FAILED, and the
// vendor refuses RecoverApp on anything not RUNNING (docs/vendor-facts.md). Start is allowed from
// RECOVER_FAILED, so such instances are started and awaited here. Every step looks at the instance
// status first, which makes the whole thing safe to repeat after an activity retry: an instance that an
// earlier (lost) Start already moved to STARTING or RUNNING is only waited for, never started again.
import { log } from '@temporalio/activity';
import { describeInstancesByIds, isEcpError, MAX_INSTANCES_PER_CALL, type AndroidInstance, type EcpError } from '../ecp';
import type { Verdict } from './contract';
import { chunk } from '../../workflows/collections';
import { sleepWithHeartbeat, workflowIdOf } from '../activity-context';
import { withThrottleRetry } from '../vendor-calls';
import type { RecoveryDeps } from './deps';

export interface RestartWaitOptions {
  /** How long started instances may take to reach RUNNING (a real start takes tens of seconds). */
  timeoutMs: number;
  /** First status check after Start; doubles up to pollMaxMs. */
  pollMinMs: number;
  pollMaxMs: number;
}

export const RESTART_WAIT: RestartWaitOptions = { timeoutMs: 5 * 60_000, pollMinMs: 100, pollMaxMs: 5_000 };

/** The failed recovery's status, from which Start is allowed. */
const RESTARTABLE = 'RECOVER_FAILED';
/** Statuses from which an instance may still reach RUNNING on its own after our Start. */
const ON_THE_WAY = new Set(['STARTING', RESTARTABLE]);

const MAX_AMBIGUOUS_STARTS = 3;

export type RestartRejection = { instanceId: string } & Verdict;

export interface RestartResult {
  /** Instances to go on with: RUNNING again, or in a state this step leaves to RecoverApp's own checks. */
  proceed: string[];
  rejected: RestartRejection[];
}

/**
 * Brings the RECOVER_FAILED instances among `ids` back to RUNNING. `beat` must heartbeat the caller's
 * checkpoint; it is called while waiting. Unknown instances and other states pass through untouched.
 */
export async function restartRecoverFailed(
  deps: Pick<RecoveryDeps, 'ecp' | 'throttleBackoff' | 'now'>,
  ids: readonly string[],
  beat: () => void,
  wait: RestartWaitOptions = RESTART_WAIT,
): Promise<RestartResult> {
  if (ids.length === 0) return { proceed: [], rejected: [] };
  const wf = workflowIdOf();
  const describe = async (which: readonly string[]): Promise<Map<string, AndroidInstance>> => {
    const out = new Map<string, AndroidInstance>();
    for (const c of chunk(which, MAX_INSTANCES_PER_CALL)) {
      const found = await withThrottleRetry(deps, 'DescribeAndroidInstances', () => describeInstancesByIds(deps.ecp, c), beat);
      for (const i of found) out.set(i.instanceId, i);
    }
    return out;
  };

  const before = await describe(ids);
  const watched = ids.filter((id) => {
    const s = before.get(id)?.status;
    return s !== undefined && ON_THE_WAY.has(s); // STARTING: a Start of an earlier activity attempt landed
  });
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
      if (err.kind === 'transient' || err.kind === 'unknown') {
        if (ambiguousLeft <= 0) throw err;
        log.warn('StartAndroidInstance outcome unknown; checking status before starting again', {
          workflowId: wf,
          code: err.code,
          requestId: err.requestId,
        });
        await sleepWithHeartbeat(deps.throttleBackoff.initialMs, beat);
        const now = await describe(which);
        return start(
          which.filter((id) => now.get(id)?.status === RESTARTABLE),
          ambiguousLeft - 1,
        );
      }
      if (err.kind === 'invalid' || err.kind === 'notFound') {
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
  for (const c of chunk(
    watched.filter((id) => before.get(id)?.status === RESTARTABLE),
    MAX_INSTANCES_PER_CALL,
  ))
    await start(c);

  // Wait for RUNNING; give up early on an instance that went somewhere else or whose Start was refused.
  const last = new Map(watched.map((id) => [id, before.get(id)?.status ?? 'unknown']));
  const failed = new Map<string, string>();
  let waiting = new Set(watched);
  const deadline = deps.now() + wait.timeoutMs;
  for (let delay = wait.pollMinMs; waiting.size > 0; delay = Math.min(wait.pollMaxMs, delay * 2)) {
    const left = deadline - deps.now();
    if (left <= 0) break;
    await sleepWithHeartbeat(Math.min(delay, left), beat);
    const now = await describe([...waiting]);
    const next = new Set<string>();
    for (const id of waiting) {
      const status = now.get(id)?.status ?? 'unknown';
      last.set(id, status);
      if (status === 'RUNNING') continue;
      if (status === 'STARTING' || (status === RESTARTABLE && !refused.has(id))) next.add(id);
      else failed.set(id, status);
    }
    waiting = next;
  }
  for (const id of waiting) failed.set(id, last.get(id) ?? 'unknown');

  const rejected: RestartRejection[] = [...failed].map(([instanceId, status]) => {
    const refusal = refused.get(instanceId);
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
      evidence: { detail: 'NotRunningAfterRestart', expected: 'RUNNING', found: status },
    };
  });
  if (rejected.length > 0)
    log.warn('instances did not return to RUNNING before the next recovery attempt', {
      workflowId: wf,
      instances: rejected.map((r) => r.instanceId),
    });
  return { proceed: ids.filter((id) => !failed.has(id)), rejected };
}
