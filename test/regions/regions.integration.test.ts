// Several regions from one worker process: one emulator process per region, the main worker on the main
// queue (its own endpoint, a third emulator that must see no call), and one activity worker per region
// lane from a real regions file whose accounts resolve their keys from a credentials-file profile (real
// signing). Assertions read each emulator's call log: every call lands in its own region.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from '@temporalio/worker';
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, startEmulator, type RunningEmulator } from '../../emulator/server';
import { EmulatorAdmin } from '../../emulator/admin-client';
import { DEMO_BACKUP_1, DEMO_BACKUP_2, DEMO_TARGETS } from '../../emulator/demo-seed';
import { loadEcpConfig } from '../../activities/ecp';
import { createWorker } from '../../worker';
import { createRegionWorkers, loadRegionLanes } from '../../worker/regions';
import { recoverApp } from '../../workflows/recover-app';
import { recoveryDryRun } from '../../workflows/dry-run';
import type { RecoverAppInput } from '../../workflows/input';
import type { RecoveryResult, TargetResult } from '../../workflows/types';
import { parseInput, InvalidInputError } from '../../client/service/errors';
import { recoverAppInputSchema } from '../../workflows/input';
import { startRecovery } from '../../client/service/recoveries';
import { connectTestTemporal, productWorkflowBundle, uniqueId, uniqueTaskQueue, type TestTemporal } from '../harness/temporal';
import { EMULATOR_LIMITS, FAST_EMULATOR } from '../workflows/emulator-harness';

const SHANGHAI = 'cn-shanghai';
const HANGZHOU = 'cn-hangzhou';

let temporal: TestTemporal;
const emulators: Record<string, RunningEmulator> = {};
let defaultEndpoint: RunningEmulator;
let workers: Worker[] = [];
let running: Promise<void>[] = [];
let taskQueue: string;
let savedCredentialsFile: string | undefined;

beforeAll(async () => {
  temporal = await connectTestTemporal();
  for (const region of [SHANGHAI, HANGZHOU]) emulators[region] = await startEmulator({ seed: 'demo', config: FAST_EMULATOR });
  defaultEndpoint = await startEmulator({ seed: 'demo', config: FAST_EMULATOR });

  // The accounts' keys come from a credentials file profile, never from the regions file.
  const dir = mkdtempSync(join(tmpdir(), 'cpr-regions-'));
  writeFileSync(
    join(dir, 'credentials'),
    `[emu-account]\ntype = access_key\naccess_key_id = ${DEFAULT_ACCESS_KEY_ID}\naccess_key_secret = ${DEFAULT_ACCESS_KEY_SECRET}\n`,
  );
  savedCredentialsFile = process.env.ALIBABA_CLOUD_CREDENTIALS_FILE;
  process.env.ALIBABA_CLOUD_CREDENTIALS_FILE = join(dir, 'credentials');
  const regionsFile = {
    [SHANGHAI]: { endpoint: emulators[SHANGHAI]!.endpoint, protocol: 'http', credentialsProfile: 'emu-account', vendorQps: '1000' },
    [HANGZHOU]: { endpoint: emulators[HANGZHOU]!.endpoint, protocol: 'http', credentialsProfile: 'emu-account', vendorQps: 1000 },
  };
  const lanes = loadRegionLanes({ CPR_REGIONS_FILE: 'regions.json' }, () => JSON.stringify(regionsFile));

  taskQueue = uniqueTaskQueue('regions');
  const main = await createWorker({
    connection: temporal.nativeConnection,
    namespace: temporal.namespace,
    taskQueue,
    ecp: loadEcpConfig(
      { CPR_ECP_ENDPOINT: defaultEndpoint.endpoint, CPR_ECP_PROTOCOL: 'http' },
      { credentials: { accessKeyId: DEFAULT_ACCESS_KEY_ID, accessKeySecret: DEFAULT_ACCESS_KEY_SECRET } },
    ),
    workflowBundle: await productWorkflowBundle(),
    leases: { registryIdPrefix: uniqueId('lease') },
    vendorQps: 1000,
    shutdownGraceTime: 0,
  });
  const regional = await createRegionWorkers({
    connection: temporal.nativeConnection,
    namespace: temporal.namespace,
    taskQueue,
    lanes: lanes ?? [],
    shutdownGraceTime: 0,
  });
  workers = [main, ...regional];
  running = workers.map((w) => w.run());
});

