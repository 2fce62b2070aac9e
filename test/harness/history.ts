// What a workflow has asked the server to do, read from its history. Tests that must show something did
// NOT happen count commands here after a point of progress the workflow has provably reached.
import type { WorkflowHandle } from '@temporalio/client';

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

async function countEvents(handle: WorkflowHandle, match: (event: HistoryEvent) => boolean): Promise<number> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).filter(match).length;
}

/** Activities of this type the workflow has scheduled (each attempt series counts once). */
export const activitiesScheduled = (handle: WorkflowHandle, activityType: string): Promise<number> =>
  countEvents(handle, (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType);

/** Timers the workflow has started (workflow `sleep`s, including the one inside `condition` with a timeout). */
export const timersStarted = (handle: WorkflowHandle): Promise<number> => countEvents(handle, (e) => !!e.timerStartedEventAttributes);

/** Child workflows the workflow has asked the server to start. */
export const childStartsInitiated = (handle: WorkflowHandle): Promise<number> =>
  countEvents(handle, (e) => !!e.startChildWorkflowExecutionInitiatedEventAttributes);
