// What operators see while a run is going: the phase and counts as search attributes (one upsert per
// phase change, never per target) and a short markdown summary in the Web UI.
import { condition, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { detailsMarkdown, finalDetailsMarkdown } from '../details';
import type { RecoveryRun } from '../recovery-run';
import { RECOVERY_KIND, SA_FAILED, SA_KIND, SA_OUTCOME, SA_PHASE, SA_VERIFIED, recoveryStartSearchAttributes, type Phase } from '../types';

export function announceStart(run: RecoveryRun): void {
  upsertSearchAttributes(recoveryStartSearchAttributes(run.backupIds(), run.counts().total));
  setCurrentDetails(detailsMarkdown(run));
  void run.notifier.started();
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
