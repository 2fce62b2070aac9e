// recoveryDryRun: what a recovery would do, without doing any of it. Validates the input and runs only
// the read-only `preflight` activity (no lease, no snapshot, no RecoverApp, no release), then reports
// each backup's and target's verdict and the action the existingApp policy would take.
import { proxyActivities } from '@temporalio/workflow';
import type { RecoveryActivities } from '../activities/recovery/contract';
import { parseRecoverAppInput, type RecoverAppInput } from './input';
import { plannedAction, refusalForExistingApp, type PlannedAction } from './existing-app';
import type { ReasonCode } from './types';
import { NON_RETRYABLE_FAILURE_TYPES, invalidInputFailure } from './failures';

export const RECOVERY_DRY_RUN_WORKFLOW = 'recoveryDryRun';

export interface DryRunTarget {
  instanceId: string;
  backupFileId: string;
  ok: boolean;
  reason?: ReasonCode;
  message?: string;
  existingPackages: string[];
  plannedAction: PlannedAction;
}

export interface DryRunBackup {
  backupFileId: string;
  ok: boolean;
  reason?: ReasonCode;
  message?: string;
  sourceInstanceId?: string;
  backupFilePath?: string;
  packages: string[];
}

export interface DryRunResult {
  /** True when every target would be recovered. */
  ok: boolean;
  counts: { total: number; ready: number; blocked: number };
  backups: DryRunBackup[];
  targets: DryRunTarget[];
}

// Fewer retries than a real run: an operator is waiting for the answer.
const { preflight } = proxyActivities<Pick<RecoveryActivities, 'preflight'>>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES },
});

export async function recoveryDryRun(input: RecoverAppInput): Promise<DryRunResult> {
  const parsed = parseRecoverAppInput(input);
  if (!parsed.ok) {
    throw invalidInputFailure('invalid recovery input', parsed.issues);
  }
  const { plan } = parsed;
  const result = await preflight({ items: plan.items, verification: plan.verification });

  const backups: DryRunBackup[] = result.backups.map((b) => ({
    backupFileId: b.backupFileId,
    ok: b.ok,
    reason: b.reason,
    message: b.message,
    sourceInstanceId: b.facts?.sourceInstanceId,
    backupFilePath: b.facts?.backupFilePath,
    packages: b.facts?.packages ?? [],
  }));
  const backupOk = new Map(backups.map((b) => [b.backupFileId, b]));

  const targets: DryRunTarget[] = result.targets.map((t) => {
    const backup = backupOk.get(t.backupFileId);
    // A target is only as good as its backup: report the backup's reason when the backup is the blocker.
    const blockedByBackup = backup !== undefined && !backup.ok;
    const refusal = t.ok && !blockedByBackup ? refusalForExistingApp(plan.existingApp, t.existingPackages) : undefined;
    const ok = t.ok && !blockedByBackup && !refusal;
    const verdict = !t.ok ? t : blockedByBackup ? backup : refusal;
    return {
      instanceId: t.instanceId,
      backupFileId: t.backupFileId,
      ok,
      ...(verdict?.reason ? { reason: verdict.reason } : {}),
      ...(verdict?.message ? { message: verdict.message } : {}),
      existingPackages: t.existingPackages,
      plannedAction: plannedAction(ok, t.existingPackages, plan.existingApp),
    };
  });

  const ready = targets.filter((t) => t.ok).length;
  return { ok: ready === targets.length, counts: { total: targets.length, ready, blocked: targets.length - ready }, backups, targets };
}
