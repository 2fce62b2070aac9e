// `cpr doctor`: checks an account before the first recovery (client/doctor/run.ts), read-only.
// Exit codes: 0 no blocker, 1 a blocker (or a warning with --strict), 2 bad configuration, 5 endpoint
// unreachable (client/doctor/report.ts).
import { DoctorConfigError, runDoctor } from '../doctor/run';
import { DOCTOR_EXIT, exitCodeOf, type DoctorReport } from '../doctor/report';
import type { CliContext } from './context';
import { CliError } from './errors';
import { printJson, printLines, renderTable } from './output';

export interface DoctorFlags {
  maxPages: string;
  strict?: boolean;
}

const LEVEL_TEXT = { ok: 'ok', warn: 'WARN', block: 'BLOCKER', skip: '-' } as const;

export async function doctorCommand(flags: DoctorFlags, ctx: CliContext): Promise<number> {
  const maxPages = Number(flags.maxPages);
  if (!Number.isInteger(maxPages) || maxPages < 1 || maxPages > 100) {
    throw new CliError('--max-pages: must be a whole number from 1 to 100', DOCTOR_EXIT.badConfig);
  }
  let report: DoctorReport;
  try {
    report = await runDoctor({ env: process.env, maxPages });
  } catch (err) {
    if (err instanceof DoctorConfigError) throw new CliError(err.message, DOCTOR_EXIT.badConfig);
    throw err;
  }
  const exitCode = exitCodeOf(report, flags.strict === true);
  if (ctx.output === 'json') printJson({ ...report, exitCode });
  else printLines(renderDoctor(report, exitCode));
  return exitCode;
}

export function renderDoctor(report: DoctorReport, exitCode: number): string[] {
  const lines = [
    `Cloud Phone API ${report.endpoint.url} (region ${report.endpoint.regionId}, ${report.endpoint.protocol})`,
    '',
    renderTable(
      ['CHECK', 'RESULT', 'DETAIL'],
      report.checks.map((c) => [c.id, LEVEL_TEXT[c.level], c.summary]),
      400,
    ),
    '',
  ];
  const seen = Object.entries(report.observed).filter(([, v]) => Object.keys(v.seen).length > 0);
  if (seen.length > 0) {
    lines.push(
      renderTable(
        ['SEEN', 'VALUES (count)', 'UNKNOWN'],
        seen.map(([key, v]) => [
          key,
          Object.entries(v.seen)
            .map(([value, n]) => `${value} (${n})`)
            .join(', '),
          v.unknown.join(', ') || undefined,
        ]),
        400,
      ),
      '',
    );
  }
  const verdict = report.blockers > 0 ? 'NOT READY' : report.warnings > 0 ? 'ready, with warnings' : 'ready';
  lines.push(`${verdict}: ${report.blockers} blocker(s), ${report.warnings} warning(s); exit ${exitCode}`);
  return lines;
}
