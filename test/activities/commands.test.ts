import fc from 'fast-check';
import { ApplicationFailure } from '@temporalio/common';
import { buildInventoryCommand, buildVerificationCommand } from '../../activities/commands/build';
import { parseCustomChecks, CustomChecksConfigError, type CustomChecks } from '../../activities/commands/custom-checks';
import { parseVerificationOutput } from '../../activities/commands/parse';
import { SAFE_COMMAND_CHARS } from '../../activities/commands/grammar';
import { PACKAGE_NAME } from '../../workflows/input';
import { compileScript, runScript } from '../../emulator/shell/android-shell';
import type { InstalledPackage } from '../../emulator/state/model';

// A fixed nonce keeps expected texts readable; production makes a fresh one per call (nonce.ts).
const N = '0123456789abcdef0123456789abcdef';

const NOTES: InstalledPackage = {
  packageName: 'com.example.notes',
  versionName: '2.3.1',
  versionCode: 231,
  data: { 'shared_prefs/settings.xml': '<map/>\n', 'files/a b.txt': 'hello\n' },
};

function expectUnsafe(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe('UnsafeCommandInput');
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    return;
  }
  throw new Error('expected UnsafeCommandInput');
}

// Package names as the input schema accepts them: letter-led segments joined by dots.
const segment = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,12}$/);
const validPackage = fc.array(segment, { minLength: 2, maxLength: 4 }).map((s) => s.join('.'));

describe('verification command builder', () => {
  it('produces exactly the documented grammar for one package', () => {
    expect(buildVerificationCommand({ nonce: N, packages: ['com.example.notes'], version: true, data: true })).toBe(
      `echo '==cpr:${N}:pkg:com.example.notes=='; pm list packages com.example.notes; dumpsys package com.example.notes; ` +
        'find /data/data/com.example.notes -type f -exec sha256sum {} +; ' +
        `find /data/data/com.example.notes -type f -exec stat -c '%s %n' {} +; echo '==cpr:${N}:end=='`,
    );
    expect(buildInventoryCommand(N, ['a.b', 'c.d'])).toBe(
      `echo '==cpr:${N}:pkg:a.b=='; pm list packages a.b; echo '==cpr:${N}:pkg:c.d=='; pm list packages c.d; echo '==cpr:${N}:end=='`,
    );
  });

  it('refuses injection attempts and other non-package strings', () => {
    for (const bad of [
      'com.example.app; rm -rf /',
      'com.example.app && reboot',
      '$(reboot)',
      'com.example.`id`',
      "com.x'y",
      'com.example.app\nreboot',
      'noDots',
      '',
      '1com.example',
    ]) {
      expectUnsafe(() => buildVerificationCommand({ nonce: N, packages: [bad], version: true, data: true }));
    }
    expectUnsafe(() => buildVerificationCommand({ nonce: N, packages: [], version: true, data: true }));
  });

  it('property: any string that is not a valid package name is refused', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => {
        fc.pre(!PACKAGE_NAME.test(s));
        expectUnsafe(() => buildVerificationCommand({ nonce: N, packages: ['com.example.ok', s], version: true, data: true }));
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(
        validPackage,
        fc.constantFrom(';', '&', '|', '$', '`', "'", '"', ' ', '\n', '>', '<', '(', '\\', '*'),
        fc.nat(30),
        (pkg, evil, at) => {
          const i = at % (pkg.length + 1);
          expectUnsafe(() => buildInventoryCommand(N, [pkg.slice(0, i) + evil + pkg.slice(i)]));
        },
      ),
    );
  });

  it('property: generated commands use only safe characters and compile to the supported segments', () => {
    fc.assert(
      fc.property(fc.uniqueArray(validPackage, { minLength: 1, maxLength: 5 }), fc.boolean(), fc.boolean(), (packages, version, data) => {
        const text = buildVerificationCommand({ nonce: N, packages, version, data });
        expect(SAFE_COMMAND_CHARS.test(text)).toBe(true);
        const compiled = compileScript(text);
        expect(compiled.ok).toBe(true);
        if (!compiled.ok) return;
        // Each package is one whole word: it never splits into or merges with other shell words.
        const perPackage = 2 + (version ? 1 : 0) + (data ? 2 : 0);
        expect(compiled.segments).toHaveLength(packages.length * perPackage + 1);
      }),
      { numRuns: 300 },
    );
  });
});

