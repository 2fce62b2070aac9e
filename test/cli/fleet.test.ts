// `cpr migrate` and `cpr schedule` end to end: subprocess CLI, shared dev server, real workflows and
// activities in this process against an in-process emulator.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_BACKUP_1, DEMO_BACKUP_2, DEMO_TARGETS } from '../../emulator/demo-seed';
import { uniqueId, type TestTemporal } from '../harness/temporal';
import { EMULATOR_LIMITS, type Lab } from '../workflows/emulator-harness';
import { startCliLab, type CliLab } from './cli-lab';
import { runCli } from './run-cli';
import { waitFor } from '../harness/wait';

let stack: CliLab | undefined;
let temporal: TestTemporal;
let lab: Lab;
let env: Record<string, string>;
const dir = mkdtempSync(join(tmpdir(), 'cpr-fleet-'));

beforeAll(async () => {
  stack = await startCliLab();
  ({ temporal, lab, env } = stack);
});

afterAll(async () => {
  await stack?.stop();
});

const plan = {
  items: [
    { backupFileId: DEMO_BACKUP_1, instanceIds: [DEMO_TARGETS[0], DEMO_TARGETS[1]] },
    { backupFileId: DEMO_BACKUP_2, instanceIds: [DEMO_TARGETS[2]] },
  ],
  options: { limits: EMULATOR_LIMITS, itemsPerChild: 1 },
};

it('migrate --wait runs a plan to every instance verified; a bad CSV plan names the line and starts nothing', async () => {
  const badCsv = join(dir, 'bad.csv');
  writeFileSync(badCsv, `backupFileId,instanceId\n${DEMO_BACKUP_1},${DEMO_TARGETS[0]}\n${DEMO_BACKUP_1},acp-NOT VALID\n`);
  const bad = await runCli(['migrate', '--plan', badCsv], env);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/--plan line 3 .*instance/i);
  const { count } = await temporal.client.workflow.count(`TaskQueue = '${lab.taskQueue}'`);
  expect(count).toBe(0);

  const file = join(dir, 'plan.json');
  writeFileSync(file, JSON.stringify(plan));
  const id = uniqueId('fleet');
  const run = await runCli(['migrate', '--plan', file, '--window', '2', '--request-id', id, '--wait'], env);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout).toContain(`migration migration-${id} succeeded: 3/3 verified`);
  const state = await lab.admin.state();
  expect(state.backups.map((b) => b.id)).not.toContain(DEMO_BACKUP_1);
});

it('schedule create, list, describe, pause, unpause, trigger, delete', async () => {
  await lab.admin.reset('demo');
  const file = join(dir, 'scheduled.json');
  writeFileSync(file, JSON.stringify(plan));
  const id = uniqueId('nightly');
  const created = await runCli(['schedule', 'create', id, '--plan', file, '--every', '1d', '--paused', '--note', 'nightly migration'], env);
  expect(created.stderr).toBe('');
  expect(created.code).toBe(0);
  expect(created.stdout).toContain(`Schedule   ${id} (paused)`);

  const badCron = await runCli(['schedule', 'create', uniqueId('bad'), '--plan', file, '--cron', 'every tuesday'], env);
  expect(badCron.code).toBe(2);
  expect(badCron.stderr).toContain('cron: must be a cron expression');

  const listed = await waitForJson(['schedule', 'list', '--output', 'json'], (rows: { scheduleId: string }[]) => rows.some((r) => r.scheduleId === id));
  expect(listed.find((r: { scheduleId: string }) => r.scheduleId === id)).toMatchObject({ paused: true, note: 'nightly migration' });

  expect((await runCli(['schedule', 'unpause', id], env)).code).toBe(0);
  const paused = await runCli(['schedule', 'pause', id, '--note', 'freeze', '--output', 'json'], env);
  expect(JSON.parse(paused.stdout)).toMatchObject({ scheduleId: id, paused: true, note: 'freeze' });

  const trigger = await runCli(['schedule', 'trigger', id], env);
  expect(trigger.code).toBe(0);
  const described = await waitForJson(['schedule', 'describe', id, '--output', 'json'], (v: { runsStarted: number }) => v.runsStarted >= 1);
  expect(described.recentRuns[0].migrationId).toMatch(new RegExp(`^${id}-`));

  const deleted = await runCli(['schedule', 'delete', id], env);
  expect(deleted.code).toBe(0);
  const gone = await runCli(['schedule', 'describe', id], env);
  expect(gone.code).toBe(3);
  // The migration the trigger started goes on after the schedule is gone.
  await temporal.client.workflow.getHandle(described.recentRuns[0].migrationId).result();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function waitForJson(args: string[], ok: (v: any) => boolean): Promise<any> {
  return waitFor(
    `cpr ${args.join(' ')}`,
    async () => {
      const r = await runCli(args, env);
      if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
      return JSON.parse(r.stdout) as unknown;
    },
    { until: ok, everyMs: 300 },
  );
}
