// Per-phase gauges of the recoveries running now, for a "stuck in one phase" alert (docs/ops/):
//   cpr_recoveries_in_phase{phase}                 running recoveries whose CprPhase is `phase`
//   cpr_recovery_oldest_phase_age_seconds{phase}   age (since its start) of the oldest of them; absent when none
//   cpr_recovery_phase_census_failures_total       visibility reads that failed (the gauges are then empty)
//
// Read at scrape time from Temporal visibility (running `recoverApp` runs of this worker's task queue,
// their `CprPhase` search attribute and start time), so the numbers are the same on every worker and
// survive worker restarts: no worker has to have seen the run. One answer is kept for `refreshMs`
// (default 30 s), so frequent scrapes cost one paged visibility list per interval. Labels are bounded by
// the phase names (no workflow IDs). Phases run in order, so "still in phase P, X minutes after start"
// bounds the time spent in P and the phases before it: the alert thresholds are per-phase budgets counted
// from the start (visibility records no time of the last phase change).
import type { temporal } from '@temporalio/proto';
import { defaultPayloadConverter } from '@temporalio/common';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { Counter, Gauge, type Registry } from 'prom-client';
import { PHASES, RECOVERY_KIND, SA_KIND, SA_PHASE, type Phase } from '../workflows/types';

type WorkflowService = temporal.api.workflowservice.v1.WorkflowService;

export const DEFAULT_PHASE_CENSUS_REFRESH_MS = 30_000;
const PAGE_SIZE = 1000;
const IN_PHASE = 'cpr_recoveries_in_phase';
const OLDEST_AGE = 'cpr_recovery_oldest_phase_age_seconds';
const FAILURES = 'cpr_recovery_phase_census_failures_total';

/** Running recoveries of one phase: how many, and the start time of the oldest (epoch ms). */
export type PhaseCensus = Map<Phase, { count: number; oldestStartMs: number }>;

export interface PhaseCensusOptions {
  workflowService: WorkflowService;
  namespace: string;
  taskQueue: string;
}

/** One visibility census: every running recovery of the task queue, grouped by its CprPhase. */
export async function readPhaseCensus(options: PhaseCensusOptions): Promise<PhaseCensus> {
  const query = `${SA_KIND.name} = '${RECOVERY_KIND}' AND ExecutionStatus = 'Running' AND TaskQueue = '${options.taskQueue.replace(/'/g, "''")}'`;
  const census: PhaseCensus = new Map();
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await options.workflowService.listWorkflowExecutions({
      namespace: options.namespace,
      query,
      pageSize: PAGE_SIZE,
      nextPageToken,
    });
    for (const run of page.executions ?? []) {
      const phase = phaseOf(run);
      const startMs = optionalTsToMs(run.startTime);
      if (!phase || startMs === undefined) continue;
      const entry = census.get(phase);
      if (entry) {
        entry.count++;
        entry.oldestStartMs = Math.min(entry.oldestStartMs, startMs);
      } else census.set(phase, { count: 1, oldestStartMs: startMs });
    }
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return census;
}

function phaseOf(run: temporal.api.workflow.v1.IWorkflowExecutionInfo): Phase | undefined {
  const payload = run.searchAttributes?.indexedFields?.[SA_PHASE.name];
  const value = payload ? defaultPayloadConverter.fromPayload<unknown>(payload) : undefined;
  return PHASES.find((p) => p === value);
}

export interface PhaseGaugesOptions {
  /** The census; tests may pass their own. */
  read: () => Promise<PhaseCensus>;
  refreshMs?: number;
  now?: () => number;
  onError?: (err: unknown) => void;
}

export interface PhaseGauges {
  /** Removes the gauges from the registry (the worker stopped; its connection is closed). */
  unregister(): void;
}

/** Registers the gauges; each scrape reuses the last census until it is `refreshMs` old. */
export function registerPhaseGauges(registry: Registry, options: PhaseGaugesOptions): PhaseGauges {
  const refreshMs = options.refreshMs ?? DEFAULT_PHASE_CENSUS_REFRESH_MS;
  const now = options.now ?? Date.now;
  let cached: { at: number; census: Promise<PhaseCensus | undefined> } | undefined;
  const failures = new Counter({
    name: FAILURES,
    help: 'Visibility reads for the per-phase gauges that failed (the gauges are empty until the next read)',
    registers: [registry],
    // The registry may collect this before the gauges: the read it counts happens here then.
    async collect() {
      await census();
    },
  });
  function census(): Promise<PhaseCensus | undefined> {
    if (!cached || now() - cached.at >= refreshMs) {
      cached = {
        at: now(),
        census: options.read().catch((err: unknown) => {
          failures.inc();
          options.onError?.(err);
          return undefined;
        }),
      };
    }
    return cached.census;
  }
  new Gauge({
    name: IN_PHASE,
    help: `Running recoveries by current phase (Temporal visibility, refreshed every ${refreshMs / 1000} s)`,
    labelNames: ['phase'] as const,
    registers: [registry],
    async collect() {
      const current = await census();
      this.reset();
      if (!current) return;
      for (const phase of PHASES) this.set({ phase }, current.get(phase)?.count ?? 0);
    },
  });
  new Gauge({
    name: OLDEST_AGE,
    help: 'Seconds since the start of the oldest running recovery in each phase (absent when none is in the phase)',
    labelNames: ['phase'] as const,
    registers: [registry],
    async collect() {
      const current = await census();
      this.reset();
      for (const [phase, { oldestStartMs }] of current ?? []) this.set({ phase }, Math.max(0, (now() - oldestStartMs) / 1000));
    },
  });
  return {
    unregister() {
      for (const name of [IN_PHASE, OLDEST_AGE, FAILURES]) registry.removeSingleMetric(name);
    },
  };
}
