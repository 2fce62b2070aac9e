// `npm run bench -- --regions 3`: one bulk migration whose items are spread over several regions, each
// region an emulator process of its own with its own token buckets (the account's limit in that region),
// and one worker process serving every region from a CPR_REGIONS_FILE whose account keys come from a
// credentials-file profile. The stack's own emulator is the worker's default endpoint: it must see no call.
// Reports per region: calls, throttled share, and wall time against that region's lower bound.
import { benchMigrationOptions } from './plan-options';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort, isListening } from '../client/dev/dev-server';
import { startMigration } from '../client/service/migrations';
import { checkRegionsServed } from '../client/service/regions';
import { TASK_QUEUE } from '../workflows/types';
import type { Client } from '@temporalio/client';
import { EmulatorAdmin } from '../emulator/admin-client';
import type { MigrationResult } from '../workflows/bulk/types';
import type { MigrationPlanInput } from '../workflows/plan';
import { PROJECT_ROOT, startStack } from './stack';
import { lowerBound, type LowerBound } from './lower-bound';
import { fmt, table } from './report';
import type { BenchConfig } from './bench';

const REGION_NAMES = [
  'cn-shanghai',
  'cn-hangzhou',
  'cn-beijing',
  'cn-shenzhen',
  'ap-southeast-1',
  'cn-qingdao',
  'cn-zhangjiakou',
  'ap-northeast-1',
];
const PROFILE = 'bench-account';

export interface RegionFigures {
  region: string;
  instances: number;
  calls: number;
  throttled: number;
  throttledShare: number;
  callsPerInstance: number;
  callsByAction: Record<string, number>;
  lowerBound: LowerBound;
}

export interface RegionsBenchResult {
  label: string;
  config: BenchConfig & { regions: number };
  wallS: number;
  /** The slowest region's lower bound: regions run side by side, each on its own budget. */
  lowerBoundS: number;
  ratio: number;
  outcome: MigrationResult['outcome'];
  counts: MigrationResult['counts'];
  regions: RegionFigures[];
  /** Calls that reached the worker's default endpoint (must be 0: every item names its region). */
  defaultEndpointCalls: number;
  finishedAt: string;
}

interface RegionEmulator {
  region: string;
  child: ChildProcess;
  endpoint: string;
  admin: EmulatorAdmin;
}

