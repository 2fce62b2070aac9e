import { createHash } from 'node:crypto';
import type { InstalledPackage } from '../state/model';
import { tokenizeShell } from './tokenize';

/**
 * The few Android shell commands the product's verification uses (docs/verification-commands.md).
 * Anything else fails the whole invocation before any segment runs, as the contract requires.
 */
export type ShellSegment =
  | { kind: 'echo'; text: string }
  | { kind: 'pmListPackages'; filter?: string }
  | { kind: 'dumpsysPackage'; packageName: string }
  | { kind: 'findSha256'; dir: string }
  | { kind: 'findStat'; dir: string }
  | { kind: 'cat'; path: string }
  | { kind: 'ls'; path: string }
  | { kind: 'digest'; algorithm: 'sha256' | 'md5'; path: string };

export type CompiledScript = { ok: true; segments: ShellSegment[] } | { ok: false; output: string; exitCode: number };

export interface ShellResult {
  output: string;
  exitCode: number;
}

const sameWords = (actual: string[], expected: string[]): boolean =>
  actual.length === expected.length && actual.every((word, i) => word === expected[i]);

function compileSegment(argv: string[]): ShellSegment | undefined {
  const [command, ...args] = argv;
  switch (command) {
    case 'echo':
      return { kind: 'echo', text: args.join(' ') };
    case 'pm':
      if (args[0] === 'list' && args[1] === 'packages' && args.length <= 3) {
        return { kind: 'pmListPackages', filter: args[2] };
      }
      return undefined;
    case 'dumpsys':
      return args.length === 2 && args[0] === 'package' ? { kind: 'dumpsysPackage', packageName: args[1] } : undefined;
    case 'find': {
      const dir = args[0];
      const rest = args.slice(1);
      if (dir === undefined) return undefined;
      if (sameWords(rest, ['-type', 'f', '-exec', 'sha256sum', '{}', '+'])) return { kind: 'findSha256', dir };
      if (sameWords(rest, ['-type', 'f', '-exec', 'stat', '-c', '%s %n', '{}', '+'])) return { kind: 'findStat', dir };
      return undefined;
    }
    case 'cat':
      return args.length === 1 ? { kind: 'cat', path: args[0] } : undefined;
    case 'ls':
      return args.length === 1 ? { kind: 'ls', path: args[0] } : undefined;
    case 'sha256sum':
    case 'md5sum':
      return args.length === 1 ? { kind: 'digest', algorithm: command === 'md5sum' ? 'md5' : 'sha256', path: args[0] } : undefined;
    default:
      return undefined;
  }
}

export function compileScript(text: string): CompiledScript {
  const tokens = tokenizeShell(text);
  if (!tokens.ok) return { ok: false, output: `${tokens.error}\n`, exitCode: 2 };
  const segments: ShellSegment[] = [];
  for (const argv of tokens.segments) {
    const segment = compileSegment(argv);
    if (!segment) return { ok: false, output: `sh: ${argv[0]}: not found\n`, exitCode: 127 };
    segments.push(segment);
  }
  return { ok: true, segments };
}

const DATA_ROOT = '/data/data';

function normalizePath(path: string): string {
  const collapsed = path.replace(/\/+/g, '/');
  return collapsed.length > 1 ? collapsed.replace(/\/$/, '') : collapsed;
}

/** Read-only view of an instance's app data as a file tree. */
class AppDataTree {
  private readonly files = new Map<string, string>();
  private readonly dirs = new Set<string>(['/', '/data', DATA_ROOT]);

  constructor(private readonly packages: Record<string, InstalledPackage>) {
    for (const pkg of Object.values(packages)) {
      const root = `${DATA_ROOT}/${pkg.packageName}`;
      this.dirs.add(root);
      for (const [relative, content] of Object.entries(pkg.data)) {
        const absolute = normalizePath(`${root}/${relative}`);
        this.files.set(absolute, content);
        for (let cut = absolute.lastIndexOf('/'); cut > root.length; cut = absolute.lastIndexOf('/', cut - 1)) {
          this.dirs.add(absolute.slice(0, cut));
        }
      }
    }
  }

  isDir(path: string): boolean {
    return this.dirs.has(path);
  }

  file(path: string): string | undefined {
    return this.files.get(path);
  }

