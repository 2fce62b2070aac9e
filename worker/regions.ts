// Several regions and accounts from one worker process. CPR_REGIONS_FILE maps each region to its Cloud
// Phone endpoint, protocol, credentials profile and vendor budget; for every region (and every extra
// account profile of a region) the process runs an activity-only Worker on `<main queue>@<lane>`
// (workflows/regions.ts), with that region's client and its own rate limiter. Recovery workflows route
// an item's activities to its lane; without the file nothing changes (one endpoint, the main queue).
import { readFileSync } from 'node:fs';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { TLSConfig } from '@temporalio/client';
import { z } from 'zod';
import { createActivities, createRateLimiter, DEFAULT_VENDOR_QPS, type CustomChecks } from '../activities';
import { createEcpClient, type EcpClient, type EcpConfig, type EcpHooks } from '../activities/ecp';
import { PROFILE_NAME, REGION_ID } from '../workflows/input';
import { laneTaskQueue } from '../workflows/regions';
import { parseQps, WorkerConfigError } from './config';
import { joinVendorBudget, type SharedBudgetOptions } from './create-worker';

const qpsText = z.union([z.number().positive().max(1000), z.string().regex(/^[\w.,= ]+$/, "must look like '10' or '10,RecoverApp=5'")]);

const accountSchema = z.strictObject({
  /** Vendor budget of this account in this region: `10` or `10,RecoverApp=5` (per action). */
  vendorQps: qpsText.optional(),
});

const regionSchema = z.strictObject({
  /** `host[:port]` without scheme, e.g. eds-aic.cn-hangzhou.aliyuncs.com. */
  endpoint: z.string().regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'must be host[:port] without scheme or path'),
  protocol: z.enum(['http', 'https']).default('https'),
  /** Credentials-file profile of the region's default account; absent: the default credential chain. */
  credentialsProfile: z.string().regex(PROFILE_NAME, 'must be a profile name like prod-a').optional(),
  vendorQps: qpsText.optional(),
  /** Further accounts in this region, by credentials profile name; items pick one with credentialsProfile. */
  accounts: z.record(z.string(), accountSchema).default({}),
});

// Keys are checked here rather than with a key schema, so the error names the key and the rule.
export const regionsFileSchema = z.record(z.string(), regionSchema).superRefine((regions, ctx) => {
  if (Object.keys(regions).length === 0) ctx.addIssue({ code: 'custom', path: [], message: 'must name at least one region' });
  for (const [region, cfg] of Object.entries(regions)) {
    if (!REGION_ID.test(region)) ctx.addIssue({ code: 'custom', path: [region], message: 'must be a region ID like cn-shanghai' });
    for (const profile of Object.keys(cfg.accounts)) {
      if (!PROFILE_NAME.test(profile))
        ctx.addIssue({ code: 'custom', path: [region, 'accounts', profile], message: 'must be a profile name like prod-b' });
    }
  }
});

/** One lane the worker serves: a region with one account, its client configuration and budget. */
export interface RegionLane {
  /** `cn-hangzhou` or `cn-hangzhou/prod-b` (workflows/regions.ts laneOf). */
  lane: string;
  /** Lanes served by the same client and budget (the default account named explicitly). */
  aliases: string[];
  ecpConfig: EcpConfig;
  vendorQps: { default: number; perAction: Record<string, number> };
}

type Env = Record<string, string | undefined>;

/** Reads CPR_REGIONS_FILE; undefined when it is not set (single-endpoint worker). */
export function loadRegionLanes(
  env: Env = process.env,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
  timeouts: Pick<EcpConfig, 'connectTimeoutMs' | 'readTimeoutMs'> = { connectTimeoutMs: 10_000, readTimeoutMs: 15_000 },
): RegionLane[] | undefined {
  const path = env.CPR_REGIONS_FILE?.trim();
  if (!path) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFile(path)) as unknown;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new WorkerConfigError(`CPR_REGIONS_FILE: ${code ? `cannot read ${path}: ${code}` : `${path} is not valid JSON`}`);
  }
  return regionLanes(raw, timeouts);
}

