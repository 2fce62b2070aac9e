// Temporal cost of a run, read back from the server: every execution in visibility (the migration and
// its continued-as-new runs, the recoverApp children, the lease registries), each one's full history,
// and an estimate of Temporal Cloud billable actions (the per-action weights are listed in the report
// text in bench/report.ts).
import type { Client } from '@temporalio/client';

export interface HistoryCost {
  executions: number;
  byType: Record<string, { executions: number; events: number }>;
  events: number;
  actions: ActionBreakdown;
  billableActions: number;
}

export interface ActionBreakdown {
  workflowStarts: number;
  activityStarts: number;
  activityRetries: number;
  /** Not in histories: estimated as one per 0.8 × heartbeatTimeout of each activity's run time. */
  heartbeatsEstimated: number;
  timers: number;
  signals: number;
  updates: number;
  childStarts: number;
  continueAsNew: number;
  searchAttributeUpserts: number;
}

type HistoryEvent = NonNullable<Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>['events']>[number];

function seconds(d: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  if (!d) return 0;
  return Number(d.seconds ?? 0) + (d.nanos ?? 0) / 1e9;
}

function ms(t: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  return seconds(t) * 1000;
}

/** Adds one history's events to the action tally (actions the cost model charges for). */
export function tallyActions(events: readonly HistoryEvent[], tally: ActionBreakdown): void {
  const scheduled = new Map<string, { heartbeatS: number }>();
  const started = new Map<string, number>();
  for (const e of events) {
    const id = String(e.eventId ?? '');
    if (e.workflowExecutionStartedEventAttributes) {
      const a = e.workflowExecutionStartedEventAttributes;
      // A child's start is charged to its parent (2 actions); a continued run to its continue-as-new.
      if (!a.parentWorkflowExecution && !a.continuedExecutionRunId) tally.workflowStarts++;
    } else if (e.activityTaskScheduledEventAttributes) {
      tally.activityStarts++;
      scheduled.set(id, { heartbeatS: seconds(e.activityTaskScheduledEventAttributes.heartbeatTimeout) });
    } else if (e.activityTaskStartedEventAttributes) {
      const a = e.activityTaskStartedEventAttributes;
      // The started event is written once, with the attempt that finally ran: attempt-1 retries happened.
      tally.activityRetries += Math.max(0, (a.attempt ?? 1) - 1);
      started.set(String(a.scheduledEventId ?? ''), ms(e.eventTime));
    } else if (e.activityTaskCompletedEventAttributes || e.activityTaskFailedEventAttributes || e.activityTaskTimedOutEventAttributes || e.activityTaskCanceledEventAttributes) {
      const a = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes ?? e.activityTaskCanceledEventAttributes;
      const key = String(a?.scheduledEventId ?? '');
      const hb = scheduled.get(key)?.heartbeatS ?? 0;
      const from = started.get(key);
      if (hb > 0 && from !== undefined) tally.heartbeatsEstimated += Math.floor((ms(e.eventTime) - from) / 1000 / (0.8 * hb));
    } else if (e.timerStartedEventAttributes) tally.timers++;
    else if (e.workflowExecutionSignaledEventAttributes) tally.signals++;
    else if (e.workflowExecutionUpdateAcceptedEventAttributes) tally.updates++;
    else if (e.startChildWorkflowExecutionInitiatedEventAttributes) tally.childStarts++;
    else if (e.workflowExecutionContinuedAsNewEventAttributes) tally.continueAsNew++;
    else if (e.upsertWorkflowSearchAttributesEventAttributes) tally.searchAttributeUpserts++;
  }
}

export function billable(a: ActionBreakdown): number {
  return a.workflowStarts + a.activityStarts + a.activityRetries + a.heartbeatsEstimated + a.timers + a.signals + a.updates + 2 * a.childStarts + a.continueAsNew + a.searchAttributeUpserts;
}

/** Reads every execution the server knows (the harness uses a fresh server per run, so that is the run). */
export async function measureHistories(client: Client, query?: string, concurrency = 8): Promise<HistoryCost> {
  const executions: { workflowId: string; runId: string; type: string }[] = [];
  for await (const wf of client.workflow.list(query ? { query } : {})) executions.push({ workflowId: wf.workflowId, runId: wf.runId, type: wf.type });
  const tally: ActionBreakdown = {
    workflowStarts: 0, activityStarts: 0, activityRetries: 0, heartbeatsEstimated: 0, timers: 0,
    signals: 0, updates: 0, childStarts: 0, continueAsNew: 0, searchAttributeUpserts: 0,
  };
  const byType: HistoryCost['byType'] = {};
  let events = 0;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < executions.length) {
      const ex = executions[next++]!;
      const history = await client.workflow.getHandle(ex.workflowId, ex.runId).fetchHistory();
      const list = history.events ?? [];
      events += list.length;
      const t = (byType[ex.type] ??= { executions: 0, events: 0 });
      t.executions++;
      t.events += list.length;
      tallyActions(list, tally);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { executions: executions.length, byType, events, actions: tally, billableActions: billable(tally) };
}
