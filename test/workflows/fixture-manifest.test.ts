// Replay fixtures are immutable (docs/versioning.md): a history recorded under one release is what a
// run of that release really did, so "fixing" it would hide exactly the non-determinism the replay test
// exists to catch. MANIFEST.sha256 pins every committed fixture; new fixtures are appended to it.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HISTORIES_DIR } from './harness';

const MANIFEST = join(HISTORIES_DIR, 'MANIFEST.sha256');

function manifestEntries(text: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
    const match = /^([0-9a-f]{64}) {2}(\S+\.json)$/.exec(line);
    if (!match) throw new Error(`MANIFEST.sha256: malformed line ${JSON.stringify(line)}`);
    entries.set(match[2] as string, match[1] as string);
  }
  return entries;
}

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(join(HISTORIES_DIR, file))).digest('hex');

describe('replay fixtures are immutable', () => {
  const pinned = manifestEntries(readFileSync(MANIFEST, 'utf8'));
  const present = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json'));

  it('every committed fixture matches the hash it was pinned with', () => {
    const changed = [...pinned].filter(([file, hash]) => !present.includes(file) || sha256(file) !== hash).map(([file]) => file);
    // A changed or deleted fixture means a recorded history was rewritten: record a new one instead.
    expect(changed).toEqual([]);
  });

  it('every fixture on disk is pinned in the manifest', () => {
    const unpinned = present.filter((f) => !pinned.has(f));
    // Append `sha256sum <file>` output for new fixtures to MANIFEST.sha256.
    expect(unpinned).toEqual([]);
  });

  it('the manifest only ever grows: no commit removed or rewrote a pinned line', () => {
    let log: string;
    try {
      log = execFileSync('git', ['log', '-p', '--format=%H', '--', MANIFEST], { cwd: HISTORIES_DIR, encoding: 'utf8' });
    } catch {
      return; // not a git checkout (e.g. an unpacked release): the two checks above still hold
    }
    const removed = log.split('\n').filter((l) => /^-[0-9a-f]{64} {2}/.test(l));
    expect(removed).toEqual([]);
  });
});
