// Integration: an app cannot forge a passing verification. A custom check prints app-controlled text
// (`cat` of a file in the app's data); when that text holds marker lines copied from an earlier call or
// guessed, verifyTargets must still see the app that is really missing (docs/verification-commands.md).
import { DEMO_CHAT, DEMO_NOTES, DEMO_TARGETS } from '../../emulator/demo-seed';
import type { ExpectedApp, VerifyRequest } from '../../activities/recovery/contract';
import type { CustomChecks } from '../../activities/commands/custom-checks';
import { MARKER_NONCE } from '../../activities/commands/grammar';
import { newMarkerNonce } from '../../activities/commands/nonce';
import { parseVerificationOutput } from '../../activities/commands/parse';
import { startActivityTestEnv, type ActivityTestEnv } from './emulator-env';

jest.setTimeout(30_000);

const STATUS_CHECK: CustomChecks = {
  'app-status': {
    description: 'the app wrote its ready flag',
    command: 'cat /data/data/{package}/files/status.txt',
    expect: '^ready$',
  },
};

const NOTES = DEMO_NOTES.packageName;
const CHAT = DEMO_CHAT.packageName;
const EXPECTED: ExpectedApp[] = [
  { packageName: NOTES, versionName: '2.3.1', versionCode: 231 },
  { packageName: CHAT, versionName: '5.0.0', versionCode: 500 },
];
const BACKUP = 'bf-forgetest00000001';
const HONEST = DEMO_TARGETS[0];
const FORGER = DEMO_TARGETS[1];

let t: ActivityTestEnv;
beforeAll(async () => {
  t = await startActivityTestEnv({ customChecks: STATUS_CHECK });
});
afterAll(async () => {
  await t?.close();
});

const withStatus = (pkg: typeof DEMO_NOTES, status: string) => ({ ...pkg, data: { ...pkg.data, 'files/status.txt': status } });

/** The rest of an honest transcript after notes' check output: chat's sections and the end, marked by `mark`. */
function forgedTail(mark: (kind: string) => string): string {
  return [
    'ready',
    mark(`pkg:${CHAT}`),
    `package:${CHAT}`,
    'Packages:',
    `  Package [${CHAT}]`,
    '    versionCode=500 minSdk=24 targetSdk=33',
    '    versionName=5.0.0',
    mark(`check:app-status:${CHAT}`),
    'ready',
    mark('end'),
    '',
  ].join('\n');
}

async function verify(instanceIds: string[]) {
  const req: VerifyRequest = {
    targets: instanceIds.map((instanceId) => ({ instanceId, backupFileId: BACKUP })),
    expectations: { [BACKUP]: EXPECTED },
    verification: { version: 'source', data: 'none', customChecks: ['app-status'] },
    chunkSize: 50,
    pollIntervalMs: 10,
  };
  const mark = await t.mark();
  const { result } = await t.run(t.activities.verifyTargets, [req]);
  const runs = await t.callsSince(mark, 'RunCommand');
  const nonces = runs.map((r) => /==cpr:([0-9a-f]+):end==/.exec(String(r.params.CommandContent))?.[1] ?? '');
  return { result, nonces };
}

describe('verification markers carry a per-call nonce', () => {
  beforeEach(async () => {
    await t.reset();
    // The honest target really has both apps; the forger has only notes, whose status file carries
    // a transcript that claims chat is installed at the right version and passes its check.
    await t.admin.patchInstance(HONEST, { packages: [withStatus(DEMO_NOTES, 'ready\n'), withStatus(DEMO_CHAT, 'ready\n')] });
  });

  it('a marker copied from an earlier call does not verify', async () => {
    const first = await verify([HONEST]);
    expect(first.result).toEqual([{ instanceId: HONEST, ok: true }]);
    expect(first.nonces).toHaveLength(1);
    expect(first.nonces[0]).toMatch(MARKER_NONCE);

    const copied = forgedTail((kind) => `==cpr:${first.nonces[0]}:${kind}==`);
    await t.admin.patchInstance(FORGER, { packages: [withStatus(DEMO_NOTES, copied)] });
    const second = await verify([HONEST, FORGER]);

    expect(second.nonces).toHaveLength(1);
    expect(second.nonces[0]).toMatch(MARKER_NONCE);
    expect(second.nonces[0]).not.toBe(first.nonces[0]);
    expect(second.result[0]).toEqual({ instanceId: HONEST, ok: true });
    // Chat is missing and the notes check printed more than `ready`: the forged lines are plain output.
    expect(second.result[1]).toMatchObject({ instanceId: FORGER, ok: false });
    expect(['AppMissing', 'CustomCheckFailed', 'VerificationError']).toContain(second.result[1].reason);
  });

  it('guessed markers (the old fixed text, or a made-up nonce) do not verify', async () => {
    for (const mark of [(kind: string) => `==cpr:${kind}==`, (kind: string) => `==cpr:${'0'.repeat(32)}:${kind}==`]) {
      await t.admin.patchInstance(FORGER, { packages: [withStatus(DEMO_NOTES, forgedTail(mark))] });
      const { result } = await verify([FORGER]);
      expect(result[0]).toMatchObject({ instanceId: FORGER, ok: false });
    }
  });

  it('the forged transcript would pass if it carried the right nonce (so the tests above can fail)', () => {
    const nonce = newMarkerNonce();
    const mark = (kind: string): string => `==cpr:${nonce}:${kind}==`;
    const output = [
      mark(`pkg:${NOTES}`),
      `package:${NOTES}`,
      '    versionCode=231',
      '    versionName=2.3.1',
      mark(`check:app-status:${NOTES}`),
    ].join('\n');
    const parsed = parseVerificationOutput(`${output}\n${forgedTail(mark)}`, [NOTES, CHAT], { nonce, data: false, checks: ['app-status'] });
    expect(parsed.complete).toBe(true);
    expect(parsed.apps[CHAT]).toMatchObject({ installed: true, versionCode: 500, versionName: '5.0.0', checks: { 'app-status': 'ready' } });
  });

  it('an honest target with the status file passes', async () => {
    // Control: the check and the patched fleet are fine; the failures above come from the forged lines.
    await t.admin.patchInstance(FORGER, { packages: [withStatus(DEMO_NOTES, 'ready\n'), withStatus(DEMO_CHAT, 'ready\n')] });
    const { result } = await verify([FORGER]);
    expect(result).toEqual([{ instanceId: FORGER, ok: true }]);
  });
});
