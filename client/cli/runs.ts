// Commands on existing runs: status, list, cancel, approve, pause, resume, window, report. Each takes a
// recovery or a migration ID; the kind comes from the workflow type (client/service/runs.ts).
import { writeFileSync } from 'node:fs';
import {
  InvalidInputError,
  NotFoundError,
  REPORT_FORMATS,
  approveRelease,
  buildReport,
  cancelMigration,
  cancelRecovery,
  checkWorkflowId,
  getMigration,
  getMigrationResult,
  getRecovery,
  listRuns,
  migrationReport,
  parseListFilter,
  pauseMigration,
  pauseRecovery,
  resumeMigration,
  resumeRecovery,
  runKind,
  setMigrationWindow,
  type ReportFormat,
} from '../service';
import { MAX_WINDOW } from '../../workflows/plan';
import { RUN_KINDS, type RunKind } from '../../workflows/types';
import type { CliContext } from './context';
import { CliError, EXIT } from './errors';
import { printJson } from './output';
import { renderList, renderMigration, renderRecovery } from './render';

export async function statusCommand(id: string, ctx: CliContext): Promise<number> {
  checkWorkflowId(id, '<id>');
  return ctx.withClient(async (client) => {
    if ((await runKind(client, id)) === 'migration') {
      const view = await getMigration(client, id);
      if (ctx.output === 'json') printJson({ kind: 'migration', ...view });
      else process.stdout.write(`${renderMigration(view)}\n`);
      return EXIT.ok;
    }
    const view = await getRecovery(client, id);
    if (ctx.output === 'json') printJson({ kind: 'recovery', ...view });
    else process.stdout.write(`${renderRecovery(view)}\n`);
    return EXIT.ok;
  });
}

export interface ListFlags {
  kind?: string;
  schedule?: string;
  backup?: string;
  phase?: string;
  status?: string;
  outcome?: string;
  limit?: string;
}

export async function listCommand(flags: ListFlags, ctx: CliContext): Promise<number> {
  const limit = flags.limit === undefined ? undefined : Number(flags.limit);
  if (limit !== undefined && !Number.isInteger(limit)) throw new InvalidInputError([{ field: '--limit', rule: 'must be a whole number' }]);
  const kind = flags.kind?.toLowerCase();
  if (kind !== undefined && !(RUN_KINDS as readonly string[]).includes(kind)) throw new InvalidInputError([{ field: '--kind', rule: `must be one of ${RUN_KINDS.join(', ')}` }]);
  const filter = {
    ...(flags.schedule !== undefined ? { scheduleId: flags.schedule } : {}),
    ...(flags.backup !== undefined ? { backupFileId: flags.backup } : {}),
    ...(flags.phase !== undefined ? { phase: flags.phase } : {}),
    ...(flags.status !== undefined ? { status: capitalise(flags.status) } : {}),
    ...(flags.outcome !== undefined ? { outcome: flags.outcome } : {}),
    ...(limit !== undefined ? { limit } : {}),
  };
  try {
    parseListFilter(filter);
  } catch (err) {
    if (err instanceof InvalidInputError) throw new InvalidInputError(err.issues.map((i) => ({ ...i, field: `--${flagName(i.field)}` })));
    throw err;
  }
  return ctx.withClient(async (client) => {
    const rows = await listRuns(client, filter as Parameters<typeof listRuns>[1], kind ? [kind as RunKind] : RUN_KINDS);
    if (ctx.output === 'json') printJson(rows);
    else process.stdout.write(`${renderList(rows)}\n`);
    return EXIT.ok;
  });
}

/** `--status running` reads better than `Running`; visibility wants the capitalised name. */
function capitalise(s: string): string {
  const known: Record<string, string> = { continuedasnew: 'ContinuedAsNew', timedout: 'TimedOut', cancelled: 'Canceled', canceled: 'Canceled' };
  const lower = s.toLowerCase();
  return known[lower] ?? lower.charAt(0).toUpperCase() + lower.slice(1);
}

function flagName(field: string): string {
  return field === 'backupFileId' ? 'backup' : field === 'scheduleId' ? 'schedule' : field;
}

