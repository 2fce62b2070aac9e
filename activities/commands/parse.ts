// Reads the output of a verification command (see build.ts) back into facts per package. Tolerant of
// what real shells do (CRLF, extra blank lines, unknown lines, noise before the first marker) but
// strict about completeness: output without the end marker is reported as incomplete, never guessed.
import type { FileEntry } from '../recovery/contract';
import { checkMarker, dataDir, endMarker, packageMarker } from './grammar';

export interface ObservedApp {
  packageName: string;
  installed: boolean;
  versionName?: string;
  versionCode?: number;
  /** Present when the command listed data; empty when the data dir is missing or empty. Sorted by path. */
  files?: FileEntry[];
  dataDirMissing: boolean;
  /** Raw output of each custom check, by check name. */
  checks: Record<string, string>;
}

export interface ParsedOutput {
  /** The end marker and every package marker were seen. */
  complete: boolean;
  apps: Record<string, ObservedApp>;
}

const SHA_LINE = /^([0-9a-fA-F]{64}) [ *](\/.*)$/;
const STAT_LINE = /^(\d+) (\/.*)$/;
const VERSION_CODE = /\bversionCode=(\d+)/;
const VERSION_NAME = /\bversionName=(\S+)/;

interface Section {
  kind: 'pkg' | 'check';
  pkg: string;
  check?: string;
  lines: string[];
}

export function parseVerificationOutput(
  output: string,
  packages: readonly string[],
  opts: { nonce: string; data: boolean; checks?: readonly string[] },
): ParsedOutput {
  // Only markers carrying this call's nonce count (see grammar.ts); any other marker-like line is
  // ordinary output of the section it appears in.
  const end = endMarker(opts.nonce);
  // Markers are accepted only in the order the command emits them, so a marker-like line inside a
  // check's output cannot reopen an earlier section or skip ahead.
  const expected: { text: string; kind: 'pkg' | 'check'; pkg: string; check?: string }[] = [];
  for (const pkg of packages) {
    expected.push({ text: packageMarker(opts.nonce, pkg), kind: 'pkg', pkg });
    for (const check of opts.checks ?? []) expected.push({ text: checkMarker(opts.nonce, check, pkg), kind: 'check', pkg, check });
  }
  const sections: Section[] = [];
  let current: Section | undefined;
  let next = 0;
  let sawEnd = false;
  for (const raw of output.split('\n')) {
    if (sawEnd) break;
    const line = raw.replace(/\r$/, '');
    const trimmed = line.trim();
    const marker = expected[next];
    if (marker && trimmed === marker.text) {
      current = { kind: marker.kind, pkg: marker.pkg, check: marker.check, lines: [] };
      sections.push(current);
      next++;
      continue;
    }
    if (next === expected.length && trimmed === end) {
      sawEnd = true;
      continue;
    }
    current?.lines.push(line);
  }

  const apps: Record<string, ObservedApp> = {};
  const seenPackages = new Set<string>();
  for (const section of sections) {
    const app = (apps[section.pkg] ??= { packageName: section.pkg, installed: false, dataDirMissing: false, checks: {} });
    if (section.kind === 'check' && section.check) {
      app.checks[section.check] = section.lines.join('\n');
      continue;
    }
    seenPackages.add(section.pkg);
    readPackageSection(app, section.lines, opts.data);
  }
  const complete = sawEnd && next === expected.length && packages.every((p) => seenPackages.has(p));
  return { complete, apps };
}

function readPackageSection(app: ObservedApp, lines: string[], data: boolean): void {
  const root = `${dataDir(app.packageName)}/`;
  const sizes = new Map<string, number>();
  const hashes = new Map<string, string>();
  for (const line of lines) {
    const t = line.trim();
    if (t === `package:${app.packageName}`) {
      // `pm list packages <filter>` matches substrings; only the exact name counts.
      app.installed = true;
      continue;
    }
    const code = VERSION_CODE.exec(t);
    if (code && app.versionCode === undefined) app.versionCode = Number(code[1]);
    const name = VERSION_NAME.exec(t);
    if (name && app.versionName === undefined) app.versionName = name[1];
    if (!data) continue;
    if (/^find: .*No such file or directory/.test(t)) {
      app.dataDirMissing = true;
      continue;
    }
    const sha = SHA_LINE.exec(line);
    if (sha && sha[2].startsWith(root)) {
      hashes.set(sha[2].slice(root.length), sha[1].toLowerCase());
      continue;
    }
    const stat = STAT_LINE.exec(line);
    if (stat && stat[2].startsWith(root)) sizes.set(stat[2].slice(root.length), Number(stat[1]));
  }
  if (!data) return;
  const paths = [...new Set([...sizes.keys(), ...hashes.keys()])].sort(comparePaths);
  // A file seen by only one of the two listings (changed between them) keeps an impossible value,
  // so it can never compare equal to the expectation.
  app.files = paths.map((path) => ({ path, size: sizes.get(path) ?? -1, sha256: hashes.get(path) ?? '' }));
}

export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
