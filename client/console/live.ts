// A recovery, kept current by the API's server-sent events (no polling loop): one GET, then the
// `progress` events while it runs and the `result` event when it closes. The session cookie
// authenticates the EventSource (it cannot send an Authorization header).
import { useEffect, useState } from 'preact/hooks';
import { api, enc } from './api';
import type { RecoveryProgress, RecoveryView } from './types';

export interface Live {
  view?: RecoveryView;
  error?: unknown;
  streaming: boolean;
  reload(): void;
}

export function useLiveRecovery(id: string): Live {
  const [view, setView] = useState<RecoveryView>();
  const [error, setError] = useState<unknown>();
  const [streaming, setStreaming] = useState(false);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let source: EventSource | undefined;
    let stopped = false;
    api<RecoveryView>('GET', `/v1/recoveries/${enc(id)}`)
      .then((first) => {
        if (stopped) return;
        setView(first);
        setError(undefined);
        if (first.status !== 'Running') return;
        source = new EventSource(`/v1/recoveries/${enc(id)}/events?intervalMs=500`);
        setStreaming(true);
        source.addEventListener('progress', (e) => {
          const progress = JSON.parse((e as MessageEvent<string>).data) as RecoveryProgress;
          setView((v) => (v ? { ...v, phase: progress.phase, progress } : v));
        });
        source.addEventListener('result', (e) => {
          setView(JSON.parse((e as MessageEvent<string>).data) as RecoveryView);
          source?.close();
          setStreaming(false);
        });
        source.addEventListener('error', (e) => {
          const data = (e as MessageEvent<string>).data;
          if (data) setError(new Error((JSON.parse(data) as { message: string }).message));
        });
      })
      .catch(setError);
    return () => {
      stopped = true;
      source?.close();
      setStreaming(false);
    };
  }, [id, generation]);

  return { view, error, streaming, reload: () => setGeneration((g) => g + 1) };
}
