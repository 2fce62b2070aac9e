// `cpr migrate --plan file.json|file.csv`: a bulk migration (workflow bulkMigration) over many backups
// and targets, with a sliding window of child recoveries; --wait follows its aggregated progress.
import { readPlanFile, type PlanFileIssue } from '../plans';
import { InvalidInputError, checkRequestId } from '../service';
import { getMigration, startValidatedMigration, type MigrationView } from '../service/migrations';
import { MAX_WINDOW, type MigrationPlan } from '../../workflows/plan';
import type { CliContext } from './context';
import { CliError, EXIT } from './errors';
import { printJson } from './output';
import { bar } from './progress';

export interface MigrateFlags {
  plan: string;
  window?: string;
  requestId?: string;
  wait?: boolean;
}

export function planIssues(issues: PlanFileIssue[]): { field: string; rule: string }[] {
  return issues.map((i) => ({ field: `--plan ${i.line !== undefined ? `line ${i.line} ` : ''}${i.field}`, rule: i.rule }));
}

/** The plan file parsed once, here at the edge; --window (checked above) replaces the plan's window. */
export async function loadPlanForCli(path: string, window?: string): Promise<MigrationPlan> {
  let maxConcurrentChildren: number | undefined;
  if (window !== undefined) {
    maxConcurrentChildren = Number(window);
    if (!/^\d+$/.test(window) || maxConcurrentChildren < 1 || maxConcurrentChildren > MAX_WINDOW) {
      throw new InvalidInputError([{ field: '--window', rule: `must be a whole number from 1 to ${MAX_WINDOW}` }]);
    }
  }
  const read = await readPlanFile(path, maxConcurrentChildren !== undefined ? { options: { maxConcurrentChildren } } : {});
  if (!read.ok) throw new InvalidInputError(planIssues(read.issues));
  const plan = read.plan;
  return maxConcurrentChildren !== undefined ? { ...plan, options: { ...plan.options, maxConcurrentChildren } } : plan;
}

export async function migrateCommand(flags: MigrateFlags, ctx: CliContext): Promise<number> {
  const plan = await loadPlanForCli(flags.plan, flags.window);
  if (flags.requestId !== undefined) checkRequestId(flags.requestId, '--request-id');
  return ctx.withClient(async (client) => {
    const started = await startValidatedMigration(client, plan, {
      ...(flags.requestId ? { migrationId: `migration-${flags.requestId}` } : {}),
      ...(ctx.taskQueue ? { taskQueue: ctx.taskQueue } : {}),
    });
    if (!flags.wait) {
      if (ctx.output === 'json') printJson(started);
      else process.stdout.write(`started migration ${started.migrationId} (${started.targets} targets)\n`);
      return EXIT.ok;
    }
    const out = ctx.output === 'json' ? process.stderr : process.stdout;
    out.write(`started migration ${started.migrationId} (${started.targets} targets)\n`);
    let last = '';
    let view: MigrationView;
    for (;;) {
      view = await getMigration(client, started.migrationId);
      const p = view.result ?? view.progress;
      if (p) {
        const c = p.counts;
        const done = c.total - c.pending;
        const state = view.progress?.state ?? view.result?.outcome ?? view.status;
        const line = `${state} ${bar(done, c.total)} ${done}/${c.total} · verified ${c.verified}, failed ${c.failed}, skipped ${c.skipped}, cancelled ${c.cancelled}${view.progress?.pausedReason ? ` · paused: ${view.progress.pausedReason}` : ''}`;
        if (line !== last) out.write(`${line}\n`);
        last = line;
      }
      if (view.status !== 'Running') break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    if (ctx.output === 'json') printJson(view);
    const c = view.result?.counts;
    if (!c || c.verified !== c.total) {
      throw new CliError(`migration ${started.migrationId} ended ${view.result?.outcome ?? view.status}: ${c ? `${c.verified}/${c.total} verified` : (view.failure?.message ?? 'no result')}`, EXIT.failed);
    }
    if (ctx.output !== 'json') out.write(`migration ${started.migrationId} succeeded: ${c.verified}/${c.total} verified\n`);
    return EXIT.ok;
  });
}
