// One bulk migration: state, window, waves, children with counts and links, failures by reason.
// There is no event stream for migrations: the page reads once and on "Refresh" (no polling loop).
import { useEffect, useState } from 'preact/hooks';
import { api, enc } from '../api';
import { ConfirmAction, Counts, ErrorBox, when } from '../components';
import { recoveryHref } from '../router';
import type { Me, MigrationView } from '../types';

export function MigrationPage({ id, me }: { id: string; me: Me }) {
  const [view, setView] = useState<MigrationView>();
  const [error, setError] = useState<unknown>();
  const [generation, setGeneration] = useState(0);
  const [windowSize, setWindowSize] = useState('');
  const path = `/v1/migrations/${enc(id)}`;
  useEffect(() => {
    api<MigrationView>('GET', path).then((v) => (setView(v), setError(undefined)), setError);
  }, [path, generation]);
  const reload = (): void => setGeneration((g) => g + 1);
  const state = view?.result ?? view?.progress;
  const running = view?.status === 'Running';
  const operator = me.roles.includes('operator');
  const paused = view?.progress?.paused ?? false;
  const reasons = Object.entries(state?.reasons ?? {}).sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0));

  return (
    <section aria-labelledby="migration-title">
      <p>
        <a href="#/runs">← Runs</a>
      </p>
      <h1 id="migration-title">Migration {id}</h1>
      <ErrorBox error={error} />
      {view ? (
        <>
          <p class="meta">
            <span class={`badge ${view.status}`}>{view.status}</span> {view.result ? <span class={`badge ${view.result.outcome}`}>{view.result.outcome}</span> : null} started {when(view.startedAt)}
            {view.closedAt ? `, closed ${when(view.closedAt)}` : ''}{' '}
            <button type="button" onClick={reload}>
              Refresh
            </button>
          </p>
          {view.progress ? (
            <p>
              State <strong>{view.progress.state}</strong>, window <strong data-testid="window">{view.progress.window}</strong> children at a time
              {view.progress.paused ? ` — ${view.progress.pausedReason ?? `paused by ${view.progress.pausedBy ?? 'operator'}`}` : ''}
            </p>
          ) : null}
          {view.failure ? <div class="error">Failed: {view.failure.message}</div> : null}
          {state ? <Counts counts={state.counts} /> : null}
          {running && operator ? (
            <div class="actions row">
              {paused ? (
                <ConfirmAction label="Resume" question="Resume starting children?" onConfirm={() => api('POST', `${path}/resume`, {}).then(reload)} />
              ) : (
                <ConfirmAction label="Pause" question="Start no new children until resumed?" onConfirm={() => api('POST', `${path}/pause`, {}).then(reload)} />
              )}
              <ConfirmAction label="Change window" question="How many children may run at the same time?" onConfirm={() => api('POST', `${path}/window`, { window: Number(windowSize) }).then(reload)}>
                <label>
                  Children at a time
                  <input type="number" min={1} value={windowSize} onInput={(e) => setWindowSize(e.currentTarget.value)} />
                </label>
              </ConfirmAction>
              <ConfirmAction danger label="Cancel" question="Cancel this migration? Running children are cancelled gracefully; backups are kept." onConfirm={() => api('POST', `${path}/cancel`, {}).then(reload)} />
            </div>
          ) : null}
          {state ? (
            <>
              <h2>Waves</h2>
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Wave</th>
                      <th scope="col">Kind</th>
                      <th scope="col">State</th>
                      <th scope="col">Targets</th>
                      <th scope="col">Verified</th>
                      <th scope="col">Failed</th>
                      <th scope="col">Skipped</th>
                      <th scope="col">Failure rate</th>
                    </tr>
                  </thead>
                  <tbody>
                    {state.waves.map((w) => (
                      <tr key={w.index}>
                        <td>{w.index}</td>
                        <td>{w.kind}</td>
                        <td>
                          {w.state}
                          {w.pausedMigration ? ' (paused the migration)' : ''}
                        </td>
                        <td>{w.targets}</td>
                        <td>{w.verified}</td>
                        <td>{w.failed}</td>
                        <td>{w.skipped}</td>
                        <td>{w.failureRate === undefined ? '' : `${Math.round(w.failureRate * 100)}%`}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <h2>Failures by reason</h2>
              {reasons.length ? (
                <ul>
                  {reasons.map(([reason, n]) => (
                    <li key={reason}>
                      {reason}: {n}
                    </li>
                  ))}
                </ul>
              ) : (
                <p>None.</p>
              )}
              <h2>Children</h2>
              <p>
                {state.children.total} children: {state.children.running} running, {state.children.done} done, {state.children.failed} failed, {state.children.cancelled} cancelled.
              </p>
              <ul class="children">
                {Array.from({ length: state.children.total }, (_, i) => `${id}/${i}`).map((child) => (
                  <li key={child}>
                    <a href={recoveryHref(child)}>{child}</a>
                  </li>
                ))}
              </ul>
              <p>
                <a href={`${path}/report?format=csv`}>Download CSV report</a>
              </p>
            </>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
