// The recovery's state machine: every target's status, phase, vendor task IDs and timings, the fate of
// every backup, and the counts/progress/result built from them. Plain class, no SDK calls, so the
// workflow stays a readable list of phases and this file can be reasoned about on its own.
import { workflowNow } from './clock';
import type { RecoverAppPlan } from './input';
import { Notifier } from './notify';
import type {
  BackupOutcome,
  Evidence,
  Phase,
  ReasonCode,
  RecoveryProgress,
  RecoveryResult,
  RunOutcome,
  StatusCounts,
  TargetResult,
  TargetStatus,
} from './types';
import type { BackupFacts, ExpectedApp, TaskOutcome, Verdict } from '../activities/recovery/contract';

/** A vendor task being watched for one target's current attempt. */
export interface InFlightTask {
  instanceId: string;
  taskId: string;
  submittedAt: string;
}

interface BackupState {
  outcome: BackupOutcome;
  facts?: BackupFacts;
  expected?: ExpectedApp[];
  preflightFailed: boolean;
}

export type ApprovalState = 'not-asked' | 'waiting' | 'approved' | 'closed';

export class RecoveryRun {
  phase: Phase = 'preflight';
  paused = false;
  cancelRequested = false;
  approval: ApprovalState = 'not-asked';
  /** Who asked, who approved: recorded in progress and result for audit (four-eyes release). */
  requestedBy?: string;
  approvedBy?: string;
  approvedAt?: string;
  private release?: { policy: RecoverAppPlan['releaseBackup']; distinctApprover: boolean };
  /** Set once every target has left the verify phase (or never reached it). */
  verificationComplete = false;
  /** Webhooks and worker metrics for this run (per-run state, see notify.ts). */
  readonly notifier = new Notifier();
  readonly startedAt: string;
  updatedAt: string;

  private readonly targets = new Map<string, TargetResult>();
  private readonly backups = new Map<string, BackupState>();
  /** Current attempt's in-flight task per target. */
  private readonly inFlight = new Map<string, InFlightTask>();
  /** Targets whose recovery task finished and that wait for verification. */
  private readonly recovered = new Set<string>();
  /** The backup's apps that preflight found already installed on each target (for the existingApp policy). */
  private readonly existing = new Map<string, string[]>();

  constructor(
    readonly workflowId: string,
    now: string,
  ) {
    this.startedAt = now;
    this.updatedAt = now;
  }

  // ---- set-up -------------------------------------------------------------------------------------
  load(plan: RecoverAppPlan): void {
    this.requestedBy = plan.requestedBy;
    this.release = { policy: plan.releaseBackup, distinctApprover: plan.approval?.distinctApprover ?? false };
    for (const item of plan.items) {
      this.backups.set(item.backupFileId, {
        outcome: { backupFileId: item.backupFileId, released: false, sourceMayBeReset: false },
        preflightFailed: false,
      });
      for (const instanceId of item.instanceIds) {
        this.targets.set(instanceId, {
          instanceId,
          backupFileId: item.backupFileId,
          status: 'pending',
          phase: 'preflight',
          taskIds: [],
          attempts: 0,
          timings: {},
        });
      }
    }
  }

  setPhase(phase: Phase): void {
    this.phase = phase;
    for (const target of this.targets.values()) if (target.status === 'pending') target.phase = phase;
    this.touch();
  }

  // ---- reading ------------------------------------------------------------------------------------
  target(instanceId: string): TargetResult {
    const target = this.targets.get(instanceId);
    if (!target) throw new TypeError(`unknown target ${instanceId}`); // a bug in the workflow, not input
    return target;
  }

  backupIds(): string[] {
    return [...this.backups.keys()];
  }

  backupFacts(backupFileId: string): BackupFacts | undefined {
    return this.backups.get(backupFileId)?.facts;
  }

  expectations(): Record<string, ExpectedApp[]> {
    const out: Record<string, ExpectedApp[]> = {};
    for (const [id, state] of this.backups) if (state.expected) out[id] = state.expected;
    return out;
  }

