// Every run is visible: a run marks its kind before it validates its input, so a run rejected by the
// validation (started by another team's workflow or SDK, which skip the client's checks and set no
// search attributes) is still listed by `cpr list --status failed` with its field errors.
import { patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { SearchAttributePair } from '@temporalio/common';
import { RECOVERY_KIND, SA_KIND, SA_OUTCOME, SA_PHASE, VALIDATE_PHASE, type RunKind, type RunOutcome } from './types';

/** patched() ID of the upsert before validation; histories recorded before it replay without it. */
export const MARK_KIND_BEFORE_VALIDATION = 'mark-kind-before-validation';
/** patched() ID of a migration's outcome search attribute, set when it completes. */
export const MIGRATION_OUTCOME_ATTRIBUTE = 'migration-outcome-attribute';

/**
 * Marks the run's kind (and a recovery's phase 'validate') from nothing but the workflow type, which
 * is safe whatever the raw input holds. Runs started with the attributes already (client, schedule,
 * parent migration) issue no upsert.
 */
export function markKindBeforeValidation(kind: RunKind): void {
  if (!patched(MARK_KIND_BEFORE_VALIDATION)) return;
  if (workflowInfo().typedSearchAttributes.get(SA_KIND) !== undefined) return;
  const pairs: SearchAttributePair[] = [{ key: SA_KIND, value: kind }];
  if (kind === RECOVERY_KIND) pairs.push({ key: SA_PHASE, value: VALIDATE_PHASE });
  upsertSearchAttributes(pairs);
}

/** A migration's outcome as a search attribute, so migrations filter by outcome like recoveries. */
export function announceMigrationOutcome(outcome: RunOutcome): void {
  if (patched(MIGRATION_OUTCOME_ATTRIBUTE)) upsertSearchAttributes([{ key: SA_OUTCOME, value: outcome }]);
}
