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

/** The `error` code of a JSON error, the same words the HTTP API uses (client/api/schemas.ts errorBody). */
const ERROR_CODES: Record<number, string> = {
  [EXIT.failed]: 'failed',
  [EXIT.invalidInput]: 'invalid_input',
  [EXIT.notFound]: 'not_found',
  [EXIT.conflict]: 'conflict',
  [EXIT.unavailable]: 'unavailable',
  [EXIT.interrupted]: 'interrupted',
};

/** An error as `--output json` prints it on stderr: the API's error shape plus the exit code. */
export interface JsonError {
  error: string;
  message?: string;
  issues?: InputIssue[];
  exitCode: number;
}

export interface ReportedError {
  lines: string[];
  exitCode: number;
  json: JsonError;
}

/** Maps any error to what the operator sees. Never prints stacks; never prints secrets (none reach here). */
export function describeCliError(err: unknown): ReportedError {
  if (err instanceof InvalidInputError) {
    return {
      lines: ['invalid input, nothing was started:', ...err.issues.map((i) => `  ${i.field}: ${i.rule}`)],
      exitCode: EXIT.invalidInput,
      json: { error: ERROR_CODES[EXIT.invalidInput]!, issues: err.issues, exitCode: EXIT.invalidInput },
    };
  }
  if (err instanceof NotFoundError) return reported(err.message, EXIT.notFound);
  if (err instanceof ConflictError) return reported(err.message, EXIT.conflict);
  if (err instanceof UnavailableError) return reported(err.message, EXIT.unavailable);
  if (err instanceof CliError) return reported(err.message, err.exitCode);
  const message = err instanceof Error ? err.message : String(err);
  if (isConnectionFailure(message)) {
    return reported(`cannot reach Temporal: ${firstLine(message)} (set --address, CPR_TEMPORAL_ADDRESS or a temporal.toml profile)`, EXIT.unavailable);
  }
  return reported(firstLine(message), EXIT.failed);
}

/** A usage error commander already described (unknown option, missing argument): bad input. */
export function usageError(message: string): ReportedError {
  const text = firstLine(message).replace(/^error: /, '');
  return reported(text, EXIT.invalidInput);
}

function reported(message: string, exitCode: number): ReportedError {
  return { lines: [`error: ${message}`], exitCode, json: { error: ERROR_CODES[exitCode] ?? 'failed', message, exitCode } };
}

/** What the CLI writes on stderr for an error: one JSON line with --output json, else the lines. */
export function formatCliError(reportedError: ReportedError, json: boolean): string {
  return json ? `${JSON.stringify(reportedError.json)}\n` : `${reportedError.lines.join('\n')}\n`;
}

function isConnectionFailure(message: string): boolean {
  return /ECONNREFUSED|Failed to connect|transport error|UNAVAILABLE|connection refused|dns error/i.test(message);
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}
