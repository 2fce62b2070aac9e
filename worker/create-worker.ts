// Builds the product's Worker: workflows from the prebuilt or freshly bundled workflows/index.ts, and
// the recovery + lease + webhook activities wired to one vendor client and one per-process vendor rate
// limiter, which runs at the configured rates (local budget) or at this process's share of them (shared
// budget, worker/vendor-budget.ts). Everything comes in as arguments: the environment is read by the
// entry points (worker/run.ts).
import { Client } from '@temporalio/client';
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { productBundleOptions } from './workflow-bundle';
import { createActivities, createRateLimiter, type CustomChecks } from '../activities';
import { createEcpClient, type EcpClient, type EcpConfig } from '../activities/ecp';
import { createLeaseActivities, type LeaseActivitiesOptions } from '../activities/leases';
import { createWebhookActivities, type WebhookActivities } from '../activities/webhooks';
import { TASK_QUEUE } from '../workflows/types';
import { DEFAULT_VENDOR_QPS, type RateLimiter } from '../activities/rate-limit';
import { versionedDeploymentOptions, type DeploymentSettings } from './deployment';
import { NO_METRICS_SINKS } from './metrics';
import { VENDOR_ACTIONS } from '../activities/vendor-calls';
import { startVendorBudgetMember, type VendorBudgetMemberOptions } from './vendor-budget';

/** The shared budget's tuning; the budget key defaults to the vendor region. */
export type SharedBudgetOptions = Partial<Pick<VendorBudgetMemberOptions, 'budgetKey' | 'renewEveryMs' | 'ttlMs' | 'memberId' | 'workflowIdPrefix' | 'budgetInput' | 'onGrant' | 'onError'>>;

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  /** Default `cloudphone-recovery`. The lease registry workflows run on the same queue. */
  taskQueue?: string;
  /** A vendor client, or the configuration to build one (loadEcpConfig). */
  ecp: EcpClient | EcpConfig;
  customChecks?: CustomChecks;
  maxConcurrentActivityTaskExecutions?: number;
  /** Vendor requests per second: one number for every action, or a default plus per-action rates. */
  vendorQps?: number | { default: number; perAction?: Record<string, number> };
  /**
   * `local` (default here): this process alone may use vendorQps. `shared` (the default of `cpr worker`,
   * CPR_VENDOR_BUDGET): vendorQps is the account's limit, divided among every worker of the task queue
   * and budget key through the vendorBudget workflow.
   */
  vendorBudget?: 'local' | 'shared' | SharedBudgetOptions;
  /** Parallel vendor calls inside one activity. */
  activityConcurrency?: number;
  /** Prebuilt bundle (tests, fast restarts); otherwise workflows/index.ts is bundled here. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Path of a bundle written by `npm run bundle` (scripts/bundle-workflows.ts). */
  workflowBundlePath?: string;
  /** Lease registry options (tests pass a unique registryIdPrefix). */
  leases?: Omit<LeaseActivitiesOptions, 'registryTaskQueue'>;
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  /** Hooks for the observability layer (metrics sinks, logging interceptors); without them the metrics sinks do nothing. */
  sinks?: WorkerOptions['sinks'];
  /** Worker identity recorded in history; the metrics need it unique per process (worker/observed-worker.ts). */
  identity?: string;
  interceptors?: WorkerOptions['interceptors'];
  /** The webhook activities (createWebhookActivities(loadWebhookConfig(env), hooks)); default: registered, off. */
  webhooks?: WebhookActivities;
  /** Worker Deployment version of this worker (docs/versioning.md); omitted: an unversioned worker. */
  deployment?: DeploymentSettings;
}

export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const taskQueue = options.taskQueue ?? TASK_QUEUE;
  const qps = typeof options.vendorQps === 'number' ? { default: options.vendorQps } : options.vendorQps;
  const limits = { defaultQps: qps?.default ?? DEFAULT_VENDOR_QPS, perActionQps: qps?.perAction ?? {} };
  const shared = options.vendorBudget === 'shared' ? {} : options.vendorBudget === 'local' ? undefined : options.vendorBudget;
  const rateLimiter = createRateLimiter({ ...limits, awaitGrant: shared !== undefined });
  const activities = createActivities({
    ecp: toClient(options.ecp),
    customChecks: options.customChecks ?? {},
    leases: createLeaseActivities({ ...options.leases, registryTaskQueue: taskQueue }),
    rateLimiter,
    concurrency: options.activityConcurrency,
  });
  const workflowBundle =
    options.workflowBundle ??
    (options.workflowBundlePath ? { codePath: options.workflowBundlePath } : await bundleWorkflowCode(productBundleOptions()));
  const worker = await Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue,
    workflowBundle,
    // Webhook activities are always registered: the workflow asks them whether webhooks are on.
    activities: { ...(options.webhooks ?? createWebhookActivities(undefined)), ...activities },
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions,
    shutdownGraceTime: options.shutdownGraceTime,
    sinks: { ...NO_METRICS_SINKS, ...options.sinks },
    interceptors: options.interceptors,
    ...(options.identity ? { identity: options.identity } : {}),
    ...(options.deployment ? { workerDeploymentOptions: await versionedDeploymentOptions(options.deployment, workflowBundle) } : {}),
  });
  if (shared) {
    const budgetKey = shared.budgetKey ?? (isClient(options.ecp) ? 'default' : options.ecp.regionId);
    joinVendorBudget(worker, { connection: options.connection, namespace: options.namespace, taskQueue, budgetKey }, rateLimiter, limits, shared);
  }
  return worker;
}

/**
 * The member lease lives while the worker does: it leaves the budget once the worker has stopped. Also
 * used by the region lanes (worker/regions.ts), each lane a budget of its own.
 */
export function joinVendorBudget(
  worker: Worker,
  options: Pick<CreateWorkerOptions, 'connection' | 'namespace'> & { taskQueue: string; budgetKey: string },
  limiter: RateLimiter,
  limits: VendorBudgetMemberOptions['limits'],
  shared: SharedBudgetOptions,
): void {
  const member = startVendorBudgetMember({
    ...shared,
    client: new Client({ connection: options.connection, namespace: options.namespace ?? 'default' }),
    taskQueue: options.taskQueue,
    budgetKey: options.budgetKey,
    limiter,
    actions: VENDOR_ACTIONS,
    limits,
  });
  const watch = setInterval(() => {
    const state = worker.getState();
    if (state === 'STOPPED' || state === 'FAILED') {
      clearInterval(watch);
      void member.stop();
    }
  }, 1000);
  watch.unref();
}

function toClient(ecp: EcpClient | EcpConfig): EcpClient {
  return isClient(ecp) ? ecp : createEcpClient(ecp);
}

function isClient(ecp: EcpClient | EcpConfig): ecp is EcpClient {
  return typeof (ecp as Partial<EcpClient>).recoverApp === 'function';
}
