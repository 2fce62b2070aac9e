// Pure comparison of what a target shows against what the source had. One verdict per target; when
// several packages fail, the most basic failure wins (missing > version > data > custom check) and the
// message names every package with that failure.
import { expandExpect, type CustomChecks } from '../commands/custom-checks';
import type { ObservedApp, ParsedOutput } from '../commands/parse';
import type { Verification } from '../../workflows/input';
import type { ExpectedApp, FileEntry, Verdict } from './contract';

/** Evidence travels through workflow history; a big app must not blow the payload limit. */
export const MAX_EVIDENCE_FILES = 20;
const MAX_CHECK_OUTPUT = 500;

export interface FileDiff {
  expected: FileEntry[];
  found: FileEntry[];
  paths: string[];
}

export function diffFiles(expected: readonly FileEntry[], found: readonly FileEntry[]): FileDiff {
  const want = new Map(expected.map((f) => [f.path, f]));
  const have = new Map(found.map((f) => [f.path, f]));
  const paths = [...new Set([...want.keys(), ...have.keys()])]
    .filter((p) => {
      const a = want.get(p);
      const b = have.get(p);
      return !a || !b || a.size !== b.size || a.sha256.toLowerCase() !== b.sha256.toLowerCase();
    })
    .sort();
  return {
    paths,
    expected: paths.flatMap((p) => (want.has(p) ? [want.get(p) as FileEntry] : [])),
    found: paths.flatMap((p) => (have.has(p) ? [have.get(p) as FileEntry] : [])),
  };
}

function versionOf(v: { versionName?: string; versionCode?: number }): { versionName?: string; versionCode?: number } {
  return {
    ...(v.versionName !== undefined ? { versionName: v.versionName } : {}),
    ...(v.versionCode !== undefined ? { versionCode: v.versionCode } : {}),
  };
}

function versionDiffers(exp: ExpectedApp, obs: ObservedApp): boolean {
  if (exp.versionName !== undefined && obs.versionName !== exp.versionName) return true;
  if (exp.versionCode !== undefined && obs.versionCode !== exp.versionCode) return true;
  return false;
}

export function compareTarget(
  expected: readonly ExpectedApp[],
  parsed: ParsedOutput,
  verification: Pick<Verification, 'version' | 'data' | 'customChecks'>,
  checks: CustomChecks,
): Verdict {
  if (!parsed.complete) {
    return { ok: false, reason: 'VerificationError', message: 'verification output was incomplete (end marker missing)' };
  }
  const observed = (e: ExpectedApp): ObservedApp | undefined => parsed.apps[e.packageName];

  const missing = expected.filter((e) => !observed(e)?.installed);
  if (missing.length > 0) {
    const names = missing.map((e) => e.packageName);
    return {
      ok: false,
      reason: 'AppMissing',
      message: `app not installed after recovery: ${names.join(', ')}`,
      evidence: { expected: names, found: [] },
    };
  }

  if (verification.version === 'source') {
    const wrong = expected.filter((e) => versionDiffers(e, observed(e) as ObservedApp));
    if (wrong.length > 0) {
      const first = wrong[0];
      const found = observed(first) as ObservedApp;
      return {
        ok: false,
        reason: 'VersionMismatch',
        message: `${wrong.map((e) => e.packageName).join(', ')}: version differs from the source (expected ${first.versionName ?? '?'} (${first.versionCode ?? '?'}), found ${found.versionName ?? '?'} (${found.versionCode ?? '?'}))`,
        evidence: {
          expected: wrong.map((e) => ({ packageName: e.packageName, ...versionOf(e) })),
          found: wrong.map((e) => ({ packageName: e.packageName, ...versionOf(observed(e) as ObservedApp) })),
        },
      };
    }
  }

  if (verification.data === 'source') {
    for (const e of expected) {
      if (!e.files) continue;
      const diff = diffFiles(e.files, observed(e)?.files ?? []);
      if (diff.paths.length === 0) continue;
      const shown = diff.paths.slice(0, MAX_EVIDENCE_FILES);
      return {
        ok: false,
        reason: 'DataMismatch',
        message: `${e.packageName}: ${diff.paths.length} data file(s) differ from the source: ${shown.join(', ')}${diff.paths.length > shown.length ? ', …' : ''}`,
        evidence: {
          expected: diff.expected.filter((f) => shown.includes(f.path)),
          found: diff.found.filter((f) => shown.includes(f.path)),
          detail: `package ${e.packageName}; ${diff.paths.length} of ${e.files.length} expected files differ`,
        },
      };
    }
  }

  for (const name of verification.customChecks) {
    const check = checks[name];
    if (!check) {
      return { ok: false, reason: 'VerificationError', message: `custom check "${name}" is not defined in this worker's configuration` };
    }
    for (const e of expected) {
      const output = observed(e)?.checks[name];
      const pattern = expandExpect(check.expect, e.packageName);
      if (output === undefined || !new RegExp(pattern, 'm').test(output)) {
        return {
          ok: false,
          reason: 'CustomCheckFailed',
          message: `custom check "${name}" failed for ${e.packageName}: ${check.description}`,
          evidence: { expected: pattern, found: (output ?? '(no output)').slice(0, MAX_CHECK_OUTPUT), detail: name },
        };
      }
    }
  }
  return { ok: true };
}
