// Pure parts of the doctor and the vendor-facts list: thresholds, names, exit codes, and that the
// operators' page covers every fact in the module.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INSTANCE_STATUSES, isKnownInvocationStatus, isKnownTaskFailureCode, VENDOR_FACTS } from '../../activities/ecp';
import { describeProvider } from '../../client/doctor/credentials';
import { clockCheck } from '../../client/doctor/endpoint';
import { exitCodeOf, observe, type DoctorReport } from '../../client/doctor/report';

describe('clock check', () => {
  it('is ok under 5 minutes, warns up to 15, blocks beyond, in either direction', () => {
    expect(clockCheck(30_000).level).toBe('ok');
    expect(clockCheck(-6 * 60_000).level).toBe('warn');
    expect(clockCheck(14 * 60_000).level).toBe('warn');
    expect(clockCheck(16 * 60_000)).toMatchObject({ level: 'block', summary: expect.stringContaining('behind') });
    expect(clockCheck(-16 * 60_000)).toMatchObject({ level: 'block', summary: expect.stringContaining('ahead of') });
  });
});

describe('credential source names', () => {
  it('turns provider names of the default chain into words', () => {
    expect(describeProvider('default/env')).toContain('ALIBABA_CLOUD_ACCESS_KEY_ID');
    expect(describeProvider('default/ecs_ram_role')).toContain('ECS RAM role');
    expect(describeProvider('ram_role_arn/static_ak')).toBe('ram_role_arn via static AccessKey');
  });
});

describe('doctor exit codes', () => {
  const report = (levels: { id: string; level: 'ok' | 'warn' | 'block' }[]): DoctorReport => ({
    endpoint: { url: 'https://x/', protocol: 'https', regionId: 'cn-shanghai' },
    checks: levels.map((l) => ({ ...l, summary: '' })),
    observed: {} as DoctorReport['observed'],
    blockers: levels.filter((l) => l.level === 'block').length,
    warnings: levels.filter((l) => l.level === 'warn').length,
  });
  it('0 without blockers, 1 with one (or a warning under --strict), 5 when the endpoint is unreachable', () => {
    expect(exitCodeOf(report([{ id: 'a', level: 'warn' }]), false)).toBe(0);
    expect(exitCodeOf(report([{ id: 'a', level: 'warn' }]), true)).toBe(1);
    expect(exitCodeOf(report([{ id: 'clock', level: 'block' }]), false)).toBe(1);
    expect(exitCodeOf(report([{ id: 'endpoint', level: 'block' }]), false)).toBe(5);
  });
  it('counts values and lists the unknown ones', () => {
    expect(observe(['RUNNING', 'RUNNING', 'WARMING_UP'], (s) => (INSTANCE_STATUSES as readonly string[]).includes(s))).toEqual({
      seen: { RUNNING: 2, WARMING_UP: 1 },
      unknown: ['WARMING_UP'],
    });
  });
});

describe('vendor facts', () => {
  const page = readFileSync(join(__dirname, '..', '..', 'docs', 'vendor-facts.md'), 'utf8');
  it('every fact has a section on the operators page with the same basis', () => {
    for (const fact of VENDOR_FACTS) {
      expect(page).toMatch(new RegExp(`^### \`${fact.id}\` \\(${fact.basis}`, 'm'));
    }
    expect(new Set(VENDOR_FACTS.map((f) => f.id)).size).toBe(VENDOR_FACTS.length);
  });
  it('matches invocation statuses in either spelling and knows the codes the emulator emits', () => {
    expect(isKnownInvocationStatus('Running')).toBe(true);
    expect(isKnownInvocationStatus('Queued')).toBe(false);
    for (const code of ['RecoverTimeout', 'ImageMismatch', 'CommandFailed', 'CommandTimeout'])
      expect(isKnownTaskFailureCode(code)).toBe(true);
  });
});