async function startRegionEmulator(region: string, config: BenchConfig, keys: { id: string; secret: string }): Promise<RegionEmulator> {
  const port = await freePort();
  const args = [
    '--port',
    String(port),
    '--seed',
    'demo',
    '--time-scale',
    String(config.timeScale),
    '--qps',
    String(config.qps),
    '--access-key-id',
    keys.id,
    '--access-key-secret',
    keys.secret,
  ];
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'emulator/main.ts'), ...args], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 60_000;
  while (!(await isListening('127.0.0.1', port))) {
    if (child.exitCode !== null) throw new Error(`emulator for ${region} exited (${child.exitCode})`);
    if (Date.now() > deadline) throw new Error(`emulator for ${region} not listening within 60 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { region, child, endpoint: `127.0.0.1:${port}`, admin: new EmulatorAdmin(`http://127.0.0.1:${port}`) };
}

async function waitForLanes(client: Client, plan: MigrationPlanInput): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await checkRegionsServed(client, TASK_QUEUE, { items: plan.items ?? [] });
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

export async function runRegionsBench(
  config: BenchConfig & { regions: number },
  log: (line: string) => void = (l) => console.error(l),
): Promise<RegionsBenchResult> {
  if (config.regions > REGION_NAMES.length) throw new Error(`--regions: at most ${REGION_NAMES.length}`);
  const names = REGION_NAMES.slice(0, config.regions);
  const dir = mkdtempSync(join(tmpdir(), 'cpr-bench-regions-'));
  const keys = { id: `bench${randomBytes(4).toString('hex')}`, secret: randomBytes(18).toString('base64url') };
  const emulators: RegionEmulator[] = [];
  try {
    for (const region of names) emulators.push(await startRegionEmulator(region, config, keys));
    const vendorQps = [String(config.qps), ...Object.entries(config.qpsPerAction).map(([a, q]) => `${a}=${q}`)].join(',');
    const regionsFile = Object.fromEntries(
      emulators.map((e) => [e.region, { endpoint: e.endpoint, protocol: 'http', credentialsProfile: PROFILE, vendorQps }]),
    );
    writeFileSync(join(dir, 'regions.json'), JSON.stringify(regionsFile, null, 1));
    writeFileSync(
      join(dir, 'credentials'),
      `[${PROFILE}]\ntype = access_key\naccess_key_id = ${keys.id}\naccess_key_secret = ${keys.secret}\n`,
    );

    const backups = Math.ceil(config.instances / config.targetsPerBackup);
    const items: NonNullable<MigrationPlanInput['items']> = [];
    for (const e of emulators) {
      await e.admin.patchConfig({
        recoverDurationMs: config.recoverDurationMs,
        commandDurationMs: config.commandDurationMs,
        callLogLimit: 2_000_000,
        qpsOverrides: config.qpsPerAction,
      });
      // Every region holds the same generated fleet; each uses only its share of the backups (round robin).
      const fleet = await e.admin.reset({
        generate: {
          sources: backups,
          targetsPerSource: config.targetsPerBackup,
          packages: [{ packageName: 'com.example.bench', versionName: '2.1.0', versionCode: 210 }],
          filesPerApp: 3,
        },
      });
      if (items.length === 0) {
        let remaining = config.instances;
        (fleet.generated ?? []).forEach((g, i) => {
          const instanceIds = g.targetInstanceIds.slice(0, Math.max(0, remaining));
          remaining -= instanceIds.length;
          if (instanceIds.length > 0) items.push({ backupFileId: g.backupFileId, instanceIds, region: names[i % names.length] });
        });
      }
    }

    const stack = await startStack({
      timeScale: config.timeScale,
      qps: config.qps,
      qpsPerAction: config.qpsPerAction,
      worker: {
        maxConcurrentActivities: config.maxConcurrentActivities,
        activityConcurrency: config.activityConcurrency,
        extraEnv: { CPR_REGIONS_FILE: join(dir, 'regions.json'), ALIBABA_CLOUD_CREDENTIALS_FILE: join(dir, 'credentials') },
      },
      log,
    });
    try {
      const plan: MigrationPlanInput = {
        items,
        options: benchMigrationOptions(config),
      };
      const perRegion = names.map((region) => {
        const own = items.filter((i) => i.region === region);
        const instances = own.reduce((n, i) => n + i.instanceIds.length, 0);
        const bound = lowerBound({ ...config, instances, backups: own.length });
        return { region, instances, bound };
      });
      const lowerBoundS = Math.max(...perRegion.map((r) => r.bound.seconds));
      log(`fleet: ${config.instances} targets over ${names.join(', ')}; starting migration (lower bound ${fmt(lowerBoundS, 1)} s)`);
      // The worker prints "polling" once its main queue polls; its region lanes may need a moment more.
      await waitForLanes(stack.client, plan);
      const started = Date.now();
      const migration = await startMigration(stack.client, plan, { migrationId: `bench-regions-${config.regions}-${config.instances}` });
      const handle = stack.client.workflow.getHandle(migration.migrationId);
      const timeoutS = Math.max(300, 10 * lowerBoundS);
      let timer: NodeJS.Timeout | undefined;
      let result: MigrationResult;
      try {
        result = await Promise.race([
          handle.result() as Promise<MigrationResult>,
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`migration not finished after ${timeoutS} s; worker output:\n${stack.workerOutput().slice(-3000)}`)),
              timeoutS * 1000,
            );
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
      const wallS = (Date.now() - started) / 1000;
      log(`migration ${result.outcome} in ${wallS.toFixed(1)} s`);
      const regions: RegionFigures[] = [];
      for (const [i, e] of emulators.entries()) {
        const stats = await e.admin.stats();
        const callsByAction: Record<string, number> = {};
        let calls = 0;
        let throttled = 0;
        for (const [action, c] of Object.entries(stats.callsByAction)) {
          const total = c.ok + c.error + c.throttled + c.lost;
          callsByAction[action] = total;
          calls += total;
          throttled += c.throttled;
        }
        const r = perRegion[i]!;
        regions.push({
          region: e.region,
          instances: r.instances,
          calls,
          throttled,
          throttledShare: calls > 0 ? throttled / calls : 0,
          callsPerInstance: r.instances > 0 ? calls / r.instances : 0,
          callsByAction,
          lowerBound: r.bound,
        });
      }
      const defaultStats = await stack.admin.stats();
      const defaultEndpointCalls = Object.values(defaultStats.callsByAction).reduce((n, c) => n + c.ok + c.error + c.throttled + c.lost, 0);
      return {
        label: `bench-regions-${config.regions}`,
        config,
        wallS,
        lowerBoundS,
        ratio: wallS / lowerBoundS,
        outcome: result.outcome,
        counts: result.counts,
        regions,
        defaultEndpointCalls,
        finishedAt: new Date().toISOString(),
      };
    } finally {
      await stack.close();
    }
  } finally {
    await Promise.all(emulators.map((e) => stopChild(e.child)));
    rmSync(dir, { recursive: true, force: true });
  }
}

export function regionsRows(r: RegionsBenchResult): string[][] {
  return [
    ['instances (verified / total)', `${r.counts.verified} / ${r.counts.total} (${r.outcome})`],
    ['wall time (s)', fmt(r.wallS, 1)],
    ['lower bound (s, slowest region on its own budget)', fmt(r.lowerBoundS, 1)],
    ['wall / lower bound', fmt(r.ratio)],
    ['calls to the default endpoint', String(r.defaultEndpointCalls)],
    ...r.regions.map((g) => [
      `region ${g.region}`,
      `${g.instances} instances, ${g.calls} calls (${fmt(g.callsPerInstance, 3)}/instance), throttled ${g.throttled} (${fmt(100 * g.throttledShare, 2)}%), bound ${fmt(g.lowerBound.seconds, 1)} s`,
    ]),
  ];
}

export function regionsMarkdown(r: RegionsBenchResult, note?: string): string {
  const c = r.config;
  const qps = [`${c.qps}/s per action`, ...Object.entries(c.qpsPerAction).map(([a, q]) => `${a} ${q}/s`)].join(', ');
  const actions = [...new Set(r.regions.flatMap((g) => Object.keys(g.callsByAction)))].sort();
  return [
    `## Bulk migration across ${c.regions} regions, ${c.instances.toLocaleString('en')} instances (${r.finishedAt})`,
    '',
    `Command: \`npm run bench -- --regions ${c.regions} --instances ${c.instances}\`. One emulator process per region, each with its own token buckets (${qps}: the account's limit in that region); one worker process serving every region from CPR_REGIONS_FILE (keys from a credentials-file profile), each region's lane with the same budget as its emulator. Items are assigned to regions round robin, so every recovery child spans regions. Recovery task ${c.recoverDurationMs} ms and command ${c.commandDurationMs} ms emulated at timeScale ${c.timeScale}; ${c.itemsPerChild} targets per child, window ${c.window}.`,
    '',
    table(['measure', 'value'], regionsRows(r)),
    '',
    'Vendor calls by action and region:',
    '',
    table(
      ['action', ...r.regions.map((g) => g.region)],
      actions.map((a) => [a, ...r.regions.map((g) => String(g.callsByAction[a] ?? 0))]),
    ),
    ...(note ? ['', note] : []),
  ].join('\n');
}
