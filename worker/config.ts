// Worker configuration: environment variables over an optional JSON file over defaults, validated with
// zod so a bad value stops the worker at start with the field and the rule, not at the first recovery.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { customChecksSchema, DEFAULT_VENDOR_QPS, parseCustomChecks, type CustomChecks } from '../activities';
import { TASK_QUEUE } from '../workflows/types';

const qps = z.number().positive().max(1000);
/** The server joins deployment name and build ID with a dot into the version string: no dot in the name. */
const deploymentName = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'must be letters, digits, _ and - (no dots), starting with a letter or digit');
const buildId = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, 'must be letters, digits, . _ + and -, starting with a letter or digit');

export const workerConfigSchema = z.strictObject({
  temporalAddress: z
    .string()
    .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'must be host:port')
    .default('127.0.0.1:7233'),
  namespace: z.string().min(1).default('default'),
  taskQueue: z.string().min(1).max(200).default(TASK_QUEUE),
  /** Named verification commands callers may request via verification.customChecks. */
  customChecks: customChecksSchema.default({}),
  /**
   * `shared`: vendorQps is the account's limit in this region, divided among every worker of the task
   * queue (the vendorBudget workflow). `local`: this process alone may use vendorQps (one worker only).
   */
  vendorBudget: z.enum(['shared', 'local']).default('shared'),
  /** Vendor requests per second per action, for actions not listed in vendorQpsPerAction. */
  vendorQps: qps.default(DEFAULT_VENDOR_QPS),
  vendorQpsPerAction: z.record(z.string().regex(/^[A-Z][A-Za-z]+$/, 'must be an API action like RunCommand'), qps).default({}),
  /** Activities this worker runs at once (each may make several vendor calls). */
  maxConcurrentActivityTaskExecutions: z.number().int().min(1).max(1000).default(50),
  /** Parallel vendor calls inside one activity. */
  activityConcurrency: z.number().int().min(1).max(64).default(4),
  /** How long running activities get to finish on SIGTERM before they are cancelled. */
  shutdownGraceTimeMs: z.number().int().min(0).max(600_000).default(10_000),
  /** Prebuilt workflow bundle (`npm run bundle`): the worker skips webpack, starting faster and smaller. */
  workflowBundlePath: z.string().min(1).optional(),
  /**
   * Worker Deployments (docs/versioning.md): `on` registers this worker as version `buildId` of
   * `deploymentName`, so runs stay on the build that started them. `off` (default) is an unversioned
   * worker: nothing to do at deploy time, upgrades rely on patched() alone.
   */
  workerVersioning: z.enum(['on', 'off']).default('off'),
  /** Worker Deployment name (default cloudphone-recovery); only with workerVersioning on. */
  deploymentName: deploymentName.optional(),
  /** This release's build ID (default: a hash of the workflow bundle); only with workerVersioning on. */
  buildId: buildId.optional(),
  /** Seconds one visibility census of the per-phase gauges is reused (worker/phase-census.ts); 0 turns them off. */
  phaseMetricsRefreshS: z.number().int().min(0).max(3600).default(30),
}).superRefine((config, ctx) => {
  if (config.workerVersioning === 'on') return;
  for (const key of ['deploymentName', 'buildId'] as const) {
    if (config[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'is only used with workerVersioning on (CPR_WORKER_VERSIONING=on)' });
  }
});

export type WorkerConfig = z.output<typeof workerConfigSchema>;
export type WorkerConfigInput = z.input<typeof workerConfigSchema>;

export class WorkerConfigError extends Error {
  override readonly name = 'WorkerConfigError';
}

type Env = Record<string, string | undefined>;