  /** Targets still in play, in input order. */
  pendingTargets(): TargetResult[] {
    return [...this.targets.values()].filter((t) => t.status === 'pending');
  }

  pendingIds(): string[] {
    return this.pendingTargets().map((t) => t.instanceId);
  }

  /** The backup's apps already on the target when preflight last looked; empty when none or not known. */
  existingApps(instanceId: string): string[] {
    return this.existing.get(instanceId) ?? [];
  }

  inFlightTasks(): InFlightTask[] {
    return [...this.inFlight.values()];
  }

  recoveredIds(): string[] {
    return [...this.recovered].filter((id) => this.target(id).status === 'pending');
  }

  counts(): StatusCounts {
    const counts: StatusCounts = { total: 0, pending: 0, verified: 0, failed: 0, skipped: 0, cancelled: 0 };
    for (const target of this.targets.values()) {
      counts.total++;
      counts[target.status]++;
    }
    return counts;
  }

  /** A backup may be released only when it had targets and every one of them verified. */
  allVerified(backupFileId: string): boolean {
    const own = [...this.targets.values()].filter((t) => t.backupFileId === backupFileId);
    return own.length > 0 && own.every((t) => t.status === 'verified');
  }

  anyTargetNotVerified(): boolean {
    return [...this.targets.values()].some((t) => t.status !== 'verified');
  }

  // ---- preflight ----------------------------------------------------------------------------------
  recordBackupPreflight(backupFileId: string, verdict: Verdict & { facts?: BackupFacts; expected?: ExpectedApp[] }): void {
    const state = this.backups.get(backupFileId);
    if (!state) return; // the activity reported a backup we did not ask for: ignore it
    state.facts = verdict.facts;
    state.expected = verdict.expected;
    if (verdict.facts?.sourceInstanceId) state.outcome.sourceInstanceId = verdict.facts.sourceInstanceId;
    if (verdict.ok) return;
    state.preflightFailed = true;
    state.outcome.keptBecause = 'preflight-failed';
    for (const target of this.targets.values()) {
      if (target.backupFileId === backupFileId && target.status === 'pending') {
        this.finish(target.instanceId, 'skipped', {
          reason: verdict.reason ?? 'BackupNotAvailable',
          message: verdict.message ?? `backup ${backupFileId} failed preflight`,
          evidence: verdict.evidence,
        });
      }
    }
  }

  recordExistingApps(instanceId: string, packages: readonly string[]): void {
    this.existing.set(instanceId, [...packages]);
  }

  // ---- per-target transitions ---------------------------------------------------------------------
  finish(
    instanceId: string,
    status: Exclude<TargetStatus, 'pending'>,
    detail: { reason?: ReasonCode; message?: string; evidence?: Evidence } = {},
  ): void {
    const target = this.target(instanceId);
    if (target.status !== 'pending') return; // terminal states are final
    target.status = status;
    if (detail.reason) target.reason = detail.reason;
    if (detail.message) target.message = clip(detail.message, MAX_MESSAGE_CHARS);
    if (detail.evidence) target.evidence = boundedEvidence(detail.evidence);
    this.inFlight.delete(instanceId);
    this.recovered.delete(instanceId);
    this.touch();
  }

  skip(instanceId: string, verdict: Verdict, fallback: ReasonCode): void {
    this.finish(instanceId, 'skipped', { reason: verdict.reason ?? fallback, message: verdict.message, evidence: verdict.evidence });
  }

  markLeased(instanceIds: string[], now: string): void {
    for (const id of instanceIds) this.target(id).timings.leasedAt = now;
    this.touch();
  }

  recordSnapshot(instanceId: string, snapshotBackupFileId: string): void {
    this.target(instanceId).snapshotBackupFileId = snapshotBackupFileId;
    this.touch();
  }

