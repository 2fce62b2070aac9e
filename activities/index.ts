// Everything the worker registers. `createActivities(deps)` returns plain async functions; workflows
// proxy them with `proxyActivities<Activities>` (import type only; ReturnType<typeof createActivities> picks the last overload).
import type { EcpClient } from './ecp';
import type { CustomChecks } from './commands/custom-checks';
import type { RateLimiter } from './rate-limit';
import type { LeaseActivities, RecoveryActivities } from './recovery/contract';
import { createRecoveryActivities } from './recovery';
import { parseCustomChecks } from './commands/custom-checks';

export interface ActivityDeps {
  /** Typed Cloud Phone client (createEcpClient(loadEcpConfig(...))). */
  ecp: EcpClient;
  /** From worker configuration, validated with parseCustomChecks at worker start. */
  customChecks: CustomChecks;
  /** Lease activities (added by the lease helper); merged in unchanged when given. */
  leases?: LeaseActivities;
  /** Shared per-process vendor rate limiter (createRateLimiter). */
  rateLimiter: RateLimiter;
  /** Parallel vendor calls inside one activity. */
  concurrency?: number;
  throttleBackoff?: { initialMs: number; maxMs: number };
}

/** What a worker with leases registers; workflows proxy this type. */
export type Activities = RecoveryActivities & LeaseActivities;

export function createActivities(deps: ActivityDeps & { leases: LeaseActivities }): Activities;
export function createActivities(deps: ActivityDeps): RecoveryActivities;
export function createActivities(deps: ActivityDeps): RecoveryActivities | Activities {
  // Validated here, at worker start: a bad check definition stops the worker, not a recovery.
  const recovery = createRecoveryActivities({ ...deps, customChecks: parseCustomChecks(deps.customChecks) });
  // Lease activities are the lease helper's; they are registered as given, next to ours.
  return deps.leases ? { ...recovery, ...deps.leases } : recovery;
}

export { parseCustomChecks, customChecksSchema, CustomChecksConfigError } from './commands/custom-checks';
export type { CustomCheck, CustomChecks } from './commands/custom-checks';
export { DEFAULT_VENDOR_QPS, createRateLimiter } from './rate-limit';
export type { RateLimiter, RateLimiterOptions } from './rate-limit';
