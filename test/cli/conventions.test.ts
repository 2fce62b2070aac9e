// CLI conventions against the shared dev server, with `cpr` as a subprocess: errors as JSON on stderr
// with --output json, Temporal settings from a temporal.toml profile (the product's CPR_TEMPORAL_*
// winning), and `cpr schedule pause`/`unpause` keeping the schedule's note unless given a new one.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveTemporalTarget } from '../../client/cli/connection';
import { connectTestTemporal, uniqueId, type TestTemporal } from '../harness/temporal';
import { runCli } from './run-cli';

let temporal: TestTemporal;
let env: Record<string, string>;
const dir = mkdtempSync(join(tmpdir(), 'cpr-conventions-'));
beforeAll(async () => {
  temporal = await connectTestTemporal();
  env = { CPR_TEMPORAL_ADDRESS: temporal.address, CPR_TEMPORAL_NAMESPACE: temporal.namespace };
});
afterAll(async () => temporal.close());

describe('--output json errors', () => {
  it('prints the error as one JSON object on stderr, nothing on stdout, with the documented exit code', async () => {
    const missing = await runCli(['status', 'no-such-run-anywhere', '--output', 'json'], env);
    expect(missing.code).toBe(3);
    expect(missing.stdout).toBe('');
    expect(JSON.parse(missing.stderr)).toEqual({ error: 'not_found', message: 'recovery or migration no-such-run-anywhere not found', exitCode: 3 });

    const bad = await runCli(['-o', 'json', 'list', '--limit', 'many', '--status', 'sleeping'], env);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stderr)).toEqual({
      error: 'invalid_input',
      issues: [{ field: '--limit', rule: 'must be a whole number' }],
      exitCode: 2,
    });

    const usage = await runCli(['list', '--colour', 'blue', '--output', 'json'], env);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stderr)).toEqual({ error: 'invalid_input', message: "unknown option '--colour'", exitCode: 2 });

    const down = await runCli(['list', '--output', 'json'], { ...env, CPR_TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(down.code).toBe(5);
    expect(JSON.parse(down.stderr)).toMatchObject({ error: 'unavailable', exitCode: 5 });

    // Text stays text.
    const text = await runCli(['status', 'no-such-run-anywhere'], env);
    expect(text.stderr).toBe('error: recovery or migration no-such-run-anywhere not found\n');
  });
});

describe('Temporal connection settings', () => {
  const toml = join(dir, 'temporal.toml');
  beforeAll(() => {
    writeFileSync(
      toml,
      [
        '[profile.lab]',
        `address = "${temporal.address}"`,
        `namespace = "${temporal.namespace}"`,
        '',
        '[profile.elsewhere]',
        'address = "127.0.0.1:1"',
        '',
        '[profile.cloud]',
        'address = "example.tmprl.cloud:7233"',
        'namespace = "prod.a1b2c"',
        'api_key = "key-from-profile"',
        '',
      ].join('\n'),
    );
  });
  const profileEnv = (profile: string, extra: Record<string, string> = {}) => ({ CPR_TEMPORAL_ADDRESS: '', CPR_TEMPORAL_NAMESPACE: '', TEMPORAL_ADDRESS: '', TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: profile, ...extra });

  it('the CLI connects with the temporal.toml profile the temporal CLI uses; CPR_TEMPORAL_* wins over it', async () => {
    const viaProfile = await runCli(['list', '--output', 'json'], profileEnv('lab'));
    expect(viaProfile.stderr).toBe('');
    expect(viaProfile.code).toBe(0);
    expect(Array.isArray(JSON.parse(viaProfile.stdout))).toBe(true);

    const unreachable = await runCli(['list'], profileEnv('elsewhere'));
    expect(unreachable.code).toBe(5);
    const overridden = await runCli(['list', '--output', 'json'], profileEnv('elsewhere', { CPR_TEMPORAL_ADDRESS: temporal.address }));
    expect(overridden.code).toBe(0);

    const unknown = await runCli(['list'], profileEnv('nope'));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Profile 'nope' not found");
  });

  it('resolves address, namespace, API key and TLS from the profile for the API and the worker alike', () => {
    expect(resolveTemporalTarget({}, profileEnv('cloud'))).toEqual({ address: 'example.tmprl.cloud:7233', namespace: 'prod.a1b2c', apiKey: 'key-from-profile', tls: true });
    expect(resolveTemporalTarget({}, profileEnv('cloud', { TEMPORAL_TLS: 'false' }))).toMatchObject({ tls: false });
    expect(resolveTemporalTarget({}, profileEnv('cloud', { CPR_TEMPORAL_NAMESPACE: 'staging', TEMPORAL_API_KEY: 'key-from-env' }))).toMatchObject({
      address: 'example.tmprl.cloud:7233',
      namespace: 'staging',
      apiKey: 'key-from-env',
    });
    expect(resolveTemporalTarget({ address: 'flag.example:7233' }, profileEnv('cloud')).address).toBe('flag.example:7233');
    expect(resolveTemporalTarget({}, { TEMPORAL_CONFIG_FILE: join(dir, 'absent.toml') })).toEqual({ address: '127.0.0.1:7233', namespace: 'default' });
  });
});

describe('cpr schedule pause / unpause', () => {
  it("keeps the schedule's note unless the operator gives one", async () => {
    const planFile = join(dir, 'plan.json');
    writeFileSync(planFile, JSON.stringify({ items: [{ backupFileId: 'bf-notekeep0001', instanceIds: ['acp-notekeep01'] }] }));
    const id = uniqueId('noted');
    const note = async (): Promise<{ paused: boolean; note?: string }> => JSON.parse((await runCli(['schedule', 'describe', id, '-o', 'json'], env)).stdout);
    try {
      expect((await runCli(['schedule', 'create', id, '--plan', planFile, '--every', '1d', '--note', 'nightly re-seed of shard 4'], env)).code).toBe(0);
      expect((await runCli(['schedule', 'pause', id], env)).code).toBe(0);
      expect(await note()).toMatchObject({ paused: true, note: 'nightly re-seed of shard 4' });
      expect((await runCli(['schedule', 'unpause', id], env)).code).toBe(0);
      expect(await note()).toMatchObject({ paused: false, note: 'nightly re-seed of shard 4' });
      expect((await runCli(['schedule', 'pause', id, '--note', 'freeze for release'], env)).code).toBe(0);
      expect(await note()).toMatchObject({ paused: true, note: 'freeze for release' });
    } finally {
      await runCli(['schedule', 'delete', id], env);
    }
    const bare = uniqueId('bare');
    try {
      expect((await runCli(['schedule', 'create', bare, '--plan', planFile, '--every', '1d'], env)).code).toBe(0);
      expect((await runCli(['schedule', 'pause', bare], env)).code).toBe(0);
      const described = JSON.parse((await runCli(['schedule', 'describe', bare, '-o', 'json'], env)).stdout);
      expect(described.paused).toBe(true);
      expect(described.note).toBeUndefined();
    } finally {
      await runCli(['schedule', 'delete', bare], env);
    }
  });
});