  /** A new attempt is about to be submitted for these targets. */
  beginAttempt(instanceIds: string[], now: string): void {
    for (const id of instanceIds) {
      const target = this.target(id);
      target.attempts++;
      target.timings.recoverStartedAt ??= now;
    }
    this.touch();
  }

  recordSubmitted(instanceId: string, taskId: string, submittedAt: string): void {
    const target = this.target(instanceId);
    if (!target.taskIds.includes(taskId)) target.taskIds.push(taskId);
    this.inFlight.set(instanceId, { instanceId, taskId, submittedAt });
    this.touch();
  }

  /** Applies one polled task outcome; returns 'retry' when the target should get another attempt. */
  recordTaskOutcome(outcome: TaskOutcome, maxAttempts: number, now: string): 'done' | 'retry' | 'waiting' {
    const current = this.inFlight.get(outcome.instanceId);
    if (!current || current.taskId !== outcome.taskId) return 'done'; // a stale answer about an old task
    const target = this.target(outcome.instanceId);
    switch (outcome.status) {
      case 'pending':
        return 'waiting';
      case 'finished':
        this.inFlight.delete(outcome.instanceId);
        this.recovered.add(outcome.instanceId);
        target.timings.recoverFinishedAt = outcome.finishedAt ?? now;
        this.touch();
        return 'done';
      case 'timeout':
        this.finish(outcome.instanceId, 'failed', {
          reason: 'TaskTimeout',
          message: `vendor task ${outcome.taskId} did not finish in time`,
          evidence: { detail: outcome.errorMessage, found: outcome.taskId },
        });
        return 'done';
      case 'failed':
        this.inFlight.delete(outcome.instanceId);
        if (outcome.retryable && target.attempts < maxAttempts) {
          target.message = `attempt ${target.attempts} failed (${outcome.errorCode ?? 'unknown'}); ${outcome.decidedBy ?? 'retrying'}`;
          this.touch();
          return 'retry';
        }
        this.finish(outcome.instanceId, 'failed', {
          reason: 'TaskFailed',
          message: taskFailedMessage(outcome, target.attempts),
          evidence: { found: outcome.errorCode, detail: outcome.errorMessage },
        });
        return 'done';
    }
  }

  recordVerdict(instanceId: string, verdict: Verdict, now: string): void {
    const target = this.target(instanceId);
    if (verdict.ok) {
      target.timings.verifiedAt = now;
      target.message = undefined; // drop "retrying" notes of earlier attempts
      this.finish(instanceId, 'verified');
    } else {
      this.finish(instanceId, 'failed', {
        reason: verdict.reason ?? 'VerificationError',
        message: verdict.message,
        evidence: verdict.evidence,
      });
    }
  }

  /** Cancels every target still pending, naming the vendor task left behind, if any. */
  cancelRemaining(lastKnown: Map<string, TaskOutcome>): void {
    for (const target of this.pendingTargets()) {
      const task = this.inFlight.get(target.instanceId);
      const polled = task ? lastKnown.get(target.instanceId) : undefined;
      this.finish(target.instanceId, 'cancelled', {
        reason: 'Cancelled',
        message: task
          ? `cancelled while vendor task ${task.taskId} was ${polled?.status === 'pending' || !polled ? 'still running' : polled.status}`
          : this.recovered.has(target.instanceId)
            ? 'cancelled after recovery finished, before verification'
            : 'cancelled before recovery',
        evidence: task ? { found: task.taskId } : undefined,
      });
    }
  }

  /** Backstop: a target that is somehow still pending at the end gets an explicit verdict. */
  failUnfinished(): void {
    for (const target of this.pendingTargets()) {
      this.finish(target.instanceId, 'failed', {
        reason: 'VerificationError',
        message: `run ended in phase ${target.phase} without a verdict`,
      });
    }
  }

  // ---- backups ------------------------------------------------------------------------------------
  /** Backups whose every target verified (candidates for release). */
  releasableBackups(): string[] {
    return this.backupIds().filter((id) => this.allVerified(id));
  }