export async function cancelCommand(id: string, flags: { reason?: string }, ctx: CliContext): Promise<number> {
  checkWorkflowId(id, '<id>');
  return ctx.withClient(async (client) => {
    if ((await runKind(client, id)) === 'migration') {
      const res = await cancelMigration(client, id, flags.reason !== undefined ? { reason: flags.reason } : {});
      if (ctx.output === 'json') printJson({ migrationId: id, ...res });
      else process.stdout.write(`cancel requested: ${id} (nothing new starts; ${res.running} running recoveries are cancelled and clean up; backups are kept)\n`);
      return EXIT.ok;
    }
    const res = await cancelRecovery(client, id);
    if (ctx.output === 'json') printJson(res);
    else process.stdout.write(`cancel requested: ${res.workflowId} (targets in flight finish or are marked cancelled; the backup is kept)\n`);
    return EXIT.ok;
  });
}

export async function approveCommand(id: string, flags: { by?: string; note?: string }, ctx: CliContext): Promise<number> {
  checkWorkflowId(id, '<id>');
  return ctx.withClient(async (client) => {
    const res = await approveRelease(client, id, { ...(flags.by !== undefined ? { approvedBy: flags.by } : {}), ...(flags.note !== undefined ? { note: flags.note } : {}) });
    if (ctx.output === 'json') printJson(res);
    else process.stdout.write(`release approved for ${id}: ${res.backups.join(', ') || '(no backups)'}\n`);
    return EXIT.ok;
  });
}

export async function pauseCommand(id: string, flags: { reason?: string }, ctx: CliContext): Promise<number> {
  checkWorkflowId(id, '<id>');
  return ctx.withClient(async (client) => {
    const request = flags.reason !== undefined ? { reason: flags.reason } : {};
    const res = (await runKind(client, id)) === 'migration' ? await pauseMigration(client, id, request) : await pauseRecovery(client, id, request);
    if (ctx.output === 'json') printJson(res);
    else process.stdout.write(`paused: ${id} (work in flight finishes; nothing new is submitted until cpr resume)\n`);
    return EXIT.ok;
  });
}

export async function resumeCommand(id: string, ctx: CliContext): Promise<number> {
  checkWorkflowId(id, '<id>');
  return ctx.withClient(async (client) => {
    const res = (await runKind(client, id)) === 'migration' ? await resumeMigration(client, id) : await resumeRecovery(client, id);
    if (ctx.output === 'json') printJson(res);
    else process.stdout.write(`resumed: ${id}\n`);
    return EXIT.ok;
  });
}

export async function windowCommand(id: string, size: string, ctx: CliContext): Promise<number> {
  checkWorkflowId(id, '<id>');
  if (!/^\d+$/.test(size) || Number(size) < 1 || Number(size) > MAX_WINDOW) throw new InvalidInputError([{ field: '<n>', rule: `must be a whole number from 1 to ${MAX_WINDOW}` }]);
  return ctx.withClient(async (client) => {
    // Only a migration has a window: a recovery's ID is "not found" as a migration.
    if ((await runKind(client, id)) !== 'migration') throw new NotFoundError('migration', id);
    const res = await setMigrationWindow(client, id, Number(size));
    if (ctx.output === 'json') printJson(res);
    else process.stdout.write(`window of ${id}: ${res.window} recoveries at once\n`);
    return EXIT.ok;
  });
}

export async function reportCommand(id: string, flags: { format?: string; out?: string }, ctx: CliContext): Promise<number> {
  checkWorkflowId(id, '<id>');
  const format = (flags.format ?? 'json') as ReportFormat;
  if (!REPORT_FORMATS.includes(format)) throw new InvalidInputError([{ field: '--format', rule: `must be one of ${REPORT_FORMATS.join(', ')}` }]);
  return ctx.withClient(async (client) => {
    if ((await runKind(client, id)) === 'migration') {
      writeReport(migrationReport(await getMigrationResult(client, id), format), flags.out);
      return EXIT.ok;
    }
    const view = await getRecovery(client, id);
    const state = view.result ?? view.progress;
    if (!state) throw new CliError(`recovery ${id} has no progress to report yet${view.progressUnavailable ? ` (${view.progressUnavailable})` : ''}`, EXIT.unavailable);
    writeReport(buildReport(state, format), flags.out);
    return EXIT.ok;
  });
}

function writeReport(report: string, out: string | undefined): void {
  if (out) {
    writeFileSync(out, report);
    process.stderr.write(`report written to ${out}\n`);
  } else process.stdout.write(report.endsWith('\n') ? report : `${report}\n`);
}
