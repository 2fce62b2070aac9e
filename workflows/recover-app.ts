// The recovery runbook as a workflow: restore app backups onto Cloud Phone instances, verify every
// target, and only then release the backup. Each phase lives in ./phases; the state in ./recovery-run.
//
// Versioning: runs last hours to days, so any change to the commands this code issues (activities,
// timers, upserts, their order or options) must go behind patched('<change-id>'), and values that shape
// them come from the run's recorded run settings (docs/versioning.md). The replay test
// (test/workflows/replay.test.ts) fails on changes that are not.
import {
  CancellationScope,
  CancelledFailure,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { invalidInputFailure } from './failures';
import { runSettingsForUnfrozenInput, type FrozenRecoveryPlan } from './freeze';
import { parseRecoverAppInput, type RecoverAppInput } from './input';
import { releaseTargetLeases } from './leases';
import { checkTargets } from './phases/preflight';
import { leaseTargets } from './phases/lease';
import { protectExistingApps } from './phases/protect';
import { recoverTargets, settleAfterCancel } from './phases/recover';
import { verifyRecoveredTargets } from './phases/verify';
import { releaseVerifiedBackups } from './phases/release';
import { announceEnd, announceStart, refreshDetails } from './phases/report';
import { workflowNow } from './clock';
import { RecoveryRun } from './recovery-run';
import { RECOVERY_KIND, approveReleaseUpdate, pauseUpdate, progressQuery, resumeUpdate, type RecoveryResult } from './types';
import { markKindBeforeValidation } from './visibility';

export async function recoverApp(input: RecoverAppInput): Promise<RecoveryResult> {
  const root = CancellationScope.current();
  const run = new RecoveryRun(workflowInfo().workflowId, workflowNow());
  const ref: { plan?: FrozenRecoveryPlan } = {};
  registerHandlers(run, root, ref);

  // 0. Validate: bad input fails fast, before anything is touched (but after the run is marked as a
  // recovery, so a rejected run is listed with its field errors).
  markKindBeforeValidation(RECOVERY_KIND);
  const plan = (ref.plan = validate(input));
  run.load(plan);
  announceStart(run);

  const leaseRequested: string[] = [];
  try {
    // 1. Preflight: skip targets and backups that cannot be recovered safely.
    const checked = await checkTargets(run, plan);
    // 2. Lease: no other recovery may touch our targets from here until the end.
    await leaseTargets(run, plan, checked, leaseRequested);
    // 3. Protect: snapshot apps that would be overwritten.
    await protectExistingApps(run, plan);
    // 4 + 5. Recover and poll: RecoverApp in batches, watch the vendor tasks, retry what may pass.
    await recoverTargets(run, plan);
    // 6. Verify: app, version, data and custom checks on every recovered target.
    await verifyRecoveredTargets(run, plan);
    // 7. Release: delete backups whose every target verified, when the policy allows.
    if (root.consideredCancelled) throw new CancelledFailure('cancel requested before release');
    await releaseVerifiedBackups(run, plan);
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Graceful cancel: nothing new is started; tasks already running get one bounded look.
    run.cancelRequested = true;
    refreshDetails(run);
    log.info('recovery cancelled; settling in-flight vendor tasks', { inFlight: run.inFlightTasks().length });
    await CancellationScope.nonCancellable(() => settleAfterCancel(run, plan));
  } finally {
    if (run.approval === 'waiting') run.approval = 'closed';
    // Never throws; a lease it could not release is reclaimed by the registry once this run has ended.
    await releaseTargetLeases(leaseRequested, run.workflowId, plan.runSettings.leaseShards);
  }

  run.failUnfinished();
  run.settleBackups();
  run.setPhase('done');
  announceEnd(run);
  const result = run.result(workflowNow());
  // Never throws: sends the result webhook and waits (bounded) for deliveries still retrying.
  await CancellationScope.nonCancellable(() => run.notifier.finished(result));
  await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
  // Metrics count this report only from the task that completes the run: nothing awaited after it.
  run.notifier.returning();
  return result;
}

/** Validates the input; the run keeps the run settings its input recorded (docs/versioning.md). */
function validate(input: RecoverAppInput): FrozenRecoveryPlan {
  const parsed = parseRecoverAppInput(input);
  if (!parsed.ok) throw invalidInputFailure('invalid recovery input', parsed.issues);
  return { ...parsed.plan, runSettings: parsed.plan.runSettings ?? runSettingsForUnfrozenInput() };
}

/** The four-eyes rule lives in the validator, so no caller (API, CLI, parent workflow) can bypass it. */
function checkFourEyes(plan: FrozenRecoveryPlan | undefined, approvedBy: string | undefined): void {
  if (!plan?.approval?.distinctApprover) return;
  if (!approvedBy) throw new Error('this recovery needs a named approver other than its requester: approvedBy is required');
  if (approvedBy === plan.requestedBy) throw new Error(`${approvedBy} requested this recovery and may not approve its release: a different approver is required (four-eyes rule)`);
}

function registerHandlers(run: RecoveryRun, root: CancellationScope, ref: { plan?: FrozenRecoveryPlan }): void {
  setHandler(progressQuery, () => ({ ...run.progress(), cancelRequested: run.cancelRequested || root.consideredCancelled }));

  setHandler(
    approveReleaseUpdate,
    (request?) => {
      log.info('release approved', { approvedBy: request?.approvedBy, note: request?.note });
      run.approval = 'approved';
      run.approvedBy = request?.approvedBy;
      run.approvedAt = workflowNow();
      refreshDetails(run);
      return { approved: true as const, backups: run.releasableBackups() };
    },
    {
      validator: (request?) => {
        const policy = ref.plan?.releaseBackup;
        if (policy !== 'on-approval') throw new Error(`release policy is '${policy ?? 'unknown'}', not 'on-approval'`);
        checkFourEyes(ref.plan, request?.approvedBy);
        if (root.consideredCancelled || run.cancelRequested) throw new Error('the recovery was cancelled; backups are kept');
        if (!run.verificationComplete) throw new Error(`verification is not complete yet (phase: ${run.phase})`);
        const c = run.counts();
        if (c.verified !== c.total) {
          throw new Error(
            `${c.total - c.verified} of ${c.total} target(s) not verified (failed ${c.failed}, skipped ${c.skipped}, cancelled ${c.cancelled}); backups are kept`,
          );
        }
        if (run.approval === 'closed') throw new Error('the approval window has closed');
        if (run.approval === 'approved') throw new Error('already approved');
      },
      description: 'Approve deleting the backups once every target verified (releaseBackup: on-approval)',
    },
  );

  setHandler(
    pauseUpdate,
    (request?) => {
      log.info('recovery paused', { reason: request?.reason });
      run.paused = true;
      refreshDetails(run);
      return { paused: true };
    },
    {
      validator: (_request?) => {
        if (run.phase === 'done') throw new Error('the recovery has finished');
      },
      description: 'Stop starting new chunks (submit/verify) until resumed',
    },
  );

  setHandler(
    resumeUpdate,
    () => {
      run.paused = false;
      refreshDetails(run);
      return { paused: false };
    },
    { description: 'Resume a paused recovery' },
  );
}
