// One recovery: phase timeline, counts, backups (released or why not, approval), the per-target
// table filterable by status and reason, and the actions the caller's roles allow.
import { useState } from 'preact/hooks';
import { api, enc } from '../api';
import { ConfirmAction, Counts, ErrorBox, when } from '../components';
import { useLiveRecovery } from '../live';
import type { Me, Phase, RecoveryProgress, TargetResult } from '../types';

const PHASES: Phase[] = ['preflight', 'lease', 'protect', 'recover', 'poll', 'verify', 'release', 'done'];
const KEPT_BECAUSE: Record<string, string> = {
  'not-all-verified': 'kept: not every target verified',
  'policy-never': 'kept: the release policy is never',
  'approval-timeout': 'kept: nobody approved in time',
  'approval-pending': 'kept: approval is pending',
  cancelled: 'kept: the recovery was cancelled',
  'preflight-failed': 'kept: preflight failed',
  'release-failed': 'kept: the delete failed',
};

export function RecoveryPage({ id, me }: { id: string; me: Me }) {
  const live = useLiveRecovery(id);
  const [statusFilter, setStatusFilter] = useState('');
  const [reasonFilter, setReasonFilter] = useState('');
  const view = live.view;
  const state: RecoveryProgress | undefined = view?.result ?? view?.progress;
  const running = view?.status === 'Running';
  const can = (role: 'operator' | 'approver'): boolean => me.roles.includes(role);
  const path = `/v1/recoveries/${enc(id)}`;
  const targets = (state?.targets ?? []).filter((t) => (!statusFilter || t.status === statusFilter) && (!reasonFilter || t.reason === reasonFilter));
  const reasons = [...new Set((state?.targets ?? []).flatMap((t) => (t.reason ? [t.reason] : [])))].sort();

  return (
    <section aria-labelledby="recovery-title">
      <p>
        <a href="#/runs">← Runs</a>
      </p>
      <h1 id="recovery-title">Recovery {id}</h1>
      <ErrorBox error={live.error} />
      {!view ? <p aria-busy="true">Loading…</p> : null}
      {view ? (
        <>
          <p class="meta">
            <span class={`badge ${view.status}`} data-testid="run-status">
              {view.status}
            </span>{' '}
            {view.result ? (
              <span class={`badge ${view.result.outcome}`} data-testid="run-outcome">
                {view.result.outcome}
              </span>
            ) : null}{' '}
            {live.streaming ? <span class="live" aria-live="polite">● live</span> : null} started {when(view.startedAt)}
            {view.closedAt ? `, closed ${when(view.closedAt)}` : ''}
            {state?.requestedBy ? `, requested by ${state.requestedBy}` : ''}
          </p>
          {view.failure ? <div class="error">Failed: {view.failure.message}</div> : null}
          {view.progressUnavailable ? <p class="note">{view.progressUnavailable}</p> : null}
          {state ? (
            <>
              <ol class="timeline" aria-label="Phases">
                {PHASES.map((p) => {
                  const now = PHASES.indexOf(state.phase);
                  const at = PHASES.indexOf(p);
                  const cls = at < now || state.phase === 'done' ? 'past' : at === now ? 'current' : 'future';
                  return (
                    <li key={p} class={cls} aria-current={cls === 'current' ? 'step' : undefined}>
                      {p}
                    </li>
                  );
                })}
              </ol>
              <p class="flags">
                {state.paused ? <span class="badge paused">paused</span> : null}
                {state.cancelRequested ? <span class="badge cancelling">cancel requested</span> : null}
                {state.awaitingApproval ? (
                  <span class="badge waiting" data-testid="awaiting-approval">
                    awaiting release approval{state.distinctApprover ? ' (by someone other than the requester)' : ''}
                  </span>
                ) : null}
              </p>
              <Counts counts={state.counts} />

              <div class="actions row" role="group" aria-label="Actions">
                {running && can('operator') ? (
                  <>
                    {state.paused ? (
                      <ConfirmAction label="Resume" question="Resume starting new chunks?" onConfirm={() => api('POST', `${path}/resume`, {}).then(live.reload)} />
                    ) : (
                      <ConfirmAction label="Pause" question="Stop starting new chunks until resumed? Vendor tasks already running continue." onConfirm={() => api('POST', `${path}/pause`, {}).then(live.reload)} />
                    )}
                    <ConfirmAction danger label="Cancel" question="Cancel this recovery? Nothing new starts, running tasks settle, backups are kept." onConfirm={() => api('POST', `${path}/cancel`, {}).then(live.reload)} />
                  </>
                ) : null}
                {running && can('approver') && state.awaitingApproval ? (
                  <ConfirmAction label="Approve release" question={`Approve deleting ${state.backups.map((b) => b.backupFileId).join(', ')} as ${me.name}? This cannot be undone.`} onConfirm={() => api('POST', `${path}/approve`, {}).then(live.reload)} />
                ) : null}
              </div>

              <h2>Backups</h2>
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Backup</th>
                      <th scope="col">Source</th>
                      <th scope="col">Release</th>
                      <th scope="col">Source may be reset</th>
                    </tr>
                  </thead>
                  <tbody>
                    {state.backups.map((b) => (
                      <tr key={b.backupFileId}>
                        <td>{b.backupFileId}</td>
                        <td>{b.sourceInstanceId ?? ''}</td>
                        <td data-testid={`release-${b.backupFileId}`}>
                          {b.released ? 'released' : b.keptBecause ? KEPT_BECAUSE[b.keptBecause] ?? b.keptBecause : state.awaitingApproval ? 'waiting for approval' : `not yet (policy ${state.releaseBackup ?? 'after-all-verified'})`}
                          {b.released && state.approvedBy ? `, approved by ${state.approvedBy}` : ''}
                        </td>
                        <td>{b.sourceMayBeReset ? 'yes' : 'no'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>

              <h2>Targets</h2>
              <div class="filters row">
                <label>
                  Status
                  <select value={statusFilter} onChange={(e) => setStatusFilter(e.currentTarget.value)}>
                    <option value="">any</option>
                    {['pending', 'verified', 'failed', 'skipped', 'cancelled'].map((s) => (
                      <option key={s}>{s}</option>
                    ))}
                  </select>
                </label>
                <label>
                  Reason
                  <select value={reasonFilter} onChange={(e) => setReasonFilter(e.currentTarget.value)}>
                    <option value="">any</option>
                    {reasons.map((r) => (
                      <option key={r}>{r}</option>
                    ))}
                  </select>
                </label>
                <a href={`${path}/report?format=csv`}>Download CSV report</a>
              </div>
              <TargetTable targets={targets} />
            </>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

function TargetTable({ targets }: { targets: TargetResult[] }) {
  return (
    <div class="table-wrap">
      <table data-testid="targets">
        <thead>
          <tr>
            <th scope="col">Instance</th>
            <th scope="col">Status</th>
            <th scope="col">Phase</th>
            <th scope="col">Attempts</th>
            <th scope="col">Reason</th>
            <th scope="col">Evidence</th>
            <th scope="col">Snapshot</th>
          </tr>
        </thead>
        <tbody>
          {targets.map((t) => (
            <tr key={t.instanceId}>
              <td>{t.instanceId}</td>
              <td>
                <span class={`badge ${t.status}`}>{t.status}</span>
              </td>
              <td>{t.phase}</td>
              <td>{t.attempts}</td>
              <td>
                {t.reason ?? ''}
                {t.message ? <div class="small">{t.message}</div> : null}
              </td>
              <td class="small">{t.evidence ? JSON.stringify(t.evidence) : ''}</td>
              <td>{t.snapshotBackupFileId ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
