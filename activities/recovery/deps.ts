// What every recovery activity is given by createRecoveryActivities.
import type { EcpClient } from '../ecp';
import type { CustomChecks } from '../commands/custom-checks';
import type { RateLimiter } from '../rate-limit';
import type { ThrottleBackoff } from '../vendor-calls';

export interface RecoveryDeps {
  /** Already rate-limited (see rateLimitedClient); the raw client must not be used directly. */
  ecp: EcpClient;
  limiter: RateLimiter;
  customChecks: CustomChecks;
  /** Parallel vendor calls inside one activity when the request does not say. */
  concurrency: number;
  throttleBackoff: ThrottleBackoff;
  /** Injected for tests; wall clock otherwise. */
  now: () => number;
}
