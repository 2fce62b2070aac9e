// The fastest any orchestrator could finish a given migration on a given vendor: a lower bound set by
// the vendor's task durations and its per-action rate limits alone, computed from the configuration
// (not from what our run did), so a wasteful run cannot make its own bound look worse.

export interface BoundConfig {
  /** Targets, and how they group into backups (targets per backup). */
  instances: number;
  backups: number;
  /** Emulated durations and the emulator's real-ms-per-emulated-ms scale. */
  recoverDurationMs: number;
  commandDurationMs: number;
  timeScale: number;
  /** Vendor token bucket per action (requests per real second; bucket holds one second's worth). */
  qps: number;
  qpsPerAction?: Record<string, number>;
}

/** Vendor caps: ≤50 instances per RecoverApp / RunCommand, ≤100 IDs per DescribeTasks, one backup per RecoverApp. */
const PER_CALL = { RecoverApp: 50, RunCommand: 50, DescribeTasks: 100, DescribeAndroidInstances: 50 } as const;

export interface BoundTerm {
  action: string;
  /** The fewest calls of this action the job needs. */
  calls: number;
  qps: number;
  /** Seconds the bucket forces between the first and the last of those calls: max(0, calls − qps) / qps. */
  pacingS: number;
  /** Task time that must still follow the last call. */
  tailS: number;
  boundS: number;
}

export interface LowerBound {
  /** Seconds: max(critical path, max over actions of pacing + tail). */
  seconds: number;
  criticalPathS: number;
  terms: BoundTerm[];
  binding: string;
}

export function lowerBound(c: BoundConfig): LowerBound {
  const cmd = (c.commandDurationMs * c.timeScale) / 1000;
  const recover = (c.recoverDurationMs * c.timeScale) / 1000;
  const perBackup = Math.ceil(c.instances / c.backups);
  // One target's unavoidable chain: list its apps (inventory command) → RecoverApp task → verification command.
  const criticalPathS = cmd + recover + cmd;
  const needed: Record<string, { calls: number; tailS: number }> = {
    // One backup per call, ≤50 instances; after the last one: its task, then its verification.
    RecoverApp: { calls: c.backups * Math.ceil(perBackup / PER_CALL.RecoverApp), tailS: recover + cmd },
    // Read each source once, list apps on every target, verify every target: ≤50 instances each.
    RunCommand: {
      calls: Math.ceil(c.backups / PER_CALL.RunCommand) + 2 * Math.ceil(c.instances / PER_CALL.RunCommand),
      tailS: cmd,
    },
    // At least one look at every task, 100 IDs at a time.
    DescribeTasks: { calls: Math.ceil(c.instances / PER_CALL.DescribeTasks), tailS: 0 },
    DescribeAndroidInstances: { calls: Math.ceil((c.instances + c.backups) / PER_CALL.DescribeAndroidInstances), tailS: 0 },
    // The API filters by one BackupFileId.
    DescribeBackupFiles: { calls: c.backups, tailS: 0 },
  };
  const terms: BoundTerm[] = Object.entries(needed).map(([action, { calls, tailS }]) => {
    const qps = c.qpsPerAction?.[action] ?? c.qps;
    const pacingS = qps > 0 ? Math.max(0, calls - qps) / qps : 0;
    return { action, calls, qps, pacingS, tailS, boundS: pacingS + tailS };
  });
  let seconds = criticalPathS;
  let binding = 'critical path (inventory command + recover task + verification command)';
  for (const t of terms) {
    if (t.boundS > seconds) {
      seconds = t.boundS;
      binding = `${t.action} rate limit`;
    }
  }
  return { seconds, criticalPathS, terms, binding };
}

export const LOWER_BOUND_DOC = `
**Lower bound (LB).** Computed from the configuration, never from the run, so wasted calls cannot
raise it. With \`cmd\` = command duration × timeScale and \`rec\` = recovery-task duration × timeScale
(real seconds), \`N\` targets, \`B\` backups (\`N/B\` targets each) and \`q_a\` the vendor's token
bucket for action \`a\` (refills \`q_a\`/s, holds \`q_a\` tokens, starts full):

    LB = max( cmd + rec + cmd,                         -- one target: inventory → RecoverApp task → verification
              max_a ( max(0, calls_a − q_a) / q_a + tail_a ) )

    calls_RecoverApp  = B · ⌈(N/B)/50⌉        tail = rec + cmd   (the last task, then its verification)
    calls_RunCommand  = ⌈B/50⌉ + 2·⌈N/50⌉      tail = cmd         (sources once; every target's inventory and verification)
    calls_DescribeTasks = ⌈N/100⌉             tail = 0           (one look at every task)
    calls_DescribeAndroidInstances = ⌈(N+B)/50⌉, calls_DescribeBackupFiles = B, tail = 0

The call counts are the fewest the vendor's API caps allow any orchestrator (≤50 instances per
RecoverApp/RunCommand, one backup per RecoverApp, ≤100 IDs per DescribeTasks). The bound ignores
network and server time and lets source reads overlap everything, so it is optimistic: no real run can
beat it, and "ratio" = wall / LB says how much of the run was ours rather than the vendor's.
`.trim();
