// Checks the worker's vendor rate limits (CPR_VENDOR_QPS, worker/config.ts) the way the worker reads
// them. The vendor publishes no eds-aic QPS limits (docs/vendor-facts.md, `rate-limits`), so this can
// only catch the implausible: a typo in an action name, a rate so high it invites throttling storms,
// or so low a large run crawls.
import { ECP_ACTIONS } from '../../activities/ecp';
import { loadWorkerConfig } from '../../worker/config';
import type { DoctorCheck } from './report';

/** Per action per worker process; throttling replies are retried, but a storm of them wastes the window. */
export const QPS_WARN_ABOVE = 50;
/** Below this a 1,000-target run spends minutes on its polls alone. */
export const QPS_WARN_BELOW = 0.5;

const known = new Set<string>(ECP_ACTIONS);

export function checkRateLimits(env: Record<string, string | undefined>): DoctorCheck {
  let vendorQps: number;
  let perAction: Record<string, number>;
  try {
    const config = loadWorkerConfig(env);
    vendorQps = config.vendorQps;
    perAction = config.vendorQpsPerAction;
  } catch (err) {
    return { id: 'rate-limits', level: 'block', summary: err instanceof Error ? err.message : String(err) };
  }
  const problems: string[] = [];
  const unknownActions = Object.keys(perAction).filter((a) => !known.has(a));
  if (unknownActions.length > 0)
    problems.push(`CPR_VENDOR_QPS names actions the product never calls (ignored): ${unknownActions.join(', ')}`);
  const rates: [string, number][] = [['default', vendorQps], ...Object.entries(perAction)];
  const high = rates.filter(([, q]) => q > QPS_WARN_ABOVE).map(([a, q]) => `${a}=${q}`);
  const low = rates.filter(([, q]) => q < QPS_WARN_BELOW).map(([a, q]) => `${a}=${q}`);
  if (high.length > 0) problems.push(`above ${QPS_WARN_ABOVE}/s per worker, likely to be throttled: ${high.join(', ')}`);
  if (low.length > 0) problems.push(`below ${QPS_WARN_BELOW}/s, large runs will crawl: ${low.join(', ')}`);
  const overrides = Object.entries(perAction).map(([a, q]) => `${a}=${q}`);
  const configured = `${vendorQps}/s per action per worker${overrides.length ? ` (${overrides.join(', ')})` : ''}; each worker process paces itself, so N workers send up to N times this`;
  if (problems.length > 0) return { id: 'rate-limits', level: 'warn', summary: `${problems.join('; ')}. Configured: ${configured}` };
  return { id: 'rate-limits', level: 'ok', summary: configured };
}
