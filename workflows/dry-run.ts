// recoveryDryRun: what a recovery would do, without doing any of it. Validates the input and runs only
// the read-only `preflight` activity (no lease, no snapshot, no RecoverApp, no release), then reports
// each backup's and target's verdict and the action the existingApp policy would take.
import { proxyActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { RecoveryActivities } from '../activities/recovery/contract';
import { parseRecoverAppInput, type RecoverAppInput, type RecoveryItem } from './input';
import { crossRegionRefusal, laneOf, laneTaskQueue, type Lane } from './regions';
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
const dryRunOptions: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES },
};
const { preflight } = proxyActivities<Pick<RecoveryActivities, 'preflight'>>(dryRunOptions);

export async function recoveryDryRun(input: RecoverAppInput): Promise<DryRunResult> {
  const parsed = parseRecoverAppInput(input);
  if (!parsed.ok) {
    throw invalidInputFailure('invalid recovery input', parsed.issues);
  }
  const { plan } = parsed;
  const result = plan.items.some((item) => item.region)
    ? await preflightAcrossRegions(plan)
    : await preflight({ items: plan.items, verification: plan.verification });

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

type PreflightResult = Awaited<ReturnType<typeof preflight>>;

/** Items naming regions: one preflight per lane (workflows/regions.ts); cross-region refusals are reported as blocked. */
async function preflightAcrossRegions(plan: {
  items: RecoveryItem[];
  verification: Parameters<typeof preflight>[0]['verification'];
}): Promise<PreflightResult> {
  const lanes = new Map<Lane, RecoveryItem[]>();
  const refused: PreflightResult['targets'] = [];
  for (const item of plan.items) {
    const why = crossRegionRefusal(item);
    if (why)
      refused.push(
        ...item.instanceIds.map((instanceId) => ({
          instanceId,
          backupFileId: item.backupFileId,
          ok: false,
          reason: 'CrossRegionUnreachable' as const,
          message: why,
          existingPackages: [],
        })),
      );
    else lanes.set(laneOf(item), [...(lanes.get(laneOf(item)) ?? []), item]);
  }
  const results = await Promise.all(
    [...lanes].map(([lane, items]) =>
      proxyActivities<Pick<RecoveryActivities, 'preflight'>>(
        lane === undefined
          ? dryRunOptions
          : { ...dryRunOptions, taskQueue: laneTaskQueue(workflowInfo().taskQueue, lane), scheduleToStartTimeout: '1 minute' },
      ).preflight({ items, verification: plan.verification }),
    ),
  );
  return { backups: results.flatMap((r) => r.backups), targets: [...refused, ...results.flatMap((r) => r.targets)] };
}
