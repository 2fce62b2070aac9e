// Structured logs for the worker: one pino logger that the Temporal SDK (workflow and activity `log`,
// core logs), the vendor client hook and our own code all write through, with secrets redacted, and
// with trace_id / span_id when a span is active (worker/tracing.ts; workflow log lines get them from the
// Temporal tracing interceptors).
import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { type DestinationStream, type Level, type Logger as PinoLogger } from 'pino';
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { ActivityExecuteInput, ActivityInterceptorsFactory, Next, ActivityInboundCallsInterceptor } from '@temporalio/worker';
import type { EcpCallEvent } from '../activities/ecp/call';
import type { BudgetEvent } from './vendor-budget';
import { traceLogFields } from './tracing';

export type { PinoLogger };

/** Key names whose values never reach a log line, at any depth pino's wildcards reach. */
const SECRET_KEYS = [
  'accessKeySecret',
  'AccessKeySecret',
  'securityToken',
  'SecurityToken',
  'secret',
  'password',
  'token',
  'apiKey',
  'authorization',
  'Authorization',
  'signature',
  'Signature',
];
const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `headers.${k.toLowerCase()}`]);
export const REDACTED = '[redacted]';

export interface CreateLoggerOptions {
  level?: Level;
  /** Where lines go; default stdout. Tests pass a stream to read lines back. */
  destination?: DestinationStream;
  /** Literal secret values (API keys, webhook secret) scrubbed from every string field and message. */
  secrets?: (string | undefined)[];
  base?: Record<string, unknown>;
}

export function createLogger(options: CreateLoggerOptions = {}): PinoLogger {
  const secrets = (options.secrets ?? []).filter((s): s is string => typeof s === 'string' && s.length >= 6);
  const scrub = (value: string): string => secrets.reduce((text, secret) => text.split(secret).join(REDACTED), value);
  return pino(
    {
      level: options.level ?? (process.env.CPR_LOG_LEVEL as Level | undefined) ?? 'info',
      base: { service: 'cloudphone-recovery', ...options.base },
      // trace_id / span_id of the active span (API request, activity, vendor call) when tracing is on.
      mixin: traceLogFields,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      // Absent, not undefined, without secrets: pino reads hooks.logMethod and formatters.log unguarded
      // (a worker whose keys come only from a credentials file has no secret in its environment).
      ...(secrets.length
        ? {
            formatters: { log: (obj: Record<string, unknown>) => deepScrub(obj, scrub) as Record<string, unknown> },
            hooks: {
              logMethod(this: PinoLogger, args: Parameters<PinoLogger['info']>, method: PinoLogger['info']) {
                method.apply(this, args.map((a) => (typeof a === 'string' ? scrub(a) : a)) as Parameters<typeof method>);
              },
            },
          }
        : {}),
    },
    options.destination,
  );
}

function deepScrub(value: unknown, scrub: (s: string) => string, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => deepScrub(v, scrub, depth + 1));
  if (value instanceof Error) return { name: value.name, message: scrub(value.message), stack: value.stack && scrub(value.stack) };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = deepScrub(v, scrub, depth + 1);
  return out;
}

const LEVELS: Record<LogLevel, Level> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/**
 * Temporal's Logger interface over pino, for `Runtime.install({ logger })`. The SDK attaches
 * workflowId/runId/workflowType/activityType/taskQueue as metadata; they become fields of the line.
 */
