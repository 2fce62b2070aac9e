// The existingApp policy's rules, one definition for the real run (phases/preflight.ts, phases/protect.ts)
// and the dry run (dry-run.ts), so both always agree on what a target would go through.
import type { RecoverAppPlan } from './input';
import type { Evidence, ReasonCode } from './types';

export type ExistingAppPolicy = RecoverAppPlan['existingApp'];

/** What a real run would do to the target, given its verdict and the existingApp policy. */
export type PlannedAction = 'recover' | 'snapshot-then-recover' | 'overwrite' | 'skip';

export interface Refusal {
  reason: Extract<ReasonCode, 'AppAlreadyPresent'>;
  message: string;
  evidence: Evidence;
}

/** With 'refuse', a target that already has any of the backup's apps is skipped: its data stays untouched. */
export function refusalForExistingApp(policy: ExistingAppPolicy, existingPackages: readonly string[]): Refusal | undefined {
  if (policy !== 'refuse' || existingPackages.length === 0) return undefined;
  return {
    reason: 'AppAlreadyPresent',
    message: `already has ${existingPackages.join(', ')}; existingApp is 'refuse'`,
    evidence: { found: [...existingPackages] },
  };
}

/** Whether the protect phase snapshots this target's existing apps before RecoverApp overwrites them. */
export function needsSnapshot(policy: ExistingAppPolicy, existingPackages: readonly string[]): boolean {
  return policy === 'snapshot-then-overwrite' && existingPackages.length > 0;
}

export function plannedAction(ok: boolean, existingPackages: readonly string[], policy: ExistingAppPolicy): PlannedAction {
  if (!ok) return 'skip';
  if (existingPackages.length === 0) return 'recover';
  if (refusalForExistingApp(policy, existingPackages)) return 'skip';
  return needsSnapshot(policy, existingPackages) ? 'snapshot-then-recover' : 'overwrite';
}
