// Builds verification command text. Pure; every variable part is re-validated here, and the result is
// checked against the safe character set and the segment grammar before it is returned, so a future
// edit cannot quietly widen what reaches the vendor's shell.
import { ApplicationFailure } from '@temporalio/common';
import { expandCheckSegments, type CustomCheck } from './custom-checks';
import {
  checkMarker,
  dataDir,
  endMarker,
  isSupportedSegment,
  MARKER_NONCE,
  packageMarker,
  SAFE_COMMAND_CHARS,
  SEGMENT_SEPARATOR,
} from './grammar';
import { FailureType } from '../../workflows/failures';
import { requireCheckName, requirePackageName } from './safe-values';

export interface CommandPlan {
  /** This call's marker nonce (newMarkerNonce); the parser must be given the same one. */
  nonce: string;
  packages: readonly string[];
  /** `dumpsys package` per package (versionName/versionCode). */
  version: boolean;
  /** sha256 and size of every file under /data/data/<package>. */
  data: boolean;
  /** Custom checks run for every package, in this order. */
  checks?: readonly { name: string; check: CustomCheck }[];
}

function packageSegments(pkg: string, plan: CommandPlan): string[] {
  const segments = [`echo '${packageMarker(plan.nonce, pkg)}'`, `pm list packages ${pkg}`];
  if (plan.version) segments.push(`dumpsys package ${pkg}`);
  if (plan.data) {
    const dir = dataDir(pkg);
    segments.push(`find ${dir} -type f -exec sha256sum {} +`, `find ${dir} -type f -exec stat -c '%s %n' {} +`);
  }
  for (const { name, check } of plan.checks ?? []) {
    segments.push(`echo '${checkMarker(plan.nonce, requireCheckName(name), pkg)}'`, ...expandCheckSegments(check, pkg));
  }
  return segments;
}

const MARKER_SEGMENT = /^echo '==cpr:[A-Za-z0-9_.:-]+=='$/;

function unsafe(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.UnsafeCommandInput, nonRetryable: true, message });
}

/** One command for all the given packages; the same text is sent to every instance of a chunk. */
export function buildVerificationCommand(plan: CommandPlan): string {
  if (plan.packages.length === 0) throw unsafe('a verification command needs at least one package');
  if (!MARKER_NONCE.test(plan.nonce)) throw unsafe('a verification command needs a marker nonce of 32 lowercase hex digits');
  const packages = plan.packages.map(requirePackageName);
  if (new Set(packages).size !== packages.length) throw unsafe('duplicate package in a verification command');
  const segments = packages.flatMap((pkg) => packageSegments(pkg, plan));
  segments.push(`echo '${endMarker(plan.nonce)}'`);
  for (const segment of segments) {
    // Markers are built by us and contain only validated names, so they pass the echo shape.
    if (!isSupportedSegment(segment) && !MARKER_SEGMENT.test(segment)) {
      throw unsafe('a verification command segment is outside the supported grammar');
    }
  }
  const text = segments.join(SEGMENT_SEPARATOR);
  if (!SAFE_COMMAND_CHARS.test(text)) throw unsafe('a verification command contains characters outside the safe set');
  return text;
}

/** Lists which of the packages are installed (preflight inventory of targets). */
export function buildInventoryCommand(nonce: string, packages: readonly string[]): string {
  return buildVerificationCommand({ nonce, packages, version: false, data: false });
}
