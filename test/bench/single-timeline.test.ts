import { spansOf } from '../../bench/single';

const at = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });

describe('bench --single timeline', () => {
  it('turns a history into steps from the workflow start, with task-queue wait and workflow-task time', () => {
    const events = [
      { eventId: 1, eventTime: at(10_000), workflowExecutionStartedEventAttributes: {} },
      { eventId: 2, eventTime: at(10_010), workflowTaskScheduledEventAttributes: {} },
      { eventId: 3, eventTime: at(10_020), workflowTaskStartedEventAttributes: { scheduledEventId: 2 } },
      { eventId: 4, eventTime: at(10_050), workflowTaskCompletedEventAttributes: { scheduledEventId: 2 } },
      { eventId: 5, eventTime: at(10_050), activityTaskScheduledEventAttributes: { activityType: { name: 'preflight' } } },
      { eventId: 6, eventTime: at(10_150), activityTaskStartedEventAttributes: { scheduledEventId: 5 } },
      { eventId: 7, eventTime: at(10_650), activityTaskCompletedEventAttributes: { scheduledEventId: 5 } },
    ];
    const { spans, workflowTasks, tEnd, t0 } = spansOf(events as never);
    expect(spans).toEqual([{ what: 'preflight', fromMs: 50, toMs: 650, queuedMs: 100 }]);
    expect(workflowTasks).toEqual({ count: 1, totalMs: 40 });
    expect(tEnd - t0).toBe(650);
  });
});
