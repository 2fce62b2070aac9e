// Workflow-side notifications: webhooks (activities/webhooks.ts) and worker metrics (sink `cprMetrics`).
// Every function here is safe to call and forget: the returned promise never rejects, and a dead webhook
// receiver or a worker without webhooks configured never fails a recovery. Only notifyFinished should
// be awaited: it holds the run open until pending deliveries are done (at most FLUSH_TIMEOUT).
//
// Cost: with webhooks off, one local activity per run (`webhooksEnabled`, a marker event) and nothing
// else; with webhooks on, one activity per event (about 10 per run).
import { CancellationScope, condition, log, proxyActivities, proxyLocalActivities, proxySinks, workflowInfo, type Sinks } from '@temporalio/workflow';
import type { WebhookActivities, WebhookEvent } from '../activities/webhooks';
import type { BackupOutcome, Phase, RecoveryResult, StatusCounts } from './types';

/**
 * What the recovery workflow reports to worker/metrics.ts. The reports carry no data: the worker counts
 * a report only after the server's history shows the reporting task was accepted, and reads the result
 * from the server (worker/confirmed-counts.ts). Sink arguments of older bundles are ignored.
 */
export interface CprMetricsSinks extends Sinks {
  cprMetrics: {
    recoveryStarted(): void;
    recoveryFinished(): void;
  };
}

const { cprMetrics } = proxySinks<CprMetricsSinks>();

const { deliverWebhook } = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '15 seconds',
  // Bounded: a receiver that is down for a minute loses the event (logged), the recovery goes on.
  scheduleToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '15 seconds', maximumAttempts: 6 },
});
// One attempt: on a worker that does not register it, the answer is simply "off", without retry delays.
const { webhooksEnabled } = proxyLocalActivities<WebhookActivities>({
  startToCloseTimeout: '5 seconds',
  retry: { maximumAttempts: 1 },
});

/** Deliveries still retrying when the run closes are dropped by the server, so the end waits this long. */
const FLUSH_TIMEOUT = '1 minute';

type EventBody = Omit<WebhookEvent, 'eventId' | 'workflowId' | 'occurredAt'>;

function metricsSafe(fn: () => void): void {
  try {
    fn();
  } catch {
    // A sink that is not registered on this worker must not fail the workflow.
  }
}

/**
 * One per workflow run (held by the run's state, never in module scope: workers reuse one V8 context
 * for many workflows, so module variables would leak between runs and break replay).
 */
export class Notifier {
  private enabled: Promise<boolean> | undefined;
  private sequence = 0;
  private inFlight = 0;

  private webhooksOn(): Promise<boolean> {
    this.enabled ??= webhooksEnabled().catch(() => false);
    return this.enabled;
  }

  private send(body: EventBody): Promise<void> {
    const info = workflowInfo();
    const event: WebhookEvent = {
      ...body,
      eventId: `${info.workflowId}/${info.runId}/${++this.sequence}`,
      workflowId: info.workflowId,
      occurredAt: new Date().toISOString(),
    };
    this.inFlight++;
    // Non-cancellable so a cancelled recovery still reports its phases and result.
    return CancellationScope.nonCancellable(async () => {
      if (!(await this.webhooksOn())) return;
      await deliverWebhook(event);
    })
      .catch((err: unknown) => {
        log.warn('webhook not delivered', { eventType: event.type, eventId: event.eventId, error: err instanceof Error ? err.message : String(err) });
      })
      .finally(() => {
        this.inFlight--;
      });
  }

  /** Call once when the run starts (before preflight); counted once the reporting task is accepted. */
  started(): Promise<void> {
    metricsSafe(() => cprMetrics.recoveryStarted());
    return this.send({ type: 'recovery.started' });
  }

  /** Call on every phase change, right after progress.phase is set. */
  phase(phase: Phase, counts?: StatusCounts): Promise<void> {
    return this.send({ type: 'recovery.phase', phase, ...(counts ? { counts: { ...counts } } : {}) });
  }

  /** Call after releaseBackups with the backups' outcomes; sends only when at least one was deleted. */
  released(backups: BackupOutcome[]): Promise<void> {
    const released = backups.filter((b) => b.released);
    if (released.length === 0) return Promise.resolve();
    return this.send({ type: 'backup.released', backups: released.map((b) => ({ backupFileId: b.backupFileId, released: true })) });
  }

  /**
   * Call once with the final result, and await it before returning the result: it also waits (at most
   * FLUSH_TIMEOUT, one timer, only when webhooks are on) for earlier events still being retried.
   */
  async finished(result: RecoveryResult): Promise<void> {
    void this.send({
      type: 'recovery.finished',
      outcome: result.outcome,
      counts: { ...result.counts },
      backups: result.backups.map((b) => ({ backupFileId: b.backupFileId, released: b.released, ...(b.keptBecause ? { keptBecause: b.keptBecause } : {}) })),
    });
    if (!(await this.webhooksOn())) return;
    await CancellationScope.nonCancellable(() => condition(() => this.inFlight === 0, FLUSH_TIMEOUT));
  }

  /**
   * Call synchronously right before `return result`, with nothing awaited in between: the metrics
   * count this report only if the workflow task that makes it is the one that completes the run (the
   * worker checks the history; see worker/confirmed-counts.ts). Not a command, so replay-safe anywhere.
   */
  returning(): void {
    metricsSafe(() => cprMetrics.recoveryFinished());
  }
}
