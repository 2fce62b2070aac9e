// Commands on existing recoveries: status, list, cancel, approve, pause, resume, report.
import { writeFileSync } from 'node:fs';
import {
  InvalidInputError,
  REPORT_FORMATS,
  approveRelease,
  buildReport,
  cancelRecovery,
  checkWorkflowId,
  getRecovery,
  listRecoveries,
  parseListFilter,
  pauseRecovery,
  resumeRecovery,
  type ReportFormat,
} from '../service';
import type { CliContext } from './context';
import { CliError, EXIT } from './errors';
import { printJson } from './output';
import { renderList, renderRecovery } from './render';

export async function statusCommand(id: string, ctx: CliContext): Promise<number> {
  checkWorkflowId(id, '<id>');
  return ctx.withClient(async (client) => {
    const view = await getRecovery(client, id);
    if (ctx.output === 'json') printJson(view);
    else process.stdout.write(`${renderRecovery(view)}\n`);
    return EXIT.ok;
  });
}

export interface ListFlags {
  backup?: string;
  phase?: string;
  status?: string;
  outcome?: string;
  limit?: string;
}

export async function listCommand(flags: ListFlags, ctx: CliContext): Promise<number> {
  const limit = flags.limit === undefined ? undefined : Number(flags.limit);
  if (limit !== undefined && !Number.isInteger(limit)) throw new InvalidInputError([{ field: '--limit', rule: 'must be a whole number' }]);
  const filter = {
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
    const rows = await listRecoveries(client, filter as Parameters<typeof listRecoveries>[1]);
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
  return field === 'backupFileId' ? 'backup' : field;
}

export async function cancelCommand(id: string, ctx: CliContext): Promise<number> {
  checkWorkflowId(id, '<id>');
  return ctx.withClient(async (client) => {
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
    const res = await pauseRecovery(client, id, flags.reason !== undefined ? { reason: flags.reason } : {});
    if (ctx.output === 'json') printJson(res);
    else process.stdout.write(`paused: ${id} (work in flight finishes; nothing new is submitted until cpr resume)\n`);
    return EXIT.ok;
  });
}

export async function resumeCommand(id: string, ctx: CliContext): Promise<number> {
  checkWorkflowId(id, '<id>');
  return ctx.withClient(async (client) => {
    const res = await resumeRecovery(client, id);
    if (ctx.output === 'json') printJson(res);
    else process.stdout.write(`resumed: ${id}\n`);
    return EXIT.ok;
  });
}

export async function reportCommand(id: string, flags: { format?: string; out?: string }, ctx: CliContext): Promise<number> {
  checkWorkflowId(id, '<id>');
  const format = (flags.format ?? 'json') as ReportFormat;
  if (!REPORT_FORMATS.includes(format)) throw new InvalidInputError([{ field: '--format', rule: `must be one of ${REPORT_FORMATS.join(', ')}` }]);
  return ctx.withClient(async (client) => {
    const view = await getRecovery(client, id);
    const state = view.result ?? view.progress;
    if (!state) throw new CliError(`recovery ${id} has no progress to report yet${view.progressUnavailable ? ` (${view.progressUnavailable})` : ''}`, EXIT.unavailable);
    const report = buildReport(state, format);
    if (flags.out) {
      writeFileSync(flags.out, report);
      process.stderr.write(`report written to ${flags.out}\n`);
    } else process.stdout.write(report.endsWith('\n') ? report : `${report}\n`);
    return EXIT.ok;
  });
}
