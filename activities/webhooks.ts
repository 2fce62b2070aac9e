// Optional signed webhooks on recovery phase changes, backup release and the final result.
//
// Receiver contract: POST of a JSON body (`WebhookEvent` plus `deliveredAt`) with headers
//   X-Cpr-Signature: sha256=<hex HMAC-SHA256 of the raw body bytes, key = CPR_WEBHOOK_SECRET>
//   X-Cpr-Timestamp: <unix seconds, also in the body as deliveredAt, so the signature covers it>
//   X-Cpr-Event-Id:  <stable per event across retries: deduplicate on it>
// Any non-2xx reply or network error fails the attempt with a retryable failure; the workflow-side
// retry policy (workflows/notify.ts) bounds the attempts, and a failed delivery never fails a recovery.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../workflows/failures';
import type { Phase, RunOutcome, StatusCounts } from '../workflows/types';

export type WebhookEventType = 'recovery.started' | 'recovery.phase' | 'backup.released' | 'recovery.finished';

export interface WebhookEvent {
  /** `<workflowId>/<sequence>`: stable across retries of the same delivery. */
  eventId: string;
  type: WebhookEventType;
  workflowId: string;
  /** Workflow time of the event (ISO 8601). */
  occurredAt: string;
  phase?: Phase;
  outcome?: RunOutcome;
  counts?: StatusCounts;
  /** For backup.released: the backups deleted; for recovery.finished: those kept, with reasons. */
  backups?: { backupFileId: string; released: boolean; keptBecause?: string }[];
}

export interface WebhookConfig {
  url: string;
  secret: string;
  timeoutMs: number;
}

export interface DeliveryResult {
  delivered: boolean;
  status?: number;
}

export interface WebhookActivities {
  /** True when the worker has a webhook URL; the workflow asks once per run (local activity). */
  webhooksEnabled(): Promise<boolean>;
  deliverWebhook(event: WebhookEvent): Promise<DeliveryResult>;
}

export class WebhookConfigError extends Error {
  override readonly name = 'WebhookConfigError';
}

/** Reads CPR_WEBHOOK_URL / CPR_WEBHOOK_SECRET / CPR_WEBHOOK_TIMEOUT_MS; undefined when webhooks are off. */
export function loadWebhookConfig(env: Record<string, string | undefined> = process.env): WebhookConfig | undefined {
  const url = env.CPR_WEBHOOK_URL?.trim();
  if (!url) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WebhookConfigError('CPR_WEBHOOK_URL: must be an http(s) URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new WebhookConfigError('CPR_WEBHOOK_URL: must be an http(s) URL');
  const secret = env.CPR_WEBHOOK_SECRET ?? '';
  if (secret.length < 16) throw new WebhookConfigError('CPR_WEBHOOK_SECRET: must be set (at least 16 characters) when CPR_WEBHOOK_URL is set');
  const timeoutMs = Number(env.CPR_WEBHOOK_TIMEOUT_MS ?? 10_000);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 120_000) {
    throw new WebhookConfigError('CPR_WEBHOOK_TIMEOUT_MS: must be an integer between 100 and 120000');
  }
  return { url, secret, timeoutMs };
}

export function signBody(secret: string, rawBody: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/** For receivers (and tests): constant-time check of the X-Cpr-Signature header against the raw body. */
export function verifySignature(secret: string, rawBody: string | Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signBody(secret, rawBody));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function createWebhookActivities(
  config: WebhookConfig | undefined,
  hooks: { onDelivery?: (result: 'delivered' | 'rejected' | 'error') => void } = {},
): WebhookActivities {
  const report = (result: 'delivered' | 'rejected' | 'error'): void => {
    try {
      hooks.onDelivery?.(result);
    } catch {
      // Metrics never change a delivery's outcome.
    }
  };
  return {
    async webhooksEnabled() {
      return config !== undefined;
    },
    async deliverWebhook(event) {
      if (!config) return { delivered: false };
      const deliveredAt = Math.floor(Date.now() / 1000);
      const body = JSON.stringify({ ...event, deliveredAt });
      let response: Response;
      try {
        response = await fetch(config.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'cloudphone-recovery-webhooks/1',
            'x-cpr-signature': signBody(config.secret, body),
            'x-cpr-timestamp': String(deliveredAt),
            'x-cpr-event-id': event.eventId,
            'x-cpr-event-type': event.type,
          },
          body,
          signal: AbortSignal.timeout(config.timeoutMs),
        });
      } catch (err) {
        report('error');
        // The URL may carry a token in its query: name only the host.
        const host = safeHost(config.url);
        throw ApplicationFailure.retryable(`webhook to ${host} failed: ${err instanceof Error ? err.message : String(err)}`, FailureType.WebhookDeliveryFailed);
      }
      await response.arrayBuffer().catch(() => undefined);
      if (response.status < 200 || response.status >= 300) {
        report('rejected');
        throw ApplicationFailure.retryable(`webhook to ${safeHost(config.url)} answered HTTP ${response.status}`, FailureType.WebhookDeliveryFailed);
      }
      report('delivered');
      return { delivered: true, status: response.status };
    },
  };
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(webhook url)';
  }
}
