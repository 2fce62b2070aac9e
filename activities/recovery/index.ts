// The recovery activities as Temporal registers them. Each vendor error leaves as a typed
// ApplicationFailure (activity-failures.ts, types in workflows/failures.ts); unsafe command input as UnsafeCommandInput.
import type { EcpClient } from '../ecp';
import type { CustomChecks } from '../commands/custom-checks';
import type { RateLimiter } from '../rate-limit';
import type { RecoveryActivities } from './contract';
import { pollTasks } from './poll';
import { preflight } from './preflight';
import { releaseBackups } from './release';
import { snapshotApps } from './snapshot';
import { submitRecoveries } from './submit';
import { verifyTargets } from './verify';
import { asActivity } from '../activity-failures';
import { rateLimitedClient } from '../vendor-calls';
import type { RecoveryDeps } from './deps';

export interface RecoveryActivityDeps {
  /** The raw vendor client (createEcpClient); it is wrapped with the rate limiter here. */
  ecp: EcpClient;
  /** Validated worker configuration (parseCustomChecks). */
  customChecks: CustomChecks;
  /** Shared per-process limiter (the worker builds it from its vendorQps configuration). */
  rateLimiter: RateLimiter;
  /** Parallel vendor calls inside one activity (default 4). */
  concurrency?: number;
  /** Backoff for throttled calls retried inside an activity (default 200 ms doubling to 10 s). */
  throttleBackoff?: { initialMs: number; maxMs: number };
}

export function createRecoveryActivities(input: RecoveryActivityDeps): RecoveryActivities {
  const limiter = input.rateLimiter;
  const deps: RecoveryDeps = {
    ecp: rateLimitedClient(input.ecp, limiter),
    limiter,
    customChecks: input.customChecks,
    concurrency: input.concurrency ?? 4,
    throttleBackoff: input.throttleBackoff ?? { initialMs: 200, maxMs: 10_000 },
    now: () => Date.now(),
  };
  return {
    preflight: (req) => asActivity(() => preflight(deps, req)),
    snapshotApps: (req) => asActivity(() => snapshotApps(deps, req)),
    submitRecoveries: (req) => asActivity(() => submitRecoveries(deps, req)),
    pollTasks: (req) => asActivity(() => pollTasks(deps, req)),
    verifyTargets: (req) => asActivity(() => verifyTargets(deps, req)),
    releaseBackups: (req) => asActivity(() => releaseBackups(deps, req)),
  };
}
