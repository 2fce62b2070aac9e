// Text views of runs: `cpr status` (recovery or migration), the end of `cpr recover --wait`,
// `cpr recover --dry-run`, `cpr list`.
import type { MigrationView, RecoveryView, RunFailure, RunSummary } from '../service';
import type { DryRunResult } from '../../workflows/dry-run';
import type { Evidence, RecoveryProgress, TargetResult } from '../../workflows/types';
import { renderTable } from './output';

export function renderRecovery(view: RecoveryView): string {
  const state: RecoveryProgress | undefined = view.result ?? view.progress;
  const lines: string[] = [];
  const kv = (k: string, v: string | undefined): void => {
    if (v) lines.push(`${k.padEnd(10)} ${v}`);
  };
  kv('Recovery', `${view.workflowId}  (run ${view.runId})`);
  kv('Summary', view.summary);
  const outcome = view.result?.outcome ?? view.outcome;
  kv('Status', [view.status, outcome ? `outcome ${outcome}` : '', state?.phase ?? view.phase ? `phase ${state?.phase ?? view.phase}` : ''].filter(Boolean).join(' · '));
  if (state) {
    const flags = [state.paused ? 'paused' : '', state.awaitingApproval ? 'awaiting release approval (cpr approve)' : '', state.cancelRequested ? 'cancel requested' : ''].filter(Boolean);
    kv('Control', flags.join(' · '));
  }
  kv('Started', view.startedAt);
  kv('Closed', view.closedAt);
  lines.push(...failureLines(view.failure));
  if (view.progressUnavailable) kv('Progress', `unavailable: ${view.progressUnavailable}`);
  if (!state) {
    kv('Backups', view.backupFileIds.join(', '));
    return lines.join('\n');
  }
  const c = state.counts;
  kv('Targets', `${c.total} total: ${c.verified} verified, ${c.failed} failed, ${c.skipped} skipped, ${c.cancelled} cancelled, ${c.pending} pending`);
  for (const b of state.backups) {
    const fate = b.released ? 'released (deleted)' : `kept${b.keptBecause ? ` (${b.keptBecause})` : ''}`;
    const source = b.sourceInstanceId ? `; source ${b.sourceInstanceId} ${b.sourceMayBeReset ? 'may now be reset' : 'must NOT be reset'}` : '';
    kv('Backup', `${b.backupFileId} ${fate}${source}`);
  }
  for (const s of state.snapshots) kv('Snapshot', `${s.instanceId}: existing app saved as ${s.backupFileId}`);
  lines.push('');
  lines.push(renderTargets(state.targets));
  return lines.join('\n');
}

export function renderTargets(targets: TargetResult[]): string {
  return renderTable(
    ['INSTANCE', 'BACKUP', 'STATUS', 'PHASE', 'ATTEMPTS', 'TASKS', 'REASON', 'DETAIL'],
    targets.map((t) => [t.instanceId, t.backupFileId, t.status, t.phase, t.attempts, t.taskIds.join(',') || undefined, t.reason, detail(t)]),
    100,
  );
}

function detail(t: TargetResult): string | undefined {
  const parts = [t.message, evidenceText(t.evidence), t.snapshotBackupFileId ? `snapshot ${t.snapshotBackupFileId}` : undefined].filter(Boolean);
  return parts.length ? parts.join('; ') : undefined;
}

function evidenceText(e: Evidence | undefined): string | undefined {
  if (!e) return undefined;
  const parts: string[] = [];
  if (e.expected !== undefined) parts.push(`expected ${short(e.expected)}`);
  if (e.found !== undefined) parts.push(`found ${short(e.found)}`);
  if (e.detail) parts.push(e.detail);
  return parts.length ? parts.join(', ') : undefined;
}

