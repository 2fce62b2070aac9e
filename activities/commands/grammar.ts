// The fixed shell grammar shared with the emulator (docs/verification-commands.md). Only the segment
// shapes below may ever be sent; everything variable in them is a validated package name or a path
// built from one.

/**
 * Marker lines split one invocation's output into per-package and per-check sections. Every marker
 * carries the call's nonce (random, fresh per RunCommand), so output an app controls (a custom check
 * that cats app data) cannot contain a marker the parser would accept: copying one from an earlier
 * call gives the wrong nonce, and guessing 128 random bits does not work.
 */
export const MARKER_PREFIX = '==cpr:';
/** 128 bits as lowercase hex; see nonce.ts for where it is made. */
export const MARKER_NONCE = /^[0-9a-f]{32}$/;
export const endMarker = (nonce: string): string => `==cpr:${nonce}:end==`;
export const packageMarker = (nonce: string, pkg: string): string => `==cpr:${nonce}:pkg:${pkg}==`;
export const checkMarker = (nonce: string, check: string, pkg: string): string => `==cpr:${nonce}:check:${check}:${pkg}==`;

export const DATA_ROOT = '/data/data';
export const dataDir = (pkg: string): string => `${DATA_ROOT}/${pkg}`;

export const SEGMENT_SEPARATOR = '; ';

/** Characters a generated command may contain: the grammar's own punctuation plus validated names. */
export const SAFE_COMMAND_CHARS = /^[A-Za-z0-9 _.\/:=';%{}+-]*$/;

// Segment shapes accepted in custom-check templates (after `{package}` substitution). Paths are
// absolute, made of plain name characters, and may not climb with `..`.
// Unambiguous (no nested quantifier over the same characters), so a failing match cannot backtrack
// exponentially on a long path.
const PATH = String.raw`/(?:[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*/?)?`;
const WORD = String.raw`[A-Za-z0-9_.:=/-]+`;
const NAMEISH = String.raw`[A-Za-z0-9_.]+`;
export const SEGMENT_SHAPES: readonly RegExp[] = [
  new RegExp(String.raw`^echo '[A-Za-z0-9 _.:=/-]*'$`),
  new RegExp(String.raw`^echo ${WORD}$`),
  new RegExp(String.raw`^pm list packages(?: ${NAMEISH})?$`),
  new RegExp(String.raw`^dumpsys package ${NAMEISH}$`),
  new RegExp(String.raw`^find ${PATH} -type f -exec sha256sum \{\} \+$`),
  new RegExp(String.raw`^find ${PATH} -type f -exec stat -c '%s %n' \{\} \+$`),
  new RegExp(String.raw`^(?:cat|ls|sha256sum|md5sum) ${PATH}$`),
];

export function isSupportedSegment(segment: string): boolean {
  if (segment.includes('..')) return false;
  // Marker text is reserved for the parser; a check that echoed one could forge another section.
  if (segment.startsWith('echo') && segment.includes(MARKER_PREFIX)) return false;
  return SEGMENT_SHAPES.some((shape) => shape.test(segment));
}
