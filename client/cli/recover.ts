// `cpr recover`: start a recovery from flags or a JSON file, optionally follow it (--wait) or only run
// its preflight (--dry-run). Input is validated here, before any connection, so bad input never
// starts anything (exit 2 with one `field: rule` line per problem).
import { readFileSync } from 'node:fs';
import { InvalidInputError, dryRun, parseInput, startRecovery, checkRequestId } from '../service';
import { recoverAppInputSchema, type InputIssue } from '../../workflows/input';
import type { CliContext } from './context';
import { CliError, EXIT } from './errors';
import { followRecovery } from './progress';
import { printJson } from './output';
import { renderDryRun, renderRecovery } from './render';

export interface RecoverFlags {
  file?: string;
  backup?: string;
  backupPath?: string;
  uploadEndpoint?: string;
  instances?: string;
  existingApp?: string;
  release?: string;
  onBusy?: string;
  verifyData?: string;
  verifyVersion?: string;
  packages?: string;
  requestedBy?: string;
  /** CPR_OPERATOR or the OS user: used when neither --requested-by nor the file names someone. */
  defaultRequestedBy?: string;
  requestId?: string;
  wait?: boolean;
  dryRun?: boolean;
  taskQueue?: string;
}

/** Turns flags (or the file) into the raw recovery input; throws InvalidInputError naming the flag. */
export function recoverInputFromFlags(flags: RecoverFlags, readFile: (path: string) => string = defaultReadFile): unknown {
  const issues: InputIssue[] = [];
  const flagInputs = [flags.backup, flags.instances, flags.backupPath, flags.uploadEndpoint].some((v) => v !== undefined);
  if (flags.file !== undefined) {
    if (flagInputs) throw new InvalidInputError([{ field: '--file', rule: 'use either --file or --backup/--instances, not both' }]);
    let text: string;
    try {
      text = readFile(flags.file);
    } catch {
      throw new InvalidInputError([{ field: '--file', rule: `cannot read ${flags.file}` }]);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new InvalidInputError([{ field: '--file', rule: `not valid JSON (${err instanceof Error ? err.message : String(err)})` }]);
    }
    return applyOptionFlags(raw, flags);
  }
  if (flags.backup === undefined) issues.push({ field: '--backup', rule: 'required (or give --file input.json)' });
  if (flags.instances === undefined) issues.push({ field: '--instances', rule: 'required: comma-separated instance IDs (or give --file input.json)' });
  if (issues.length) throw new InvalidInputError(issues);
  const raw: Record<string, unknown> = {
    backupFileId: flags.backup,
    instanceIds: splitList(flags.instances!),
    ...(flags.backupPath !== undefined ? { backupFilePath: flags.backupPath } : {}),
    ...(flags.uploadEndpoint !== undefined ? { uploadEndpoint: flags.uploadEndpoint } : {}),
  };
  return applyOptionFlags(raw, flags);
}

function applyOptionFlags(raw: unknown, flags: RecoverFlags): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const out: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  if (flags.existingApp !== undefined) out.existingApp = flags.existingApp;
  if (flags.release !== undefined) out.releaseBackup = flags.release;
  if (flags.onBusy !== undefined) out.onBusyInstance = flags.onBusy;
  if (flags.requestedBy !== undefined) out.requestedBy = flags.requestedBy;
  else if (out.requestedBy === undefined && flags.defaultRequestedBy !== undefined) out.requestedBy = flags.defaultRequestedBy;
  if (flags.verifyData !== undefined || flags.verifyVersion !== undefined || flags.packages !== undefined) {
    const verification = typeof out.verification === 'object' && out.verification !== null ? { ...(out.verification as Record<string, unknown>) } : {};
    if (flags.verifyData !== undefined) verification.data = flags.verifyData;
    if (flags.verifyVersion !== undefined) verification.version = flags.verifyVersion;
    if (flags.packages !== undefined) verification.packages = splitList(flags.packages);
    out.verification = verification;
  }
  return out;
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function defaultReadFile(path: string): string {
  return readFileSync(path === '-' ? 0 : path, 'utf8');
}

export async function recoverCommand(flags: RecoverFlags, ctx: CliContext): Promise<number> {
  const plan = parseInput(recoverAppInputSchema, recoverInputFromFlags(flags));
  if (flags.requestId !== undefined) checkRequestId(flags.requestId, '--request-id');
  if (flags.dryRun && flags.wait) throw new InvalidInputError([{ field: '--dry-run', rule: 'cannot be combined with --wait (a dry run always waits)' }]);
  if (flags.dryRun && flags.requestId !== undefined) throw new InvalidInputError([{ field: '--request-id', rule: 'a dry run starts nothing, so it takes no request ID' }]);

  return ctx.withClient(async (client) => {
    const taskQueue = flags.taskQueue ?? ctx.taskQueue;
    if (flags.dryRun) {
      const result = await dryRun(client, plan, { ...(taskQueue ? { taskQueue } : {}) });
      if (ctx.output === 'json') printJson(result);
      else process.stdout.write(`${renderDryRun(result)}\n`);
      return result.ok ? EXIT.ok : EXIT.failed;
    }
    const started = await startRecovery(client, plan, { ...(flags.requestId ? { requestId: flags.requestId } : {}), ...(taskQueue ? { taskQueue } : {}) });
    if (!flags.wait) {
      if (ctx.output === 'json') printJson(started);
      else process.stdout.write(`${started.created ? 'started' : 'already running (same request ID)'}: ${started.workflowId}\nfollow it with: cpr status ${started.workflowId}\n`);
      return EXIT.ok;
    }
    if (ctx.output !== 'json') process.stdout.write(`${started.created ? 'started' : 'following existing run'}: ${started.workflowId}\n`);
    const interrupted = new AbortController();
    const onSigint = (): void => interrupted.abort();
    process.once('SIGINT', onSigint);
    try {
      const final = await followRecovery(client, started.workflowId, { out: ctx.output === 'json' ? process.stderr : process.stdout, signal: interrupted.signal });
      if (!final) {
        process.stderr.write(`stopped following; the recovery goes on: cpr status ${started.workflowId}\n`);
        return EXIT.interrupted;
      }
      if (ctx.output === 'json') printJson(final);
      else process.stdout.write(`\n${renderRecovery(final)}\n`);
      const counts = final.result?.counts;
      const allVerified = counts !== undefined && counts.total > 0 && counts.verified === counts.total;
      if (!allVerified) {
        throw new CliError(`recovery ${final.workflowId} ended ${final.result?.outcome ?? final.status}: ${counts ? `${counts.verified}/${counts.total} targets verified` : 'no result'}`, EXIT.failed);
      }
      return EXIT.ok;
    } finally {
      process.off('SIGINT', onSigint);
    }
  });
}