function short(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 59)}…` : s;
}

export function renderDryRun(result: DryRunResult): string {
  const lines = [
    `Dry run: ${result.ok ? 'every target would be recovered' : 'some targets would NOT be recovered'} (${result.counts.ready} ready, ${result.counts.blocked} blocked of ${result.counts.total}); nothing was changed.`,
  ];
  for (const b of result.backups) {
    lines.push(`Backup ${b.backupFileId}: ${b.ok ? 'ok' : `${b.reason ?? 'not usable'}${b.message ? ` — ${b.message}` : ''}`}${b.packages.length ? ` · packages ${b.packages.join(', ')}` : ''}`);
  }
  lines.push('');
  lines.push(
    renderTable(
      ['INSTANCE', 'BACKUP', 'VERDICT', 'ACTION', 'REASON', 'DETAIL'],
      result.targets.map((t) => [t.instanceId, t.backupFileId, t.ok ? 'ready' : 'blocked', t.plannedAction, t.reason, [t.message, t.existingPackages.length ? `has ${t.existingPackages.join(', ')}` : ''].filter(Boolean).join('; ')]),
      100,
    ),
  );
  return lines.join('\n');
}

/** The failure of a run that ended without a result; a rejected input lists each field and rule. */
function failureLines(failure: RunFailure | undefined): string[] {
  if (!failure) return [];
  const lines = [`${'Failure'.padEnd(10)} ${failure.type ? `${failure.type}: ` : ''}${failure.message}`];
  for (const issue of failure.issues ?? []) lines.push(`${''.padEnd(10)}   ${issue.field}: ${issue.rule}`);
  return lines;
}

export function renderMigration(view: MigrationView): string {
  const lines: string[] = [];
  const kv = (k: string, v: string | undefined): void => {
    if (v) lines.push(`${k.padEnd(10)} ${v}`);
  };
  const state = view.result ?? view.progress;
  kv('Migration', `${view.migrationId}  (run ${view.runId})`);
  kv('Status', [view.status, view.result ? `outcome ${view.result.outcome}` : view.progress ? `state ${view.progress.state}` : ''].filter(Boolean).join(' · '));
  if (view.progress) {
    const p = view.progress;
    kv('Window', `${p.window} recoveries at once`);
    kv('Control', [p.paused ? `paused${p.pausedBy ? ` by ${p.pausedBy}` : ''}${p.pausedReason ? `: ${p.pausedReason}` : ''}` : '', p.cancelRequested ? 'cancel requested' : ''].filter(Boolean).join(' · '));
  }
  kv('Started', view.startedAt);
  kv('Closed', view.closedAt);
  lines.push(...failureLines(view.failure));
  if (view.progressUnavailable) kv('Progress', `unavailable: ${view.progressUnavailable}`);
  if (!state) return lines.join('\n');
  const c = state.counts;
  kv('Targets', `${c.total} total: ${c.verified} verified, ${c.failed} failed, ${c.skipped} skipped, ${c.cancelled} cancelled, ${c.pending} pending`);
  const ch = state.children;
  kv('Children', `${ch.total} total: ${ch.running} running, ${ch.done} done, ${ch.failed} failed, ${ch.cancelled} cancelled`);
  const reasons = Object.entries(state.reasons).map(([reason, n]) => `${reason} ${n}`);
  kv('Reasons', reasons.join(', '));
  if (view.result) kv('Report', `cpr report ${view.migrationId} --format csv`);
  lines.push('');
  lines.push(
    renderTable(
      ['WAVE', 'KIND', 'STATE', 'TARGETS', 'CHILDREN', 'VERIFIED', 'FAILED', 'SKIPPED', 'CANCELLED', 'FAILURE RATE'],
      state.waves.map((w) => [
        w.index,
        w.kind,
        w.state,
        w.targets,
        w.chunks,
        w.verified,
        w.failed,
        w.skipped,
        w.cancelled,
        w.failureRate === undefined ? undefined : `${Math.round(w.failureRate * 1000) / 10}%${w.pausedMigration ? ' (paused)' : ''}`,
      ]),
    ),
  );
  return lines.join('\n');
}

export function renderList(rows: RunSummary[]): string {
  if (rows.length === 0) return 'no runs match';
  return renderTable(
    ['KIND', 'WORKFLOW ID', 'STATUS', 'PHASE', 'OUTCOME', 'BACKUPS', 'TARGETS', 'VERIFIED', 'FAILED', 'STARTED', 'SCHEDULE'],
    rows.map((r) => [r.kind, r.workflowId, r.status, r.phase, r.outcome, r.backupFileIds.join(','), r.targets, r.verified, r.failed, r.startedAt, r.scheduledBy]),
  );
}
