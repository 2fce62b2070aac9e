// Hostile input at both edges, property-based: every malformed request to the HTTP API and every bad
// `cpr recover` invocation is refused with a 4xx / exit code naming the field and the rule, and starts
// nothing: no workflow on the task queue (Temporal visibility) and no call at the emulator, which a
// real worker on that queue would have reached had anything started.
import '../harness/quiet-runtime';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Worker } from '@temporalio/worker';
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, startEmulator, type RunningEmulator } from '../../emulator/server';
import { EmulatorAdmin } from '../../emulator/admin-client';
import { loadEcpConfig } from '../../activities/ecp';
import { createWorker } from '../../worker';
import { main as cliMain } from '../../client/cli/main';
import { connectTestTemporal, productWorkflowBundle, uniqueId, uniqueTaskQueue, type TestTemporal } from '../harness/temporal';
import { startApi, type ApiUnderTest } from '../api/api-harness';

jest.setTimeout(90_000);

const ROOT = join(__dirname, '..', '..');
const VALID = { backupFileId: 'bf-secbase000001', instanceIds: ['acp-secbase000001', 'acp-secbase000002'] };

/** Characters that break out of a shell word, plus unicode look-alikes and controls. */
const HOSTILE = [';', '|', '&', '$(', '`', '>', '<', '\n', '\r', '\0', "'", '"', '\\', ' ', '*', '?', '~', '{', '}', '..', '/', '％', 'ａ', '\u202e', '\u200b', 'é', '😀', 'İ'];
const hostileText = fc
  .tuple(fc.string({ maxLength: 12 }), fc.constantFrom(...HOSTILE), fc.string({ unit: 'binary', maxLength: 12 }))
  .map(([a, h, b]) => `${a}${h}${b}`);
/**
 * Inside an OSS object key '/' and '..' are legitimate ('dir/a..b.ab'), so path values get every other
 * hostile character, or a real traversal / empty segment.
 */
const HOSTILE_IN_PATH = HOSTILE.filter((h) => h !== '/' && h !== '..');
const hostilePathText = fc.oneof(
  fc
    .tuple(fc.string({ maxLength: 12 }), fc.constantFrom(...HOSTILE_IN_PATH), fc.string({ unit: 'binary', maxLength: 12 }))
    .map(([a, h, b]) => `${a}${h}${b}`),
  fc.constantFrom('..', '../etc/passwd', 'a/../b', 'a//b', './a', 'a/.', 'dir/'),
);
/** A value that is not a string at all. */
const wrongType = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.object({ maxDepth: 1 }));

type Mutation = { field: string; apply: (input: Record<string, unknown>) => void };

