// Typed failures of the operator service layer. The CLI prints them, the HTTP API maps them to
// 400 / 404 / 409; anything else is an internal error and is reported without details.
import type { z } from 'zod';
import { describeIssues, type InputIssue } from '../../workflows/input';

export type { InputIssue };

export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
  constructor(readonly issues: InputIssue[]) {
    super(`invalid input: ${issues.map((i) => `${i.field}: ${i.rule}`).join('; ')}`);
  }
}

export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  constructor(readonly what: string, readonly id: string) {
    super(`${what} ${id} not found`);
  }
}

/** The request is well formed but the run's state refuses it (closed run, update validator rejection, reused key). */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** Temporal (or a worker it needs) did not answer in time; the request may be retried. */
export class UnavailableError extends Error {
  override readonly name = 'UnavailableError';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * The one parse of an operator's input at an edge (CLI flags, HTTP body): the schema's output, or an
 * InvalidInputError naming each field and the rule it broke. The service functions take what this returns.
 */
export function parseInput<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new InvalidInputError(describeIssues(parsed.error, raw));
  return parsed.data;
}
