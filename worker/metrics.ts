// Product metrics in Prometheus format (prom-client), served on /metrics at --metrics-port.
//
// Where each number comes from (the simplest place that is correct under retries and replay):
// - vendor API calls and throttles: the typed client's `onCall` hook, one event per HTTP attempt;
// - recoveries started / finished, targets verified / failed by reason, backups released / held:
//   the recovery workflow reports through a workflow sink (`cprMetrics`, see workflows/notify.ts) at
//   start and in the task that returns its result; the worker counts a report only once the server's
//   history shows that THIS worker's task was accepted, and counts the result the server recorded
//   (worker/confirmed-counts.ts). A task the server rejected and ran again (a cancel racing the
//   completion), a replay, or a restart therefore never counts a run twice, and the sum over all workers
//   is exactly the number of runs (README, Observability).
// Temporal SDK metrics (task latencies, slots, polls...) come from the SDK core's own exporter on a
// separate port (`--sdk-metrics-port`), installed with the Runtime (worker/logging.ts).
import { createServer, type Server } from 'node:http';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { InjectedSinks } from '@temporalio/worker';
import type { EcpCallEvent } from '../activities/ecp/call';
import type { CprMetricsSinks } from '../workflows/notify';
import type { RecoveryResult } from '../workflows/types';
import type { ConfirmedCounts } from './confirmed-counts';

/** The parts of a recovery's result the counters read. */
export type CountedResult = Pick<RecoveryResult, 'outcome' | 'targets' | 'backups'>;

export interface CprMetrics {
  registry: Registry;
  recoveriesStarted: Counter<string>;
  recoveriesFinished: Counter<'outcome'>;
  targets: Counter<'status' | 'reason'>;
  backups: Counter<'result' | 'reason'>;
  vendorCalls: Counter<'action' | 'outcome'>;
  vendorThrottles: Counter<'action'>;
  vendorCallSeconds: Histogram<'action'>;
  webhookDeliveries: Counter<'result'>;
  /** Hook for `createEcpClient(config, { onCall })`. */
  onVendorCall(event: EcpCallEvent): void;
  recordStarted(): void;
  recordResult(result: CountedResult): void;
}

export function createMetrics(options: { registry?: Registry; processMetrics?: boolean } = {}): CprMetrics {
  const registry = options.registry ?? new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'cpr_worker_' });
  const registers = [registry];
  const recoveriesStarted = new Counter({ name: 'cpr_recoveries_started_total', help: 'Recovery workflows started (counted by the worker that ran their first task)', registers });
  const recoveriesFinished = new Counter({ name: 'cpr_recoveries_finished_total', help: 'Recovery workflows finished, by outcome (succeeded|partial|failed|cancelled)', labelNames: ['outcome'] as const, registers });
  const targets = new Counter({
    name: 'cpr_recovery_targets_total',
    help: 'Targets of finished recoveries by final status (verified|failed|skipped|cancelled) and reason code',
    labelNames: ['status', 'reason'] as const,
    registers,
  });
  const backups = new Counter({
    name: 'cpr_backups_total',
    help: 'Backups at the end of a recovery: result=released, or result=held with the reason it was kept',
    labelNames: ['result', 'reason'] as const,
    registers,
  });
  const vendorCalls = new Counter({ name: 'cpr_vendor_api_calls_total', help: 'Cloud Phone API calls by action and outcome (ok or the error kind)', labelNames: ['action', 'outcome'] as const, registers });
  const vendorThrottles = new Counter({ name: 'cpr_vendor_api_throttles_total', help: 'Cloud Phone API calls answered with throttling', labelNames: ['action'] as const, registers });
  const vendorCallSeconds = new Histogram({
    name: 'cpr_vendor_api_call_seconds',
    help: 'Cloud Phone API call latency',
    labelNames: ['action'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const webhookDeliveries = new Counter({ name: 'cpr_webhook_deliveries_total', help: 'Webhook delivery attempts by result (delivered|rejected|error)', labelNames: ['result'] as const, registers });

  return {
    registry,
    recoveriesStarted,
    recoveriesFinished,
    targets,
    backups,
    vendorCalls,
    vendorThrottles,
    vendorCallSeconds,
    webhookDeliveries,
    onVendorCall(event) {
      vendorCalls.inc({ action: event.action, outcome: event.outcome });
      if (event.outcome === 'throttled') vendorThrottles.inc({ action: event.action });
      vendorCallSeconds.observe({ action: event.action }, event.durationMs / 1000);
    },
    recordStarted() {
      recoveriesStarted.inc();
    },
    recordResult(result) {
      recoveriesFinished.inc({ outcome: result.outcome });
      for (const t of result.targets) targets.inc({ status: t.status, reason: t.reason ?? '' });
      for (const b of result.backups) {
        if (b.released) backups.inc({ result: 'released', reason: '' });
        else backups.inc({ result: 'held', reason: b.keptBecause ?? 'unknown' });
      }
    },
  };
}

/**
 * Worker `sinks` option: the recovery workflow reports its start and its end through these; each report
 * is counted once the server confirms it (createConfirmedCounts with metrics.recordStarted/recordResult).
 */
export function metricsSinks(counts: ConfirmedCounts): InjectedSinks<CprMetricsSinks> {
  return {
    cprMetrics: {
      recoveryStarted: { fn: (info) => counts.report('started', info), callDuringReplay: false },
      recoveryFinished: { fn: (info) => counts.report('finished', info), callDuringReplay: false },
    },
  };
}

/**
 * The sinks of a worker that keeps no metrics: the recovery workflow always reports, and a report to a
 * sink the worker lacks is logged as an error on every recovery.
 */
export const NO_METRICS_SINKS: InjectedSinks<CprMetricsSinks> = {
  cprMetrics: {
    recoveryStarted: { fn: () => undefined, callDuringReplay: false },
    recoveryFinished: { fn: () => undefined, callDuringReplay: false },
  },
};

export interface MetricsServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves `GET /metrics` (and `/healthz`) from the registry. Port 0 picks a free port. */
export async function serveMetrics(registry: Registry, options: { port: number; host?: string }): Promise<MetricsServer> {
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      registry
        .metrics()
        .then((body) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(body);
        })
        .catch((err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(err instanceof Error ? err.message : 'metrics failed');
        });
      return;
    }
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found; metrics are at /metrics');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${host}:${port}/metrics`,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
