// Small shared pieces: API errors in the API's words, actions behind a confirmation dialog, counts.
import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { ApiError } from './api';
import type { StatusCounts } from './types';

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  if (error instanceof ApiError) {
    return (
      <div class="error" role="alert">
        <strong>
          {error.status} {error.code}
        </strong>
        {error.issues.length ? (
          <ul>
            {error.issues.map((i) => (
              <li key={i.field}>
                <code>{i.field}</code>: {i.rule}
              </li>
            ))}
          </ul>
        ) : (
          <span>: {error.message}</span>
        )}
      </div>
    );
  }
  return (
    <div class="error" role="alert">
      {error instanceof Error ? error.message : String(error)}
    </div>
  );
}

/** A button that asks before it acts; the dialog is native (<dialog>), so focus and Escape work. */
export function ConfirmAction(props: { label: string; question: string; danger?: boolean; onConfirm: () => Promise<unknown>; children?: ComponentChildren; disabled?: boolean }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState(false);
  const confirm = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await props.onConfirm();
      setDone(true);
      dialog.current?.close();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" class={props.danger ? 'danger' : ''} disabled={props.disabled} onClick={() => (setDone(false), setError(undefined), dialog.current?.showModal())}>
        {props.label}
      </button>
      {done ? <span class="ok" role="status">{props.label}: done</span> : null}
      <dialog ref={dialog} aria-label={props.label}>
        <p>{props.question}</p>
        {props.children}
        <ErrorBox error={error} />
        <div class="row">
          <button type="button" class={props.danger ? 'danger' : 'primary'} disabled={busy} onClick={() => void confirm()}>
            Confirm {props.label.toLowerCase()}
          </button>
          <button type="button" onClick={() => dialog.current?.close()}>
            Close
          </button>
        </div>
      </dialog>
    </>
  );
}

export function Counts({ counts }: { counts: StatusCounts }) {
  const keys = ['total', 'pending', 'verified', 'failed', 'skipped', 'cancelled'] as const;
  return (
    <dl class="counts">
      {keys.map((k) => (
        <div key={k} class={`count ${k}`}>
          <dt>{k}</dt>
          <dd data-count={k}>{counts[k]}</dd>
        </div>
      ))}
    </dl>
  );
}

export const when = (iso?: string): string => (iso ? new Date(iso).toLocaleString() : '');
