// Progress of a recovery as an async stream: one snapshot whenever it changed, then the closed run.
// Used by the HTTP API's server-sent events and `cpr recover --wait`.
import type { Client } from '@temporalio/client';
import type { RecoveryProgress } from '../../workflows/types';
import { InvalidInputError } from './errors';
import { getRecovery, type RecoveryView } from './recoveries';

export type WatchEvent = { type: 'progress'; progress: RecoveryProgress } | { type: 'closed'; recovery: RecoveryView };

export interface WatchOptions {
  /** Time between checks (each check is one describe and one progress query). */
  intervalMs?: number;
  /** Stop watching (e.g. the HTTP client went away); the iterator then ends without a 'closed' event. */
  signal?: AbortSignal;
}

export const MIN_WATCH_INTERVAL_MS = 100;
export const MAX_WATCH_INTERVAL_MS = 60_000;

export async function* watchProgress(client: Client, id: string, options: WatchOptions = {}): AsyncGenerator<WatchEvent, void, undefined> {
  const intervalMs = options.intervalMs ?? 1_000;
  if (!Number.isInteger(intervalMs) || intervalMs < MIN_WATCH_INTERVAL_MS || intervalMs > MAX_WATCH_INTERVAL_MS) {
    throw new InvalidInputError([{ field: 'intervalMs', rule: `must be a whole number from ${MIN_WATCH_INTERVAL_MS} to ${MAX_WATCH_INTERVAL_MS}` }]);
  }
  const { signal } = options;
  let last: string | undefined;
  while (!signal?.aborted) {
    const view = await getRecovery(client, id);
    if (view.status !== 'Running') {
      yield { type: 'closed', recovery: view };
      return;
    }
    if (view.progress) {
      const snapshot = JSON.stringify(view.progress);
      if (snapshot !== last) {
        last = snapshot;
        yield { type: 'progress', progress: view.progress };
      }
    }
    await delay(intervalMs, signal);
  }
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
