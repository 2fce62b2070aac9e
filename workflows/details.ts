// The Web UI's "current details" of a recovery: a short markdown summary of the phase, the run's state
// and the counts. Pure text from the run's state; phases/report.ts decides when it is refreshed.
import type { RecoveryRun } from './recovery-run';

export function detailsMarkdown(run: RecoveryRun): string {
  const c = run.counts();
  const state = run.cancelRequested ? ' (cancelling)' : run.paused ? ' (paused)' : run.approval === 'waiting' ? ' (awaiting approval)' : '';
  return [
    `**Phase:** ${run.phase}${state}`,
    '',
    `| total | pending | verified | failed | skipped | cancelled |`,
    `|---|---|---|---|---|---|`,
    `| ${c.total} | ${c.pending} | ${c.verified} | ${c.failed} | ${c.skipped} | ${c.cancelled} |`,
  ].join('\n');
}

/** The final details: the summary plus the run's outcome. */
export function finalDetailsMarkdown(run: RecoveryRun): string {
  return `${detailsMarkdown(run)}\n\n**Outcome:** ${run.outcome()}`;
}
