import { createRateLimiter } from '../../activities/rate-limit';
import { compareTarget, diffFiles } from '../../activities/recovery/compare';
import type { ParsedOutput } from '../../activities/commands/parse';
import type { ExpectedApp } from '../../activities/recovery/contract';
import { pickAdoptable, looksLikeRecovery } from '../../activities/recovery/submit';
import { isRetryableFailure, outcomeOf } from '../../activities/recovery/poll';

/** A fake clock whose sleep advances time, so bucket arithmetic is exact. */
function fakeClock() {
  let t = 1_000_000;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    advance: (ms: number) => {
      t += ms;
    },
    sleeps,
  };
}

describe('rate limiter', () => {
  it('lets a burst through, then spaces calls at the per-action rate, independently per action', async () => {
    const clock = fakeClock();
    const rl = createRateLimiter({ perActionQps: { RunCommand: 2 }, defaultQps: 10, now: clock.now, sleep: clock.sleep });
    const start = clock.now();
    for (let i = 0; i < 6; i++) await rl.acquire('RunCommand');
    // bucket of 2: two immediate, then one every 500 ms
    expect(clock.now() - start).toBe(2000);
    const before = clock.sleeps.length;
    for (let i = 0; i < 10; i++) await rl.acquire('DescribeTasks');
    expect(clock.sleeps.length).toBe(before); // its own full bucket of 10
  });

  it('serves concurrent waiters in order without exceeding the rate', async () => {
    const clock = fakeClock();
    const rl = createRateLimiter({
      defaultQps: 5,
      burst: 1,
      now: clock.now,
      sleep: async (ms) => {
        clock.sleeps.push(ms);
      },
    });
    await Promise.all(Array.from({ length: 5 }, () => rl.acquire('X')));
    expect(clock.sleeps).toEqual([200, 400, 600, 800]);
  });

  it('halves on throttling (AIMD) and creeps back on success, never above the configured rate', async () => {
    const clock = fakeClock();
    const rl = createRateLimiter({ defaultQps: 20, now: clock.now, sleep: clock.sleep });
    rl.onThrottled('RecoverApp');
    rl.onThrottled('RecoverApp');
    expect(rl.currentQps('RecoverApp')).toBe(5);
    for (let i = 0; i < 5; i++) rl.onSuccess('RecoverApp');
    expect(rl.currentQps('RecoverApp')).toBe(10);
    for (let i = 0; i < 100; i++) rl.onSuccess('RecoverApp');
    expect(rl.currentQps('RecoverApp')).toBe(20);
    for (let i = 0; i < 50; i++) rl.onThrottled('RecoverApp');
    expect(rl.currentQps('RecoverApp')).toBe(1); // floor: 5% of configured
    // a throttle also drops any saved-up burst: the next call waits
    await rl.acquire('RecoverApp');
    expect(clock.sleeps.length).toBeGreaterThan(0);
  });

  it('rejects a zero rate', () => {
    expect(() => createRateLimiter({ defaultQps: 0 })).toThrow(RangeError);
  });
});

const file = (path: string, size: number, sha: string) => ({ path, size, sha256: sha.repeat(64).slice(0, 64) });

function parsed(apps: ParsedOutput['apps'], complete = true): ParsedOutput {
  return { complete, apps };
}