afterAll(async () => {
  for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
  await Promise.allSettled(running);
  await Promise.all([...Object.values(emulators), defaultEndpoint].map((e) => e?.close()));
  if (savedCredentialsFile === undefined) delete process.env.ALIBABA_CLOUD_CREDENTIALS_FILE;
  else process.env.ALIBABA_CLOUD_CREDENTIALS_FILE = savedCredentialsFile;
  await temporal?.close();
});

async function recover(input: RecoverAppInput): Promise<RecoveryResult> {
  const handle = await temporal.client.workflow.start(recoverApp, { taskQueue, workflowId: uniqueId('regions'), args: [input] });
  return handle.result();
}

const byId = (result: RecoveryResult): Record<string, TargetResult> => Object.fromEntries(result.targets.map((t) => [t.instanceId, t]));

async function recoverAppTargets(emulator: RunningEmulator): Promise<string[]> {
  const calls = await new EmulatorAdmin(emulator.url).allCalls(0, 'RecoverApp');
  return calls.flatMap((c) => c.effects?.recoveryTasks?.map((t) => t.instanceId) ?? []).sort();
}

async function callCount(emulator: RunningEmulator): Promise<number> {
  return (await new EmulatorAdmin(emulator.url).allCalls(0)).length;
}

describe('a recovery across regions', () => {
  it("verifies targets in two regions, each region's calls landing on its own endpoint", async () => {
    const shanghaiTargets = [DEMO_TARGETS[0], DEMO_TARGETS[1]];
    const hangzhouTargets = [DEMO_TARGETS[2], DEMO_TARGETS[3]];
    const result = await recover({
      items: [
        { backupFileId: DEMO_BACKUP_1, region: SHANGHAI, instanceIds: shanghaiTargets },
        { backupFileId: DEMO_BACKUP_1, region: HANGZHOU, credentialsProfile: 'emu-account', instanceIds: hangzhouTargets },
      ],
      onBusyInstance: 'fail',
      limits: { ...EMULATOR_LIMITS },
    });

    expect(result.outcome).toBe('succeeded');
    expect(result.counts).toMatchObject({ total: 4, verified: 4 });
    expect(await recoverAppTargets(emulators[SHANGHAI]!)).toEqual([...shanghaiTargets].sort());
    expect(await recoverAppTargets(emulators[HANGZHOU]!)).toEqual([...hangzhouTargets].sort());
    // Verification ran where the targets are: RunCommand on each region's own emulator.
    for (const region of [SHANGHAI, HANGZHOU])
      expect((await new EmulatorAdmin(emulators[region]!.url).allCalls(0, 'RunCommand')).length).toBeGreaterThan(0);
    expect(await callCount(defaultEndpoint)).toBe(0);
  });

  it('skips a cross-region item without a reachable upload endpoint, naming both regions, and sends it no RecoverApp', async () => {
    const before = await recoverAppTargets(emulators[HANGZHOU]!);
    const crossTarget = DEMO_TARGETS[4];
    const result = await recover({
      items: [
        {
          backupFileId: DEMO_BACKUP_1,
          region: HANGZHOU,
          backupRegion: SHANGHAI,
          uploadEndpoint: 'oss-cn-shanghai-internal.aliyuncs.com',
          instanceIds: [crossTarget],
        },
      ],
      onBusyInstance: 'fail',
      limits: { ...EMULATOR_LIMITS },
    });

    const target = byId(result)[crossTarget]!;
    expect(target).toMatchObject({ status: 'skipped', reason: 'CrossRegionUnreachable', attempts: 0 });
    expect(target.message).toContain(SHANGHAI);
    expect(target.message).toContain(HANGZHOU);
    expect(result.outcome).toBe('failed');
    expect(await recoverAppTargets(emulators[HANGZHOU]!)).toEqual(before);
    expect(await callCount(defaultEndpoint)).toBe(0);
  });

  it("restores a backup from another region through its public endpoint, in the targets' region", async () => {
    const target = DEMO_TARGETS[5];
    const result = await recover({
      items: [
        {
          backupFileId: DEMO_BACKUP_1,
          region: HANGZHOU,
          backupRegion: SHANGHAI,
          uploadEndpoint: 'oss-cn-shanghai.aliyuncs.com',
          instanceIds: [target],
        },
      ],
      onBusyInstance: 'fail',
      existingApp: 'overwrite',
      limits: { ...EMULATOR_LIMITS },
    });

    expect(byId(result)[target]).toMatchObject({ status: 'verified' });
    const calls = await new EmulatorAdmin(emulators[HANGZHOU]!.url).allCalls(0, 'RecoverApp');
    const sent = calls.filter((c) => c.effects?.recoveryTasks?.some((t) => t.instanceId === target));
    expect(sent.map((c) => c.params.UploadEndpoint)).toEqual(['oss-cn-shanghai.aliyuncs.com']);
    expect(await recoverAppTargets(emulators[SHANGHAI]!)).not.toContain(target);
  });

  it('dry-runs each item in its own region and reports a cross-region item without a reachable endpoint as blocked', async () => {
    const before = await callCount(defaultEndpoint);
    const handle = await temporal.client.workflow.start(recoveryDryRun, {
      taskQueue,
      workflowId: uniqueId('regions-dry'),
      args: [
        {
          items: [
            // DEMO_BACKUP_1 was released by the runs above; the second demo backup is still in both regions.
            { backupFileId: DEMO_BACKUP_2, region: SHANGHAI, instanceIds: [DEMO_TARGETS[0]] },
            { backupFileId: DEMO_BACKUP_2, region: HANGZHOU, backupRegion: SHANGHAI, instanceIds: [DEMO_TARGETS[1]] },
          ],
        },
      ],
    });
    const result = await handle.result();
    const targets = Object.fromEntries(result.targets.map((t) => [t.instanceId, t]));
    expect(targets[DEMO_TARGETS[0]]).toMatchObject({ ok: true });
    expect(targets[DEMO_TARGETS[1]]).toMatchObject({ ok: false, reason: 'CrossRegionUnreachable', plannedAction: 'skip' });
    expect(await callCount(defaultEndpoint)).toBe(before);
  });

  it('refuses at the edge an input naming a region no worker serves, naming the field', async () => {
    const plan = parseInput(recoverAppInputSchema, {
      items: [
        { backupFileId: DEMO_BACKUP_1, region: SHANGHAI, instanceIds: [DEMO_TARGETS[5]] },
        { backupFileId: DEMO_BACKUP_1, region: 'eu-central-1', instanceIds: ['acp-demostopped000001'] },
      ],
    });
    const refusal = startRecovery(temporal.client, plan, { taskQueue });
    await expect(refusal).rejects.toBeInstanceOf(InvalidInputError);
    await expect(refusal).rejects.toMatchObject({
      issues: [{ field: 'items[1].region', rule: expect.stringContaining('no worker serves eu-central-1') }],
    });
  });

  it("refuses a backupRegion or credentialsProfile without the item's region", () => {
    expect(() =>
      parseInput(recoverAppInputSchema, { backupFileId: DEMO_BACKUP_1, instanceIds: [DEMO_TARGETS[0]], backupRegion: SHANGHAI }),
    ).toThrow(/items\[0\]\.backupRegion: needs the item's region/);
    expect(() =>
      parseInput(recoverAppInputSchema, { items: [{ backupFileId: DEMO_BACKUP_1, instanceIds: [DEMO_TARGETS[0]], region: 'Shanghai' }] }),
    ).toThrow(/items\[0\]\.region: must be a region ID like cn-shanghai/);
  });
});