describe('verification output parser', () => {
  it('reads presence, version and data files from the emulator shell', () => {
    const packages = ['com.example.notes', 'com.example.absent'];
    const text = buildVerificationCommand({ nonce: N, packages, version: true, data: true });
    const compiled = compileScript(text);
    if (!compiled.ok) throw new Error('did not compile');
    const { output } = runScript(compiled.segments, { [NOTES.packageName]: NOTES });
    const parsed = parseVerificationOutput(output, packages, { nonce: N, data: true });
    expect(parsed.complete).toBe(true);
    const notes = parsed.apps['com.example.notes'];
    expect(notes).toMatchObject({ installed: true, versionName: '2.3.1', versionCode: 231, dataDirMissing: false });
    expect(notes.files?.map((f) => [f.path, f.size])).toEqual([
      ['files/a b.txt', 6],
      ['shared_prefs/settings.xml', 7],
    ]);
    expect(notes.files?.[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(parsed.apps['com.example.absent']).toMatchObject({ installed: false, dataDirMissing: true, files: [] });
  });

  it('does not count a package whose name merely contains the requested one', () => {
    const out = `==cpr:${N}:pkg:com.example.a==\npackage:com.example.abc\n==cpr:${N}:end==\n`;
    expect(parseVerificationOutput(out, ['com.example.a'], { nonce: N, data: false }).apps['com.example.a'].installed).toBe(false);
  });

  it('tolerates CRLF and noise but reports truncated output as incomplete', () => {
    const out = `motd noise\r\n==cpr:${N}:pkg:a.b==\r\npackage:a.b\r\n    versionCode=7 minSdk=24\r\n    versionName=1.0\r\n==cpr:${N}:end==\r\n`;
    const parsed = parseVerificationOutput(out, ['a.b'], { nonce: N, data: false });
    expect(parsed).toMatchObject({ complete: true, apps: { 'a.b': { installed: true, versionCode: 7, versionName: '1.0' } } });
    expect(parseVerificationOutput(`==cpr:${N}:pkg:a.b==\npackage:a.b\n`, ['a.b'], { nonce: N, data: false }).complete).toBe(false);
    expect(parseVerificationOutput('', ['a.b'], { nonce: N, data: false }).complete).toBe(false);
  });

  it('accepts markers only in order, so check output cannot forge an earlier section', () => {
    const out = [`==cpr:${N}:pkg:a.b==`, `==cpr:${N}:check:c1:a.b==`, `==cpr:${N}:pkg:a.b==`, 'package:a.b', `==cpr:${N}:end==`].join('\n');
    const parsed = parseVerificationOutput(out, ['a.b'], { nonce: N, data: false, checks: ['c1'] });
    expect(parsed.apps['a.b'].installed).toBe(false);
  });

  it('property: never throws on arbitrary output', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (s) => {
        const parsed = parseVerificationOutput(s, ['a.b'], { nonce: N, data: true, checks: ['x'] });
        expect(typeof parsed.complete).toBe('boolean');
      }),
    );
  });
});

describe('custom checks configuration', () => {
  const good: CustomChecks = {
    'prefs-present': { description: 'shared prefs exist', command: 'ls /data/data/{package}/shared_prefs', expect: '^settings\\.xml$' },
    'has-db': {
      description: 'db readable',
      command: "find /data/data/{package}/databases -type f -exec stat -c '%s %n' {} +",
      expect: '/data/data/{package}/databases/',
    },
  };

  it('accepts templates made of supported segments', () => {
    expect(parseCustomChecks(good)).toEqual(good);
    const text = buildVerificationCommand({
      nonce: N,
      packages: ['com.example.notes'],
      version: false,
      data: false,
      checks: Object.entries(good).map(([name, check]) => ({ name, check })),
    });
    expect(compileScript(text).ok).toBe(true);
    expect(text).toContain(`echo '==cpr:${N}:check:prefs-present:com.example.notes=='; ls /data/data/com.example.notes/shared_prefs`);
  });

  it('rejects shell beyond the grammar, bad regexes and bad names at worker start', () => {
    const bad = [
      { x: { description: 'd', command: 'rm -rf /data/data/{package}', expect: '.' } },
      { x: { description: 'd', command: 'ls /data/data/{package} && reboot', expect: '.' } },
      { x: { description: 'd', command: 'cat /data/data/{package}/$(id)', expect: '.' } },
      { x: { description: 'd', command: 'cat /data/data/{package}/../../etc/passwd', expect: '.' } },
      { x: { description: 'd', command: "echo '==cpr:end=='", expect: '.' } },
      { x: { description: 'd', command: 'ls /data', expect: '(' } },
      { 'Bad Name': { description: 'd', command: 'ls /data', expect: '.' } },
      { x: { description: 'd', command: 'ls /data', expect: '.', extra: 1 } },
    ];
    for (const config of bad) expect(() => parseCustomChecks(config)).toThrow(CustomChecksConfigError);
  });
});