describe('verdict comparison', () => {
  const expected: ExpectedApp[] = [
    { packageName: 'com.a.b', versionName: '1.0', versionCode: 10, files: [file('x', 1, 'a'), file('y/z', 2, 'b')] },
  ];
  const full = { version: 'source' as const, data: 'source' as const, customChecks: [] };
  const good = {
    packageName: 'com.a.b',
    installed: true,
    versionName: '1.0',
    versionCode: 10,
    files: [file('x', 1, 'a'), file('y/z', 2, 'b')],
    dataDirMissing: false,
    checks: {},
  };

  it('verifies an exact match and reports each failure kind with evidence', () => {
    expect(compareTarget(expected, parsed({ 'com.a.b': good }), full, {})).toEqual({ ok: true });
    expect(compareTarget(expected, parsed({ 'com.a.b': { ...good, installed: false } }), full, {})).toMatchObject({
      ok: false,
      reason: 'AppMissing',
    });
    expect(compareTarget(expected, parsed({ 'com.a.b': { ...good, versionCode: 9 } }), full, {})).toMatchObject({
      ok: false,
      reason: 'VersionMismatch',
      evidence: { expected: [{ versionCode: 10 }], found: [{ versionCode: 9 }] },
    });
    const v = compareTarget(
      expected,
      parsed({ 'com.a.b': { ...good, files: [file('x', 1, 'a'), file('y/z', 2, 'c'), file('extra', 3, 'd')] } }),
      full,
      {},
    );
    expect(v).toMatchObject({ ok: false, reason: 'DataMismatch' });
    expect(v.evidence?.expected).toEqual([file('y/z', 2, 'b')]);
    expect(v.evidence?.found).toEqual([file('extra', 3, 'd'), file('y/z', 2, 'c')]);
    expect(compareTarget(expected, parsed({ 'com.a.b': good }, false), full, {})).toMatchObject({ ok: false, reason: 'VerificationError' });
  });

  it('ignores version and data when the rules say any/none', () => {
    const loose = { version: 'any' as const, data: 'none' as const, customChecks: [] };
    expect(compareTarget(expected, parsed({ 'com.a.b': { ...good, versionCode: 1, files: [] } }), loose, {})).toEqual({ ok: true });
  });

  it('runs custom checks with the package substituted escaped', () => {
    const checks = { prefs: { description: 'prefs exist', command: 'ls /data/data/{package}', expect: '^{package}-ok$' } };
    const rules = { version: 'any' as const, data: 'none' as const, customChecks: ['prefs'] };
    expect(compareTarget(expected, parsed({ 'com.a.b': { ...good, checks: { prefs: 'com.a.b-ok' } } }), rules, checks)).toEqual({
      ok: true,
    });
    // the dots are escaped: "comXa.b" must not match
    expect(compareTarget(expected, parsed({ 'com.a.b': { ...good, checks: { prefs: 'comXaXb-ok' } } }), rules, checks)).toMatchObject({
      reason: 'CustomCheckFailed',
    });
    expect(compareTarget(expected, parsed({ 'com.a.b': good }), { ...rules, customChecks: ['nope'] }, checks)).toMatchObject({
      reason: 'VerificationError',
      message: expect.stringContaining('nope'),
    });
  });

  it('diffFiles lists only differing paths', () => {
    expect(diffFiles([file('a', 1, 'a')], [file('a', 1, 'a')]).paths).toEqual([]);
    expect(diffFiles([file('a', 1, 'a')], [file('a', 2, 'a')]).paths).toEqual(['a']);
  });
});

describe('task reconciliation and outcomes', () => {
  const startedAt = Date.parse('2026-01-01T10:00:10.500Z');
  const task = (over: object) => ({
    taskId: 't-1',
    level: 2,
    status: 'Processing',
    instanceId: 'acp-x',
    taskType: 'RecoverApp',
    startTime: '2026-01-01T10:00:10Z',
    ...over,
  });

  it('adopts a recovery task of this attempt, not older ones or other task types', () => {
    expect(pickAdoptable([task({})], 'acp-x', startedAt)?.taskId).toBe('t-1');
    expect(pickAdoptable([task({ taskType: undefined })], 'acp-x', startedAt)?.taskId).toBe('t-1');
    expect(pickAdoptable([task({ taskType: 'SomethingNew' })], 'acp-x', startedAt)?.taskId).toBe('t-1');
    expect(pickAdoptable([task({ taskType: 'RunCommand' }), task({ taskType: 'BackupApp' })], 'acp-x', startedAt)).toBeUndefined();
    expect(pickAdoptable([task({ startTime: '2026-01-01T09:59:00Z' })], 'acp-x', startedAt)).toBeUndefined();
    // an earlier attempt's task that failed fast just before this attempt began
    expect(
      pickAdoptable(
        [task({ startTime: '2026-01-01T10:00:07Z', status: 'Failed', finishTime: '2026-01-01T10:00:08Z' })],
        'acp-x',
        startedAt,
      ),
    ).toBeUndefined();
    expect(pickAdoptable([task({ instanceId: 'acp-y' })], 'acp-x', startedAt)).toBeUndefined();
    expect(looksLikeRecovery('RecoverFile')).toBe(true);
  });

  it('classifies vendor failure codes', () => {
    for (const c of ['RecoverTimeout', 'InstanceBusy', 'InternalError', 'SomethingUnknown', undefined])
      expect(isRetryableFailure(c)).toBe(true);
    for (const c of ['ImageMismatch', 'IncorrectInstanceStatus', 'BackupFileNotFound']) expect(isRetryableFailure(c)).toBe(false);
    expect(outcomeOf({ taskId: 't', status: 'FINISHED' }, { instanceId: 'i', taskId: 't' })?.status).toBe('finished');
    expect(outcomeOf({ taskId: 't', status: 'Failed', errorCode: 'ImageMismatch' }, { instanceId: 'i', taskId: 't' })).toMatchObject({
      status: 'failed',
      retryable: false,
    });
    expect(outcomeOf({ taskId: 't', status: 'Queued' }, { instanceId: 'i', taskId: 't' })).toBeUndefined();
  });
});
