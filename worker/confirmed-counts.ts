// Counts recoveries started and finished exactly once across all workers, from what the Temporal server
// durably recorded, not from a sink call in a workflow task the server may still reject.
//
// Why a sink call alone over-counts: the recovery workflow reports to the `cprMetrics` sink while a
// workflow task runs. If the server then rejects that task (UNHANDLED_COMMAND when a cancel races the
// completion, a task timeout after a worker stall, a failed task), the task is run again, here or on
// another worker, and the sink is called again, possibly with a different result.
//
// How each report is confirmed (exact by construction):
// - The sink only registers a pending report: (kind, runId, the workflow task's started event ID
//   `historyLength`). Sinks are not called during replay, so a report always comes from a task attempt
//   that executed the code for the first time.
// - The worker then reads the run's history: the event right after that started event is the outcome of
//   the attempt (the server writes it next). Only a WorkflowTaskCompleted carrying THIS worker's identity
//   means the attempt that made the report was accepted. A rejected attempt leaves WorkflowTaskFailed /
//   TimedOut there (or nothing, for an attempt that was never persisted) and is dropped: the accepted
//   attempt of the same task reported too, on the worker that ran it, and counts there.
// - `finished` additionally needs the run to be closed by that very task (the close event names it), and
//   counts the result the server recorded in WorkflowExecutionCompleted, not the value the sink saw.
// - Each (kind, runId) is counted at most once per worker (attempts of one task on one worker share the
//   started event ID and identity); a different worker has a different identity (worker/observed-worker.ts
//   makes it unique per process), so across all workers each run is counted exactly once.
// - An attempt whose outcome is not in the history within the workflow task timeout (plus a margin) was
//   not accepted: the server refuses completions of timed-out tasks.
// Cost: one or two small history reads per run at start and at the end.
import type { temporal } from '@temporalio/proto';
import { defaultPayloadConverter } from '@temporalio/common';
import type { WorkflowInfo } from '@temporalio/workflow';
import type { RecoveryResult } from '../workflows/types';

type WorkflowService = temporal.api.workflowservice.v1.WorkflowService;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export type ReportKind = 'started' | 'finished';

export interface ConfirmedCountsOptions {
  workflowService: WorkflowService;
  namespace: string;
  /** This worker's identity (WorkerOptions.identity); must differ between worker processes. */
  identity: string;
  onStarted(): void;
  onFinished(result: RecoveryResult): void;
  /** Reports that could not be confirmed (history unreadable): logged, not counted. */
  onError?(err: unknown, report: { kind: ReportKind; workflowId: string; runId: string }): void;
  /** Added to the workflow task timeout before an attempt's outcome counts as "not accepted". Default 30 s. */
  marginMs?: number;
}

/** What the sink hands over: the task's started event ID and the run, from the sink's WorkflowInfo. */
export type ReportInfo = Pick<WorkflowInfo, 'workflowId' | 'runId' | 'historyLength' | 'taskTimeoutMs'>;

export interface ConfirmedCounts {
  report(kind: ReportKind, info: ReportInfo): void;
  /** Resolves when every report made so far is counted or dropped (tests, orderly shutdown). */
  settled(): Promise<void>;
}

const MAX_REMEMBERED_RUNS = 10_000;

export function createConfirmedCounts(options: ConfirmedCountsOptions): ConfirmedCounts {
  const marginMs = options.marginMs ?? 30_000;
  const counted = new Set<string>(); // `${kind}/${runId}` counted by this worker
  const checking = new Set<string>(); // `${kind}/${runId}/${startedEventId}` being confirmed
  const inFlight = new Set<Promise<void>>();

  const markCounted = (key: string): boolean => {
    if (counted.has(key)) return false;
    counted.add(key);
    if (counted.size > MAX_REMEMBERED_RUNS) counted.delete(counted.values().next().value as string);
    return true;
  };

  async function confirm(kind: ReportKind, info: ReportInfo): Promise<void> {
    const startedEventId = info.historyLength;
    const deadline = Date.now() + info.taskTimeoutMs + marginMs;
    for (let pause = 50; ; pause = Math.min(pause * 2, 2_000)) {
      let events: HistoryEvent[];
      try {
        events = await historyAround(options, info, kind, startedEventId + 2);
      } catch (err) {
        // A server that does not answer for a moment (restart, failover): ask again until the deadline.
        if (Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, pause));
        continue;
      }
      const outcome = events.find((e) => eventId(e) === startedEventId + 1);
      if (outcome) {
        // Anything but WorkflowTaskCompleted by us (failed, timed out, another worker) means not ours to count.
        if (outcome.workflowTaskCompletedEventAttributes?.identity !== options.identity) return;
        if (kind === 'started') {
          if (markCounted(`${kind}/${info.runId}`)) options.onStarted();
          return;
        }
        const attrs = events.find((e) => e.workflowExecutionCompletedEventAttributes)?.workflowExecutionCompletedEventAttributes;
        if (!attrs || Number(attrs.workflowTaskCompletedEventId) !== startedEventId + 1) return;
        const payload = attrs.result?.payloads?.[0];
        const result = payload ? defaultPayloadConverter.fromPayload<unknown>(payload) : undefined;
        if (isRecoveryResult(result) && markCounted(`${kind}/${info.runId}`)) options.onFinished(result);
        return;
      }
      if (Date.now() > deadline) return;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  return {
    report(kind, info) {
      const key = `${kind}/${info.runId}/${info.historyLength}`;
      // Attempts of one task on this worker share the started event ID: one confirmation answers all.
      if (counted.has(`${kind}/${info.runId}`) || checking.has(key)) return;
      checking.add(key);
      const done: Promise<void> = confirm(kind, info)
        .catch((err: unknown) => options.onError?.(err, { kind, workflowId: info.workflowId, runId: info.runId }))
        .finally(() => {
          checking.delete(key);
          inFlight.delete(done);
        });
      inFlight.add(done);
    },
    async settled() {
      while (inFlight.size) await Promise.all([...inFlight]);
    },
  };
}

/**
 * The events that can hold the attempt's outcome: from the start for a `started` report (forward pages
 * up to `lastEventId`), from the end for a `finished` report (the close event and the task before it).
 */
async function historyAround(
  options: ConfirmedCountsOptions,
  info: ReportInfo,
  kind: ReportKind,
  lastEventId: number,
): Promise<HistoryEvent[]> {
  const execution = { workflowId: info.workflowId, runId: info.runId };
  const events: HistoryEvent[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page =
      kind === 'started'
        ? await options.workflowService.getWorkflowExecutionHistory({
            namespace: options.namespace,
            execution,
            maximumPageSize: 20,
            nextPageToken,
          })
        : await options.workflowService.getWorkflowExecutionHistoryReverse({
            namespace: options.namespace,
            execution,
            maximumPageSize: 4,
            nextPageToken,
          });
    const pageEvents = page.history?.events ?? [];
    events.push(...pageEvents);
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    const ids = pageEvents.map(eventId);
    // Forward: stop once past the events we need; reverse: stop once the attempt's outcome is behind us.
    if (kind === 'started' ? ids.some((id) => id >= lastEventId) : ids.some((id) => id <= lastEventId - 1)) break;
  } while (nextPageToken);
  return events;
}

function isRecoveryResult(value: unknown): value is RecoveryResult {
  const v = value as Partial<RecoveryResult> | null | undefined;
  return typeof v?.outcome === 'string' && Array.isArray(v.targets) && Array.isArray(v.backups);
}

function eventId(event: HistoryEvent): number {
  return Number(event.eventId ?? 0);
}