/** Validates a regions file's content and expands it into lanes. */
export function regionLanes(raw: unknown, timeouts: Pick<EcpConfig, 'connectTimeoutMs' | 'readTimeoutMs'>): RegionLane[] {
  const parsed = regionsFileSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`);
    throw new WorkerConfigError(`invalid CPR_REGIONS_FILE: ${problems.join('; ')}`);
  }
  return Object.entries(parsed.data).flatMap(([region, cfg]) => {
    const base = { endpoint: cfg.endpoint, protocol: cfg.protocol, regionId: region, ...timeouts };
    const main: RegionLane = {
      lane: region,
      aliases: cfg.credentialsProfile ? [`${region}/${cfg.credentialsProfile}`] : [],
      ecpConfig: { ...base, ...(cfg.credentialsProfile ? { credentialsProfile: cfg.credentialsProfile } : {}) },
      vendorQps: budget(cfg.vendorQps, `${region}.vendorQps`),
    };
    const accounts = Object.entries(cfg.accounts)
      .filter(([profile]) => profile !== cfg.credentialsProfile)
      .map(([profile, account]) => ({
        lane: `${region}/${profile}`,
        aliases: [],
        ecpConfig: { ...base, credentialsProfile: profile },
        vendorQps: budget(account.vendorQps ?? cfg.vendorQps, `${region}.accounts.${profile}.vendorQps`),
      }));
    return [main, ...accounts];
  });
}

function budget(value: number | string | undefined, field: string): RegionLane['vendorQps'] {
  const parsed = typeof value === 'number' ? { vendorQps: value } : value === undefined ? {} : parseQps(value);
  const result = z
    .object({
      vendorQps: z.number().positive().max(1000).default(DEFAULT_VENDOR_QPS),
      vendorQpsPerAction: z.record(z.string(), z.number().positive().max(1000)).default({}),
    })
    .safeParse(parsed);
  if (!result.success)
    throw new WorkerConfigError(`invalid CPR_REGIONS_FILE: ${field}: must be '10' or '10,RecoverApp=5' with rates in (0, 1000]`);
  return { default: result.data.vendorQps, perAction: result.data.vendorQpsPerAction };
}

export interface RegionWorkersOptions {
  connection: NativeConnection;
  namespace: string;
  /** The main task queue (workflows run there; lanes are `<taskQueue>@<lane>`). */
  taskQueue: string;
  lanes: RegionLane[];
  customChecks?: CustomChecks;
  activityConcurrency?: number;
  maxConcurrentActivityTaskExecutions?: number;
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  interceptors?: WorkerOptions['interceptors'];
  /** Vendor-call hooks (metrics, logs), shared by every lane's client. */
  ecpHooks?: EcpHooks;
  /** Tests: a ready client per lane instead of one built from its configuration. */
  clients?: Record<string, EcpClient>;
  /** `shared`: each lane's rate is one budget for every worker serving that lane (docs/design.md invariant 9). */
  vendorBudget?: 'shared' | 'local';
  /** Tuning and hooks of the shared budget (logs); the budget key is the lane. */
  budget?: SharedBudgetOptions;
}

/** One activity-only Worker per lane and alias; each lane has its own client and rate limiter. */
export async function createRegionWorkers(options: RegionWorkersOptions): Promise<Worker[]> {
  const workers: Worker[] = [];
  for (const lane of options.lanes) {
    const limits = { defaultQps: lane.vendorQps.default, perActionQps: lane.vendorQps.perAction ?? {} };
    const shared = options.vendorBudget === 'shared';
    const rateLimiter = createRateLimiter({ ...limits, awaitGrant: shared });
    const activities = createActivities({
      ecp: options.clients?.[lane.lane] ?? createEcpClient(lane.ecpConfig, options.ecpHooks),
      customChecks: options.customChecks ?? {},
      rateLimiter,
      concurrency: options.activityConcurrency,
    });
    for (const [i, name] of [lane.lane, ...lane.aliases].entries()) {
      const worker = await Worker.create({
        connection: options.connection,
        namespace: options.namespace,
        taskQueue: laneTaskQueue(options.taskQueue, name),
        activities,
        maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions,
        shutdownGraceTime: options.shutdownGraceTime,
        interceptors: options.interceptors,
      });
      workers.push(worker);
      // One member per lane (its aliases share the lane's limiter), keyed by the lane.
      if (shared && i === 0) {
        const target = { connection: options.connection, namespace: options.namespace, taskQueue: options.taskQueue, budgetKey: lane.lane };
        joinVendorBudget(worker, target, rateLimiter, limits, options.budget ?? {});
      }
    }
  }
  return workers;
}

export interface RunningRegionWorkers {
  /** Resolves when every lane worker stopped (rejects when one failed). */
  done: Promise<void>;
  stop(): Promise<void>;
}

/** The production form: its own connection, every lane worker running until stop(). */
export async function startRegionWorkers(
  options: Omit<RegionWorkersOptions, 'connection'> & { address: string; tls?: TLSConfig | boolean; apiKey?: string },
): Promise<RunningRegionWorkers> {
  const connection = await NativeConnection.connect({
    address: options.address,
    ...(options.tls !== undefined ? { tls: options.tls } : {}),
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
  });
  let workers: Worker[];
  try {
    workers = await createRegionWorkers({ ...options, connection });
  } catch (err) {
    await connection.close();
    throw err;
  }
  const done = Promise.all(workers.map((w) => w.run()))
    .then(() => undefined)
    .finally(() => connection.close());
  return {
    done,
    async stop() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await done.catch(() => undefined);
    },
  };
}
