// What operators see while a run is going: the phase and counts as search attributes (one upsert per
// phase change, never per target) and a short markdown summary in the Web UI.
import { condition, patched, setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { SearchAttributePair } from '@temporalio/common';
import { detailsMarkdown, finalDetailsMarkdown } from '../details';
import { LEASES_AS_LOCAL_ACTIVITIES } from '../leases';
import type { RecoveryRun } from '../recovery-run';
import { RECOVERY_KIND, SA_FAILED, SA_KIND, SA_OUTCOME, SA_PHASE, SA_VERIFIED, recoveryStartSearchAttributes, type Phase } from '../types';

export function announceStart(run: RecoveryRun): void {
  const attributes = recoveryStartSearchAttributes(run.backupIds(), run.counts().total);
  // A run started with exactly these (by the client, a schedule or a migration) needs no upsert. Behind
  // the patch of the lease calls (workflows/leases.ts): one marker for both history savings of that
  // release, checked only when the upsert would be skipped (docs/design.md, "History cost").
  if (!(startedWith(attributes) && patched(LEASES_AS_LOCAL_ACTIVITIES))) upsertSearchAttributes(attributes);
  setCurrentDetails(detailsMarkdown(run));
  void run.notifier.started();
}

function startedWith(pairs: SearchAttributePair[]): boolean {
  const current = workflowInfo().typedSearchAttributes;
  return pairs.every(({ key, value }) => JSON.stringify(current.get(key)) === JSON.stringify(value));
}

export function enterPhase(run: RecoveryRun, phase: Phase): void {
  const changed = run.phase !== phase;
  run.setPhase(phase);
  if (changed) {
    const counts = run.counts();
    upsertSearchAttributes([
      { key: SA_PHASE, value: phase },
      { key: SA_VERIFIED, value: counts.verified },
      { key: SA_FAILED, value: counts.failed },
    ]);
    void run.notifier.phase(phase, counts);
  }
  setCurrentDetails(detailsMarkdown(run));
}

export function announceEnd(run: RecoveryRun): void {
  const counts = run.counts();
  upsertSearchAttributes([
    { key: SA_PHASE, value: 'done' },
    { key: SA_OUTCOME, value: run.outcome() },
    { key: SA_KIND, value: RECOVERY_KIND },
    { key: SA_VERIFIED, value: counts.verified },
    { key: SA_FAILED, value: counts.failed },
  ]);
  setCurrentDetails(finalDetailsMarkdown(run));
}

/** Refreshes the UI summary after a chunk; costs no history events. */
export function refreshDetails(run: RecoveryRun): void {
  setCurrentDetails(detailsMarkdown(run));
}

/** The pause point between chunks: a paused run waits here until resumed (or cancelled). */
export async function waitWhilePaused(run: RecoveryRun): Promise<void> {
  if (!run.paused) return;
  setCurrentDetails(detailsMarkdown(run));
  await condition(() => !run.paused);
  setCurrentDetails(detailsMarkdown(run));
}