/**
 * Reads CPR_WORKER_CONFIG_FILE (JSON with any WorkerConfig field), then CPR_TEMPORAL_ADDRESS,
 * CPR_TEMPORAL_NAMESPACE, CPR_TASK_QUEUE, CPR_CUSTOM_CHECKS_FILE (JSON object of checks),
 * CPR_VENDOR_QPS (`10` or `10,RunCommand=5,RecoverApp=2`), CPR_VENDOR_BUDGET (`shared` | `local`), CPR_MAX_CONCURRENT_ACTIVITIES,
 * CPR_ACTIVITY_CONCURRENCY, CPR_SHUTDOWN_GRACE_MS, CPR_WORKFLOW_BUNDLE, CPR_PHASE_METRICS_REFRESH_S, and the Worker
 * Deployment settings CPR_WORKER_VERSIONING (on|off), CPR_DEPLOYMENT_NAME and CPR_BUILD_ID.
 */
export function loadWorkerConfig(
  env: Env = process.env,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): WorkerConfig {
  const fromFile = env.CPR_WORKER_CONFIG_FILE ? readJson(readFile, env.CPR_WORKER_CONFIG_FILE, 'CPR_WORKER_CONFIG_FILE') : {};
  if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) {
    throw new WorkerConfigError('CPR_WORKER_CONFIG_FILE: must contain a JSON object');
  }
  const raw: Record<string, unknown> = { ...fromFile };
  const set = (key: keyof WorkerConfigInput, value: unknown) => {
    if (value !== undefined && value !== '') raw[key] = value;
  };
  set('temporalAddress', env.CPR_TEMPORAL_ADDRESS);
  set('namespace', env.CPR_TEMPORAL_NAMESPACE);
  set('taskQueue', env.CPR_TASK_QUEUE);
  if (env.CPR_CUSTOM_CHECKS_FILE) set('customChecks', readJson(readFile, env.CPR_CUSTOM_CHECKS_FILE, 'CPR_CUSTOM_CHECKS_FILE'));
  if (env.CPR_VENDOR_QPS) Object.assign(raw, parseQps(env.CPR_VENDOR_QPS));
  set('vendorBudget', env.CPR_VENDOR_BUDGET);
  set('maxConcurrentActivityTaskExecutions', numberOrText(env.CPR_MAX_CONCURRENT_ACTIVITIES));
  set('activityConcurrency', numberOrText(env.CPR_ACTIVITY_CONCURRENCY));
  set('shutdownGraceTimeMs', numberOrText(env.CPR_SHUTDOWN_GRACE_MS));
  set('workflowBundlePath', env.CPR_WORKFLOW_BUNDLE);
  set('workerVersioning', env.CPR_WORKER_VERSIONING);
  set('deploymentName', env.CPR_DEPLOYMENT_NAME);
  set('buildId', env.CPR_BUILD_ID);
  set('phaseMetricsRefreshS', numberOrText(env.CPR_PHASE_METRICS_REFRESH_S));

  const parsed = workerConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`);
    throw new WorkerConfigError(`invalid worker configuration: ${problems.join('; ')}`);
  }
  // The custom-check parser applies the command-safety rules beyond the schema's shape.
  let customChecks: CustomChecks;
  try {
    customChecks = parseCustomChecks(parsed.data.customChecks);
  } catch (err) {
    throw new WorkerConfigError(`invalid worker configuration: customChecks: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { ...parsed.data, customChecks };
}

function readJson(readFile: (path: string) => string, path: string, variable: string): unknown {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    throw new WorkerConfigError(`${variable}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new WorkerConfigError(`${variable}: ${path} is not valid JSON`);
  }
}

function numberOrText(value: string | undefined): unknown {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : value; // let the schema name the rule for text
}

/** `10` → default 10; `10,RunCommand=5` → default 10 and RunCommand 5; `RunCommand=5` → only the override. */
export function parseQps(text: string): { vendorQps?: unknown; vendorQpsPerAction?: Record<string, unknown> } {
  const out: { vendorQps?: unknown; vendorQpsPerAction?: Record<string, unknown> } = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq < 0) out.vendorQps = numberOrText(part);
    else (out.vendorQpsPerAction ??= {})[part.slice(0, eq).trim()] = numberOrText(part.slice(eq + 1));
  }
  return out;
}