export class PinoTemporalLogger implements TemporalLogger {
  constructor(private readonly pino: PinoLogger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const fields: Record<string, unknown> = {};
    // The task token is a capability to complete the activity: it stays out of logs.
    for (const [k, v] of Object.entries(meta ?? {})) if (k !== 'taskToken') fields[k] = v;
    this.pino[LEVELS[level] ?? 'info'](fields, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

// ---- activity context for vendor-call logs ---------------------------------------------------------

export interface ActivityLogContext {
  workflowId?: string;
  activityType?: string;
  activityId?: string;
  attempt?: number;
  /** Targets the activity works on (first few, plus a count): vendor calls are batched across them. */
  instanceIds?: string[];
  instanceCount?: number;
}

const activityContext = new AsyncLocalStorage<ActivityLogContext>();
const MAX_LOGGED_INSTANCES = 10;

/** Collects instance IDs from any of the recovery activity request shapes (instanceId / instanceIds fields). */
export function instanceIdsOf(value: unknown, found = new Set<string>(), depth = 0): Set<string> {
  if (depth > 4 || value === null || typeof value !== 'object') return found;
  if (Array.isArray(value)) {
    for (const v of value) instanceIdsOf(v, found, depth + 1);
    return found;
  }
  for (const [k, v] of Object.entries(value)) {
    if (k === 'instanceId' && typeof v === 'string') {
      found.add(v);
    } else if (k === 'instanceIds' && Array.isArray(v)) {
      for (const id of v) if (typeof id === 'string') found.add(id);
    } else if (typeof v === 'object') {
      instanceIdsOf(v, found, depth + 1);
    }
  }
  return found;
}

/**
 * Activity interceptors: every `log` call of an activity carries instanceIds (besides the SDK's
 * workflowId/activityType), and vendor calls made on the activity's async path can be attributed to it.
 */
export const activityLogInterceptors: ActivityInterceptorsFactory = (ctx) => {
  let logContext: ActivityLogContext = {};
  const inbound: ActivityInboundCallsInterceptor = {
    async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
      const all = [...instanceIdsOf(input.args)];
      const info = ctx.info;
      logContext = {
        workflowId: info.workflowExecution?.workflowId,
        activityType: info.activityType,
        activityId: info.activityId,
        attempt: info.attempt,
        ...(all.length ? { instanceIds: all.slice(0, MAX_LOGGED_INSTANCES), instanceCount: all.length } : {}),
      };
      return activityContext.run(logContext, () => next(input));
    },
  };
  return {
    inbound,
    outbound: {
      getLogAttributes: (attrs, next) => {
        const extra = logContext.instanceIds ? { instanceIds: logContext.instanceIds, instanceCount: logContext.instanceCount } : {};
        return next({ ...attrs, ...extra });
      },
    },
  };
};

/**
 * `EcpHooks.onCall` logger: one line per vendor call with action, outcome, vendor RequestId, duration and
 * the workflow/activity/instances it was made for. Throttles and failures at warn, successes at debug.
 */
export function logVendorCall(logger: PinoLogger): (event: EcpCallEvent) => void {
  return (event) => {
    const ctx = activityContext.getStore();
    const fields = {
      vendorAction: event.action,
      outcome: event.outcome,
      requestId: event.requestId,
      code: event.code,
      durationMs: Math.round(event.durationMs),
      ...(ctx ?? {}),
    };
    if (event.outcome === 'ok') logger.debug(fields, 'vendor call');
    else logger.warn(fields, `vendor call ${event.action} ${event.outcome}`);
  };
}

/** Vendor budget member hooks: a lapsed lease and failed renewals at warn, grants at debug. */
export function logBudgetEvents(logger: PinoLogger): { onGrant(event: BudgetEvent): void; onError(err: unknown): void } {
  return {
    onGrant: (event) =>
      event.kind === 'lapsed'
        ? logger.warn('vendor budget lease expired without renewal: no vendor calls until a renewal gets through')
        : logger.debug({ grants: event.grants, members: event.members }, 'vendor budget share granted'),
    onError: (err) => logger.warn({ err }, 'vendor budget renewal failed'),
  };
}

export interface InstallRuntimeOptions {
  logger: PinoLogger;
  /** `host:port` for the SDK's own Prometheus exporter (Temporal SDK metrics, separate from ours). */
  sdkMetricsBindAddress?: string;
  /** Level of the SDK core's own (Rust) logs forwarded into pino. */
  coreLogLevel?: 'ERROR' | 'WARN' | 'INFO' | 'DEBUG';
  /**
   * Signals on which the SDK shuts workers down by itself (SDK default: SIGINT, SIGTERM, SIGQUIT, SIGUSR2).
   * Our entry points pass [] and stop their parts in order themselves.
   */
  shutdownSignals?: NodeJS.Signals[];
}

/**
 * Installs the process-wide Temporal Runtime once, before any worker or native connection: SDK logs
 * (workflow, activity, worker and forwarded core logs) go through pino; SDK metrics, when asked for,
 * are served by the core's Prometheus exporter at `sdkMetricsBindAddress` under `/metrics`.
 * Returns false when a Runtime was already installed in this process (the first one stays in force).
 */
export function installTemporalRuntime(options: InstallRuntimeOptions): boolean {
  // Required lazily so importing this module (e.g. for createLogger in the CLI) does not load the native bridge.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Runtime, makeTelemetryFilterString } = require('@temporalio/worker') as typeof import('@temporalio/worker');
  try {
    Runtime.install({
      ...(options.shutdownSignals ? { shutdownSignals: options.shutdownSignals } : {}),
      logger: new PinoTemporalLogger(options.logger.child({ component: 'temporal' })),
      telemetryOptions: {
        logging: { forward: {}, filter: makeTelemetryFilterString({ core: options.coreLogLevel ?? 'WARN' }) },
        ...(options.sdkMetricsBindAddress
          ? { metrics: { prometheus: { bindAddress: options.sdkMetricsBindAddress, countersTotalSuffix: true } } }
          : {}),
      },
    });
    return true;
  } catch (err) {
    if (err instanceof Error && /already/i.test(err.message)) return false;
    throw err;
  }
}
