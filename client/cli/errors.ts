// How the CLI fails: one clear line on stderr and an exit code a script can branch on.
// Bad input is the one case with several lines: one `field: rule` line per broken rule.
import { ConflictError, InvalidInputError, NotFoundError, UnavailableError } from '../service/errors';
import type { InputIssue } from '../../workflows/input';

export const EXIT = {
  ok: 0,
  /** Generic failure, or a --wait run that ended without every target verified. */
  failed: 1,
  /** Bad input: nothing was started. */
  invalidInput: 2,
  notFound: 3,
  conflict: 4,
  /** Temporal or a worker did not answer. */
  unavailable: 5,
  /** Interrupted by the operator (Ctrl-C) while following. */
  interrupted: 130,
} as const;

/** An error the CLI itself raises with a chosen exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(message: string, readonly exitCode: number = EXIT.failed) {
    super(message);
  }
}

export function invalidInput(issues: InputIssue[]): InvalidInputError {
  return new InvalidInputError(issues);
}

export interface ReportedError {
  lines: string[];
  exitCode: number;
}

/** Maps any error to what the operator sees. Never prints stacks; never prints secrets (none reach here). */
export function describeCliError(err: unknown): ReportedError {
  if (err instanceof InvalidInputError) {
    return { lines: ['invalid input, nothing was started:', ...err.issues.map((i) => `  ${i.field}: ${i.rule}`)], exitCode: EXIT.invalidInput };
  }
  if (err instanceof NotFoundError) return { lines: [`error: ${err.message}`], exitCode: EXIT.notFound };
  if (err instanceof ConflictError) return { lines: [`error: ${err.message}`], exitCode: EXIT.conflict };
  if (err instanceof UnavailableError) return { lines: [`error: ${err.message}`], exitCode: EXIT.unavailable };
  if (err instanceof CliError) return { lines: [`error: ${err.message}`], exitCode: err.exitCode };
  const message = err instanceof Error ? err.message : String(err);
  if (isConnectionFailure(message)) {
    return { lines: [`error: cannot reach Temporal: ${firstLine(message)} (set --address or CPR_TEMPORAL_ADDRESS)`], exitCode: EXIT.unavailable };
  }
  return { lines: [`error: ${firstLine(message)}`], exitCode: EXIT.failed };
}

function isConnectionFailure(message: string): boolean {
  return /ECONNREFUSED|Failed to connect|transport error|UNAVAILABLE|connection refused|dns error/i.test(message);
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}
