// The shape every doctor check reports in, and how a whole report turns into an exit code.

/** ok: confirmed; warn: works but deserves a look; block: the product cannot work like this; skip: not checked. */
export type CheckLevel = 'ok' | 'warn' | 'block' | 'skip';

export interface DoctorCheck {
  /** Stable name for scripts (`--output json`), e.g. `credentials`, `clock`, `action:DescribeTasks`. */
  id: string;
  level: CheckLevel;
  /** One line an operator can act on. Never contains a secret. */
  summary: string;
}

export interface ObservedValues {
  /** Value -> how many times it was seen. */
  seen: Record<string, number>;
  /** The values of `seen` that docs/vendor-facts.md does not list. */
  unknown: string[];
}

export interface DoctorReport {
  endpoint: { url: string; protocol: 'http' | 'https'; regionId: string };
  credentialSource?: string;
  checks: DoctorCheck[];
  observed: {
    instanceStatuses: ObservedValues;
    backupStatuses: ObservedValues;
    taskStatuses: ObservedValues;
    taskErrorCodes: ObservedValues;
    invocationStatuses: ObservedValues;
    /** Error codes the vendor answered the doctor's own calls with. */
    errorCodes: ObservedValues;
  };
  blockers: number;
  warnings: number;
}

/**
 * Exit codes of `cpr doctor` (README): 0 no blocker (warnings allowed unless --strict), 1 a blocker
 * (or a warning under --strict), 2 the configuration cannot be read (nothing was contacted), 5 the
 * endpoint cannot be reached at all.
 */
export const DOCTOR_EXIT = { ok: 0, blocked: 1, badConfig: 2, unreachable: 5 } as const;

export function exitCodeOf(report: DoctorReport, strict: boolean): number {
  if (report.checks.some((c) => c.id === 'endpoint' && c.level === 'block')) return DOCTOR_EXIT.unreachable;
  if (report.blockers > 0) return DOCTOR_EXIT.blocked;
  if (strict && report.warnings > 0) return DOCTOR_EXIT.blocked;
  return DOCTOR_EXIT.ok;
}

export function observe(values: Iterable<string>, isKnown: (v: string) => boolean): ObservedValues {
  const seen: Record<string, number> = {};
  for (const v of values) seen[v] = (seen[v] ?? 0) + 1;
  return {
    seen,
    unknown: Object.keys(seen)
      .filter((v) => !isKnown(v))
      .sort(),
  };
}
