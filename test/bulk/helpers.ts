// Shared pieces of the bulk-migration tests: plan builders, a worker over the fixture bundle (real
// bulkMigration + fake recoverApp), and observation of child runs through the server.
import { join } from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { MigrationPlanInput } from '../../workflows/plan';
import type { TestTemporal } from '../harness/temporal';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
const noop = (): void => undefined;

export function bulkFixtureBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: join(__dirname, 'fixtures', 'workflows.ts'),
    logger: { trace: noop, debug: noop, info: noop, warn: noop, error: (m: string) => console.error(m), log: noop },
  });
  return bundle;
}

export interface LeaseRelease {
  holderWorkflowId: string;
  instanceIds: string[];
}

export async function bulkWorker(temporal: TestTemporal, taskQueue: string): Promise<{ worker: Worker; releases: LeaseRelease[] }> {
  const releases: LeaseRelease[] = [];
  const worker = await Worker.create({
    connection: temporal.nativeConnection,
    namespace: temporal.namespace,
    taskQueue,
    workflowBundle: await bulkFixtureBundle(),
    activities: {
      async releaseLeases(req: LeaseRelease): Promise<void> {
        releases.push(req);
      },
    },
  });
  return { worker, releases };
}

const pad = (n: number): string => String(n).padStart(6, '0');

export interface TargetSpec {
  /** Marker in the instance ID the fake child reacts to. */
  kind?: 'ok' | 'fail' | 'skip';
}

/** One backup per target (the common migration shape). `kinds(i)` decides each target's fate. */
export function onePerTarget(count: number, opts: { prefix?: string; hold?: boolean; kinds?: (i: number) => 'ok' | 'fail' | 'skip' } = {}): MigrationPlanInput['items'] {
  const prefix = opts.prefix ?? 'x';
  return Array.from({ length: count }, (_, i) => {
    const kind = opts.kinds?.(i) ?? 'ok';
    const marker = kind === 'ok' ? 't' : kind;
    return { backupFileId: `bf-${opts.hold ? 'hold' : 'b'}${prefix}${pad(i)}`, instanceIds: [`acp-${marker}${prefix}${pad(i)}`] };
  });
}

/** Runs of the fake child seen by the server, with their timing (for concurrency checks). */
export async function childRuns(client: Client, migrationId: string): Promise<{ workflowId: string; status: string; start: number; close?: number }[]> {
  const runs: { workflowId: string; status: string; start: number; close?: number }[] = [];
  for await (const wf of client.workflow.list({ query: `ParentWorkflowId = "${migrationId}"` })) {
    runs.push({ workflowId: wf.workflowId, status: wf.status.name, start: wf.startTime.getTime(), ...(wf.closeTime ? { close: wf.closeTime.getTime() } : {}) });
  }
  return runs.sort((a, b) => a.start - b.start);
}

/** The most children that were open at the same moment. */
export function peakOverlap(runs: { start: number; close?: number }[]): number {
  const events = runs.flatMap((r) => [
    { t: r.start, d: 1 },
    { t: r.close ?? Number.MAX_SAFE_INTEGER, d: -1 },
  ]);
  events.sort((a, b) => a.t - b.t || a.d - b.d); // a close at the same instant as a start goes first
  let open = 0;
  let peak = 0;
  for (const e of events) {
    open += e.d;
    peak = Math.max(peak, open);
  }
  return peak;
}

/** Open children according to the server (the parent's pending-children list). */
export async function pendingChildren(handle: WorkflowHandle): Promise<string[]> {
  const d = await handle.describe();
  return (d.raw.pendingChildren ?? []).map((c) => c.workflowId ?? '');
}

export const sleepMs = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
