// Validation of the identifiers operators pass around (workflow IDs, request IDs). They end up in
// Temporal RPCs, visibility queries and URLs, so only a conservative alphabet is accepted.
import { z } from 'zod';
import { InvalidInputError } from './errors';

/** Recovery workflow IDs: ours (`recovery-…`), schedule runs (`…-2024-01-01T00:00:00Z`), bulk children (`recover/bf-…/acp-…`). */
export const WORKFLOW_ID = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,254}$/;
/** Client request IDs (HTTP Idempotency-Key, CLI --request-id). */
export const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export const workflowIdSchema = z.string().regex(WORKFLOW_ID, 'must be a workflow ID of letters, digits and . _ : / @ - (at most 255)');
export const requestIdSchema = z.string().regex(REQUEST_ID, 'must be 1-128 letters, digits and . _ : - starting with a letter or digit');

export function checkWorkflowId(id: unknown, field = 'id'): string {
  const parsed = workflowIdSchema.safeParse(id);
  if (!parsed.success) throw new InvalidInputError([{ field, rule: parsed.error.issues[0]?.message ?? 'invalid' }]);
  return parsed.data;
}

export function checkRequestId(id: unknown, field = 'requestId'): string {
  const parsed = requestIdSchema.safeParse(id);
  if (!parsed.success) throw new InvalidInputError([{ field, rule: parsed.error.issues[0]?.message ?? 'invalid' }]);
  return parsed.data;
}
