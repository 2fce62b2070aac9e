// How every activity calls the vendor: through a rate-limited view of the client (one bucket per action
// for the whole worker, docs/design.md invariant 9), and with throttled replies retried inside the
// activity, because a throttled call was not applied.
import { log } from '@temporalio/activity';
import { isEcpError, type EcpClient } from './ecp';
import type { RateLimiter } from './rate-limit';
import { sleepWithHeartbeat, waitBeating, workflowIdOf } from './activity-context';

const ACTION_OF: Record<keyof EcpClient, string> = {
  recoverApp: 'RecoverApp',
  backupApp: 'BackupApp',
  describeBackupFiles: 'DescribeBackupFiles',
  deleteBackupFiles: 'DeleteBackupFile',
  describeTasks: 'DescribeTasks',
  describeAndroidInstances: 'DescribeAndroidInstances',
  runCommand: 'RunCommand',
  describeInvocations: 'DescribeInvocations',
  startAndroidInstances: 'StartAndroidInstance',
  stopAndroidInstances: 'StopAndroidInstance',
};

/** Every vendor action the product calls (what a shared budget grants shares of). */
export const VENDOR_ACTIONS: readonly string[] = Object.values(ACTION_OF);

/** Every call takes a token from the shared per-action bucket first and reports throttling back. */
export function rateLimitedClient(ecp: EcpClient, limiter: RateLimiter): EcpClient {
  const wrap = <K extends keyof EcpClient>(key: K): EcpClient[K] => {
    const action = ACTION_OF[key];
    const fn = ecp[key] as (...args: unknown[]) => Promise<unknown>;
    return (async (...args: unknown[]) => {
      // The token may take a while: keep the activity's heartbeat alive, and never send for an attempt the
      // server has already given up on.
      await waitBeating(limiter.acquire(action));
      try {
        const out = await fn.apply(ecp, args);
        limiter.onSuccess(action);
        return out;
      } catch (err) {
        if (isEcpError(err) && err.kind === 'throttled') limiter.onThrottled(action);
        throw err;
      }
    }) as EcpClient[K];
  };
  const out = {} as Record<keyof EcpClient, unknown>;
  for (const key of Object.keys(ACTION_OF) as (keyof EcpClient)[]) out[key] = wrap(key);
  return out as EcpClient;
}

export interface ThrottleBackoff {
  initialMs: number;
  maxMs: number;
}

/**
 * Runs a vendor call, retrying throttled replies (which were not applied) with exponential backoff
 * inside the activity. `beat` keeps heartbeats (with the caller's current details) flowing while we wait.
 */
export async function withThrottleRetry<T>(
  deps: { throttleBackoff: ThrottleBackoff },
  what: string,
  call: () => Promise<T>,
  beat: () => void,
  onThrottled?: () => void,
): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await call();
    } catch (err) {
      if (!(isEcpError(err) && err.kind === 'throttled')) throw err;
      onThrottled?.();
      const base = Math.min(deps.throttleBackoff.maxMs, deps.throttleBackoff.initialMs * 2 ** Math.min(n, 20));
      const delay = Math.round(base / 2 + Math.random() * (base / 2));
      log.info('vendor throttled the call; backing off', {
        workflowId: workflowIdOf(),
        call: what,
        requestId: err.requestId,
        delayMs: delay,
      });
      beat();
      await sleepWithHeartbeat(delay, beat);
    }
  }
}
