// Input validation at the operator edges: one rule set (workflows/input.ts), typed error for callers.
import { parseRecoverAppInput, type RecoverAppPlan } from '../../workflows/input';
import { InvalidInputError } from './errors';

export function validateRecoverAppInput(raw: unknown): RecoverAppPlan {
  const parsed = parseRecoverAppInput(raw);
  if (!parsed.ok) throw new InvalidInputError(parsed.issues);
  return parsed.plan;
}
