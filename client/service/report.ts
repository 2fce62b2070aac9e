// Reports of a recovery for tickets and spreadsheets. CSV follows RFC 4180 and neutralises cells a
// spreadsheet would evaluate as formulas (CSV injection), since messages can carry vendor text.
import type { RecoveryProgress, RecoveryResult, TargetResult } from '../../workflows/types';

export type ReportFormat = 'json' | 'csv';
export const REPORT_FORMATS: readonly ReportFormat[] = ['json', 'csv'];

export const CSV_COLUMNS = ['instanceId', 'backupFileId', 'status', 'phase', 'reason', 'attempts', 'taskIds', 'snapshotBackupFileId', 'message'] as const;

export function reportContentType(format: ReportFormat): string {
  return format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8';
}

/** A report of a finished run (or of a running one's progress so far). */
export function buildReport(result: RecoveryResult | RecoveryProgress, format: ReportFormat): string {
  if (format === 'csv') return toCsv(result.targets);
  const finished = 'outcome' in result ? { outcome: result.outcome, finishedAt: result.finishedAt } : {};
  return JSON.stringify(
    {
      workflowId: result.workflowId,
      ...finished,
      phase: result.phase,
      startedAt: result.startedAt,
      updatedAt: result.updatedAt,
      counts: result.counts,
      backups: result.backups,
      snapshots: result.snapshots,
      targets: result.targets,
    },
    null,
    2,
  );
}

function toCsv(targets: TargetResult[]): string {
  const rows = [CSV_COLUMNS.map((c) => csvCell(c))];
  for (const t of targets) {
    rows.push(
      [t.instanceId, t.backupFileId, t.status, t.phase, t.reason ?? '', String(t.attempts), t.taskIds.join(';'), t.snapshotBackupFileId ?? '', t.message ?? ''].map(csvCell),
    );
  }
  return rows.map((r) => r.join(',')).join('\r\n') + '\r\n';
}

/** One RFC 4180 cell; a leading = + - @ (or tab/CR) gets a ' so spreadsheets show it as text. */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