  keepBackup(backupFileId: string, because: NonNullable<BackupOutcome['keptBecause']>): void {
    const state = this.backups.get(backupFileId);
    if (!state || state.outcome.released) return;
    state.outcome.keptBecause = because;
    this.touch();
  }

  markReleased(backupFileId: string): void {
    const state = this.backups.get(backupFileId);
    if (!state) return;
    state.outcome.released = true;
    state.outcome.keptBecause = undefined;
    this.touch();
  }

  /** Final word on every backup: kept with a reason unless released; reset allowed only when all verified. */
  settleBackups(): void {
    for (const [id, state] of this.backups) {
      state.outcome.sourceMayBeReset = this.allVerified(id);
      if (state.outcome.released) continue;
      if (this.cancelRequested) state.outcome.keptBecause = 'cancelled';
      else state.outcome.keptBecause ??= state.preflightFailed ? 'preflight-failed' : 'not-all-verified';
    }
    this.touch();
  }

  // ---- reports ------------------------------------------------------------------------------------
  outcome(): RunOutcome {
    if (this.cancelRequested) return 'cancelled';
    const counts = this.counts();
    if (counts.total > 0 && counts.verified === counts.total) return 'succeeded';
    return counts.verified === 0 ? 'failed' : 'partial';
  }

  progress(): RecoveryProgress {
    return {
      workflowId: this.workflowId,
      phase: this.phase,
      paused: this.paused,
      cancelRequested: this.cancelRequested,
      awaitingApproval: this.approval === 'waiting',
      counts: this.counts(),
      targets: [...this.targets.values()].map(cloneTarget),
      backups: [...this.backups.values()].map((b) => ({ ...b.outcome })),
      snapshots: [...this.targets.values()]
        .filter((t) => t.snapshotBackupFileId !== undefined)
        .map((t) => ({ instanceId: t.instanceId, backupFileId: t.snapshotBackupFileId as string })),
      startedAt: this.startedAt,
      updatedAt: this.updatedAt,
      ...(this.requestedBy !== undefined ? { requestedBy: this.requestedBy } : {}),
      ...(this.release ? { releaseBackup: this.release.policy, distinctApprover: this.release.distinctApprover } : {}),
      ...(this.approvedBy !== undefined ? { approvedBy: this.approvedBy } : {}),
      ...(this.approvedAt !== undefined ? { approvedAt: this.approvedAt } : {}),
    };
  }

  result(finishedAt: string): RecoveryResult {
    return { ...this.progress(), outcome: this.outcome(), finishedAt };
  }

  private touch(): void {
    this.updatedAt = workflowNow();
  }
}

/**
 * Per-target text is capped so the result of a 5,000-target run stays under Temporal's 2 MB payload
 * limit (~330 bytes per verified target; failures add their message and evidence).
 */
const MAX_MESSAGE_CHARS = 300;
const MAX_EVIDENCE_CHARS = 600;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function boundedEvidence(evidence: Evidence): Evidence {
  const json = JSON.stringify(evidence);
  if (json.length <= MAX_EVIDENCE_CHARS) return evidence;
  return { detail: clip(`evidence truncated: ${json}`, MAX_EVIDENCE_CHARS) };
}

function cloneTarget(target: TargetResult): TargetResult {
  return { ...target, taskIds: [...target.taskIds], timings: { ...target.timings } };
}

/** The vendor's code and message, and why it was not retried when observed state decided. */
function taskFailedMessage(outcome: TaskOutcome, attempts: number): string {
  const vendor = outcome.errorMessage
    ? `${outcome.errorCode ?? 'unknown error'}: ${outcome.errorMessage}`
    : (outcome.errorCode ?? 'unknown error');
  const why = outcome.decidedBy ? ` (${outcome.decidedBy})` : '';
  return `vendor task ${outcome.taskId} failed after ${attempts} attempt(s): ${vendor}${why}`;
}