/** One mutation per string-valued field (and the numeric limits); each must make the input invalid. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(hostileText).map(([s]) => ({ field: 'backupFileId', apply: (i: Record<string, unknown>) => void (i.backupFileId = `bf-abcdef1${s}`) })),
  fc.tuple(hostileText, fc.nat(1)).map(([s, n]) => ({
    field: `instanceIds[${n}]`,
    // An earlier mutation may already have replaced the list with a wrong type: then this one is moot.
    apply: (i: Record<string, unknown>) => void (Array.isArray(i.instanceIds) && ((i.instanceIds as string[])[n] = `acp-abcdef1${s}`)),
  })),
  fc.tuple(hostilePathText).map(([s]) => ({ field: 'backupFilePath', apply: (i: Record<string, unknown>) => void (i.backupFilePath = `oss://cloudphone-saved-bucket-x/${s}`) })),
  fc.tuple(hostileText).map(([s]) => ({ field: 'uploadEndpoint', apply: (i: Record<string, unknown>) => void (i.uploadEndpoint = `oss-cn-shanghai${s}.aliyuncs.com`) })),
  fc.tuple(hostileText).map(([s]) => ({ field: 'verification.packages[0]', apply: (i: Record<string, unknown>) => void (i.verification = { packages: [`com.example${s}`] }) })),
  fc.tuple(hostileText).map(([s]) => ({ field: 'verification.customChecks[0]', apply: (i: Record<string, unknown>) => void (i.verification = { customChecks: [`check${s}`] }) })),
  fc.tuple(hostilePathText).map(([s]) => ({ field: 'snapshotDirectory', apply: (i: Record<string, unknown>) => void (i.snapshotDirectory = `oss://cloudphone-saved-bucket-x/${s}/`) })),
  fc.tuple(hostileText).map(([s]) => ({ field: 'existingApp', apply: (i: Record<string, unknown>) => void (i.existingApp = s) })),
  fc.tuple(hostileText).map(([s]) => ({ field: 'releaseBackup', apply: (i: Record<string, unknown>) => void (i.releaseBackup = s) })),
  fc.tuple(fc.string({ minLength: 201, maxLength: 400 })).map(([s]) => ({ field: 'requestedBy', apply: (i: Record<string, unknown>) => void (i.requestedBy = s) })),
  fc.tuple(wrongType).map(([v]) => ({ field: 'backupFileId', apply: (i: Record<string, unknown>) => void (i.backupFileId = v) })),
  fc.tuple(wrongType.filter((v) => !Array.isArray(v) || v.length > 0)).map(([v]) => ({ field: 'instanceIds', apply: (i: Record<string, unknown>) => void (i.instanceIds = v) })),
  fc.tuple(fc.oneof(fc.integer({ max: 0 }), fc.double({ noNaN: true, min: 1.1, max: 1.9 }), fc.constant('3'), fc.integer({ min: 11 }))).map(([v]) => ({
    field: 'limits.maxAttemptsPerInstance',
    apply: (i: Record<string, unknown>) => void (i.limits = { maxAttemptsPerInstance: v }),
  })),
  fc.tuple(fc.string({ minLength: 1, maxLength: 10 }).filter((k) => !['backupFileId', 'backupFilePath', 'uploadType', 'uploadEndpoint', 'instanceIds', 'schemaVersion', 'verification', 'existingApp', 'releaseBackup', 'onBusyInstance', 'limits', 'snapshotDirectory', 'requestedBy', 'requestId', '__proto__'].includes(k))).map(([k]) => ({
    field: k,
    apply: (i: Record<string, unknown>) => void (i[k] = '$(reboot)'),
  })),
);

let temporal: TestTemporal;
let emulator: RunningEmulator;
let admin: EmulatorAdmin;
let worker: Worker;
let workerRun: Promise<void>;
let api: ApiUnderTest;
let taskQueue: string;

async function startedOnQueue(): Promise<number> {
  return (await temporal.client.workflow.count(`TaskQueue = '${taskQueue}'`)).count;
}

async function emulatorCalls(): Promise<number> {
  return (await admin.calls({ limit: 1 })).nextSeq;
}

beforeAll(async () => {
  temporal = await connectTestTemporal();
  taskQueue = uniqueTaskQueue('sec-hostile');
  emulator = await startEmulator({ seed: 'demo', config: { timeScale: 0.01, qpsPerAction: 0 } });
  admin = new EmulatorAdmin(emulator.url);
  worker = await createWorker({
    connection: temporal.nativeConnection,
    namespace: temporal.namespace,
    taskQueue,
    ecp: loadEcpConfig({ CPR_ECP_ENDPOINT: emulator.endpoint, CPR_ECP_PROTOCOL: 'http' }, { credentials: { accessKeyId: DEFAULT_ACCESS_KEY_ID, accessKeySecret: DEFAULT_ACCESS_KEY_SECRET } }),
    workflowBundle: await productWorkflowBundle(),
    leases: { registryIdPrefix: uniqueId('sec-lease') },
    vendorQps: 1000,
    shutdownGraceTime: 0,
  });
  workerRun = worker.run();
  api = await startApi(temporal.client, taskQueue);
});

afterAll(async () => {
  await api?.close();
  worker?.shutdown();
  await workerRun;
  await emulator?.close();
  await temporal?.close();
});

describe('HTTP API under hostile input', () => {
  it('answers every malformed recovery with 400 naming the field and the rule, and starts nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.constantFrom('/v1/recoveries', '/v1/recoveries/dry-run'), async (mutations, path) => {
        const input: Record<string, unknown> = structuredClone(VALID);
        for (const m of mutations) m.apply(input);
        const res = await api.call('POST', path, { body: input });
        expect(res.status).toBe(400);
        expect(res.json.error).toBe('invalid_input');
        expect(res.json.issues.length).toBeGreaterThan(0);
        for (const issue of res.json.issues) {
          expect(typeof issue.field).toBe('string');
          expect(issue.field.length).toBeGreaterThan(0);
          expect(typeof issue.rule).toBe('string');
          expect(issue.rule.length).toBeGreaterThan(0);
        }
        // The field we broke is among those named (the union branch may add its own root issue).
        const named: string[] = res.json.issues.map((i: { field: string; rule: string }) => `${i.field} ${i.rule}`);
        const wanted = mutations.map((m) => m.field.split('[')[0]!.split('.')[0]!);
        expect({ wanted, named, hit: wanted.some((w) => named.some((n) => n.startsWith(w) || n.startsWith('(root)') || n.includes(`"${w}"`))) }).toMatchObject({ hit: true });
      }),
      { numRuns: 150 },
    );
    expect(await startedOnQueue()).toBe(0);
    expect(await emulatorCalls()).toBe(0);
  });

  it('refuses malformed IDs in paths, oversize lists, non-JSON and huge bodies with 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(hostileText, async (s) => {
        const res = await api.call('GET', `/v1/recoveries/${encodeURIComponent(`recovery-${s}`)}`);
        expect([400, 404]).toContain(res.status);
        if (res.status === 400) expect(res.json.issues[0]).toEqual({ field: expect.any(String), rule: expect.any(String) });
      }),
      { numRuns: 60 },
    );
    const oversize = await api.call('POST', '/v1/recoveries', {
      body: { backupFileId: VALID.backupFileId, instanceIds: Array.from({ length: 5001 }, (_, i) => `acp-over${String(i).padStart(8, '0')}`) },
    });
    expect(oversize.status).toBe(400);
    expect(oversize.json.issues.map((i: { field: string }) => i.field)).toContain('instanceIds');
    const huge = await api.call('POST', '/v1/recoveries', { rawBody: JSON.stringify({ ...VALID, requestedBy: 'x'.repeat(2_000_000) }) });
    expect(huge.status).toBe(413);
    const notJson = await api.call('POST', '/v1/recoveries', { rawBody: '{"backupFileId": "bf-x", ' });
    expect(notJson.status).toBe(400);
    expect(notJson.json.issues).toEqual([{ field: '(body)', rule: 'must be valid JSON' }]);
    const notObject = await api.call('POST', '/v1/recoveries', { rawBody: '["$(reboot)"]' });
    expect(notObject.status).toBe(400);
    expect(await startedOnQueue()).toBe(0);
    expect(await emulatorCalls()).toBe(0);
  });
});

describe('cpr recover under hostile input', () => {
  const flagOf: Record<string, string> = { backupFileId: '--backup', 'instanceIds[0]': '--instances', 'instanceIds[1]': '--instances', backupFilePath: '--backup-path', uploadEndpoint: '--upload-endpoint', existingApp: '--existing-app', releaseBackup: '--release', 'verification.packages[0]': '--packages' };
  const cliMutation = fc
    .constantFrom(...Object.keys(flagOf))
    .chain((field) => (field === 'backupFilePath' ? hostilePathText : hostileText).map((s) => ({ field, s })));

  function argvFor(field: string, s: string): string[] {
    const flags: Record<string, string> = { '--backup': VALID.backupFileId, '--instances': VALID.instanceIds.join(',') };
    const flag = flagOf[field]!;
    const bad =
      flag === '--backup' ? `bf-abcdef1${s}` :
      flag === '--instances' ? (field.endsWith('[0]') ? `acp-abcdef1${s},acp-secbase000002` : `acp-secbase000001,acp-abcdef1${s}`) :
      flag === '--backup-path' ? `oss://cloudphone-saved-bucket-x/${s}` :
      flag === '--upload-endpoint' ? `oss-cn${s}.aliyuncs.com` :
      flag === '--packages' ? `com.example${s.replace(/,/g, '')}` : s;
    flags[flag] = bad;
    return ['--task-queue', taskQueue, 'recover', ...Object.entries(flags).flatMap(([k, v]) => [k, v])];
  }

  it('exits 2 with one `field: rule` line per problem for every bad flag value (in-process, the real entry point)', async () => {
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const saved = process.env.CPR_TEMPORAL_ADDRESS;
    process.env.CPR_TEMPORAL_ADDRESS = temporal.address; // a valid input would really start
    try {
      await fc.assert(
        fc.asyncProperty(cliMutation, async ({ field, s }) => {
          // commander treats a value starting with '-' as an option: that is also a usage error (exit 2).
          written.length = 0;
          const code = await cliMain(argvFor(field, s));
          expect(code).toBe(2);
          const text = written.join('');
          expect(text).toMatch(/\S+: \S/);
        }),
        { numRuns: 120 },
      );
    } finally {
      spy.mockRestore();
      process.env.CPR_TEMPORAL_ADDRESS = saved;
    }
    expect(await startedOnQueue()).toBe(0);
    expect(await emulatorCalls()).toBe(0);
  });

  it('the spawned CLI gives the same answers (a handful of cases)', () => {
    const cases: [string, string][] = [
      ['backupFileId', '; reboot'],
      ['instanceIds[1]', '$(id)'],
      ['existingApp', '`rm -rf /`'],
      ['verification.packages[0]', '\u202e.evil'],
    ];
    for (const [field, s] of cases) {
      const res = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'client', 'cli', 'main.ts'), ...argvFor(field, s)], {
        cwd: ROOT,
        env: { ...process.env, CPR_TEMPORAL_ADDRESS: temporal.address },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect({ field, status: res.status }).toEqual({ field, status: 2 });
      expect(res.stderr).toMatch(/^\s*[\w.[\]()-]+: .+/m);
    }
  });

  it('still started nothing after all of the above', async () => {
    expect(await startedOnQueue()).toBe(0);
    expect(await emulatorCalls()).toBe(0);
  });
});