  filesUnder(path: string): [string, string][] {
    if (this.files.has(path)) return [[path, this.files.get(path) as string]];
    const prefix = path === '/' ? '/' : `${path}/`;
    return [...this.files.entries()].filter(([name]) => name.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  children(path: string): string[] {
    const prefix = path === '/' ? '/' : `${path}/`;
    const names = new Set<string>();
    for (const entry of [...this.dirs, ...this.files.keys()]) {
      if (entry.startsWith(prefix) && entry.length > prefix.length) names.add(entry.slice(prefix.length).split('/')[0]);
    }
    return [...names].sort();
  }

  installed(name: string): InstalledPackage | undefined {
    return this.packages[name];
  }

  packageNames(): string[] {
    return Object.keys(this.packages).sort();
  }
}

const digest = (algorithm: 'sha256' | 'md5', content: string): string =>
  createHash(algorithm).update(Buffer.from(content, 'utf8')).digest('hex');

const packageHash = (name: string): string => digest('md5', name).slice(0, 7);

function dumpsysBlock(pkg: InstalledPackage): string {
  const ref = packageHash(pkg.packageName);
  return [
    'Packages:',
    `  Package [${pkg.packageName}] (${ref}):`,
    `    userId=10${(parseInt(ref, 16) % 900) + 100}`,
    `    pkg=Package{${ref} ${pkg.packageName}}`,
    `    codePath=/data/app/${pkg.packageName}-1`,
    `    versionCode=${pkg.versionCode} minSdk=24 targetSdk=33`,
    `    versionName=${pkg.versionName}`,
    `    dataDir=/data/user/0/${pkg.packageName}`,
    '',
  ].join('\n');
}

function runSegment(segment: ShellSegment, tree: AppDataTree): ShellResult {
  const lines = (items: string[]): string => items.map((line) => `${line}\n`).join('');
  switch (segment.kind) {
    case 'echo':
      return { output: `${segment.text}\n`, exitCode: 0 };
    case 'pmListPackages': {
      const filter = segment.filter ?? '';
      return {
        output: lines(
          tree
            .packageNames()
            .filter((n) => n.includes(filter))
            .map((n) => `package:${n}`),
        ),
        exitCode: 0,
      };
    }
    case 'dumpsysPackage': {
      const pkg = tree.installed(segment.packageName);
      return pkg ? { output: dumpsysBlock(pkg), exitCode: 0 } : { output: `Unable to find package: ${segment.packageName}\n`, exitCode: 0 };
    }
    case 'findSha256':
    case 'findStat': {
      const dir = normalizePath(segment.dir);
      if (!tree.isDir(dir) && tree.file(dir) === undefined) {
        return { output: `find: '${segment.dir}': No such file or directory\n`, exitCode: 1 };
      }
      const files = tree.filesUnder(dir);
      const render =
        segment.kind === 'findSha256'
          ? ([path, content]: [string, string]) => `${digest('sha256', content)}  ${path}`
          : ([path, content]: [string, string]) => `${Buffer.byteLength(content, 'utf8')} ${path}`;
      return { output: lines(files.map(render)), exitCode: 0 };
    }
    case 'cat':
    case 'digest': {
      const path = normalizePath(segment.path);
      const tool = segment.kind === 'cat' ? 'cat' : `${segment.algorithm}sum`;
      const content = tree.file(path);
      if (content === undefined) {
        const reason = tree.isDir(path) ? 'Is a directory' : 'No such file or directory';
        return { output: `${tool}: ${segment.path}: ${reason}\n`, exitCode: 1 };
      }
      if (segment.kind === 'cat') return { output: content, exitCode: 0 };
      return { output: `${digest(segment.algorithm, content)}  ${segment.path}\n`, exitCode: 0 };
    }
    case 'ls': {
      const path = normalizePath(segment.path);
      if (tree.file(path) !== undefined) return { output: `${segment.path}\n`, exitCode: 0 };
      if (!tree.isDir(path)) return { output: `ls: ${segment.path}: No such file or directory\n`, exitCode: 1 };
      return { output: lines(tree.children(path)), exitCode: 0 };
    }
  }
}

/** Runs segments like `a; b; c`: every segment runs, the exit code is the last one's. */
export function runScript(segments: ShellSegment[], packages: Record<string, InstalledPackage>): ShellResult {
  const tree = new AppDataTree(packages);
  let output = '';
  let exitCode = 0;
  for (const segment of segments) {
    const result = runSegment(segment, tree);
    output += result.output;
    exitCode = result.exitCode;
  }
  return { output, exitCode };
}
