// The `cpr` CLI end to end: a subprocess per command against the shared dev server, a worker in this
// process running the product's real workflows and activities against an in-process emulator over HTTP.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_BACKUP_1, DEMO_BACKUP_2, DEMO_STOPPED_TARGET, DEMO_TARGETS } from '../../emulator/demo-seed';
import type { TestTemporal } from '../harness/temporal';
import { EMULATOR_LIMITS, type Lab } from '../workflows/emulator-harness';
import { startCliLab, type CliLab } from './cli-lab';
import { runCli } from './run-cli';
import { waitFor } from '../harness/wait';

let stack: CliLab | undefined;
let temporal: TestTemporal;
let lab: Lab;
let env: Record<string, string>;
const dir = mkdtempSync(join(tmpdir(), 'cpr-cli-'));

beforeAll(async () => {
  stack = await startCliLab();
  ({ temporal, lab, env } = stack);
});

afterAll(async () => {
  await stack?.stop();
});

function inputFile(name: string, input: object): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ limits: EMULATOR_LIMITS, ...input }));
  return path;
}

async function recoveriesOnQueue(): Promise<number> {
  const { count } = await temporal.client.workflow.count(`TaskQueue = '${lab.taskQueue}' AND WorkflowType = 'recoverApp'`);
  return count;
}

async function recoverAppCalls(): Promise<number> {
  return (await lab.admin.allCalls(0, 'RecoverApp')).length;
}

it('lists every command with a one-line description', async () => {
  const { code, stdout } = await runCli(['--help']);
  expect(code).toBe(0);
  for (const command of ['dev', 'worker', 'api', 'emulator', 'recover', 'status', 'list', 'cancel', 'approve', 'pause', 'resume', 'migrate', 'schedule', 'report']) {
    expect(stdout).toMatch(new RegExp(`\\n  ${command}\\b[^\\n]*\\S`));
  }
});

it('rejects bad input with exit 2 and field: rule lines, starting nothing', async () => {
  const before = await recoveriesOnQueue();
  const bad = await runCli(['recover', '--backup', 'bf-1;rm -rf /', '--instances', `${DEMO_TARGETS[0]},not-an-instance`, '--existing-app', 'sometimes'], env);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('backupFileId: must be a backup file ID');
  expect(bad.stderr).toContain('instanceIds[1]: must be a Cloud Phone instance ID');
  expect(bad.stderr).toMatch(/existingApp: /);
  expect(bad.stdout).toBe('');

  const missing = await runCli(['recover', '--instances', DEMO_TARGETS[0]], env);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain('--backup: required');

  const unknownFlag = await runCli(['list', '--colour'], env);
  expect(unknownFlag.code).toBe(2);
  expect(unknownFlag.stderr.trim().split('\n')).toHaveLength(1);

  expect(await recoveriesOnQueue()).toBe(before);
  expect(await recoverAppCalls()).toBe(0);
});

it('dry-run prints each target verdict and touches nothing', async () => {
  const before = (await lab.admin.allCalls()).filter((c) => !c.action.startsWith('Describe') && c.action !== 'RunCommand').length;
  const { code, stdout } = await runCli(['recover', '--dry-run', '--backup', DEMO_BACKUP_1, '--instances', `${DEMO_TARGETS[0]},${DEMO_STOPPED_TARGET}`], env);
  expect(code).toBe(1); // not every target would be recovered
  expect(stdout).toMatch(new RegExp(`${DEMO_TARGETS[0]}\\s+${DEMO_BACKUP_1}\\s+ready\\s+recover`));
  expect(stdout).toMatch(new RegExp(`${DEMO_STOPPED_TARGET}\\s+${DEMO_BACKUP_1}\\s+blocked\\s+skip\\s+InstanceNotRunning`));
  expect(stdout).toContain('nothing was changed');
  const mutating = (await lab.admin.allCalls()).filter((c) => !c.action.startsWith('Describe') && c.action !== 'RunCommand');
  expect(mutating.length).toBe(before);
  expect(await recoverAppCalls()).toBe(0);
});

it('recover --wait follows progress to a verified result; status, list and report show it', async () => {
  const targets = [DEMO_TARGETS[0], DEMO_TARGETS[1]];
  const file = inputFile('happy', { backupFileId: DEMO_BACKUP_1, instanceIds: targets });
  const run = await runCli(['recover', '--file', file, '--wait', '--request-id', 'cli-happy-1'], env);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/phase: preflight/);
  expect(run.stdout).toMatch(/phase: done/);
  expect(run.stdout).toMatch(/progress \[#+\] 2\/2/);
  expect(run.stdout).toContain(`Backup     ${DEMO_BACKUP_1} released`);
  const id = 'recovery-cli-happy-1';
  expect(run.stdout).toContain(id);

  const status = await runCli(['status', id], env);
  expect(status.code).toBe(0);
  for (const t of targets) expect(status.stdout).toMatch(new RegExp(`${t}\\s+${DEMO_BACKUP_1}\\s+verified`));
  expect(status.stdout).toContain('outcome succeeded');

  const statusJson = await runCli(['status', id, '--output', 'json'], env);
  expect(JSON.parse(statusJson.stdout).result.counts).toMatchObject({ total: 2, verified: 2 });

  const list = await runCli(['list', '--backup', DEMO_BACKUP_1, '--output', 'json'], env);
  expect(list.code).toBe(0);
  expect(JSON.parse(list.stdout).map((r: { workflowId: string }) => r.workflowId)).toContain(id);

  const csv = await runCli(['report', id, '--format', 'csv'], env);
  expect(csv.code).toBe(0);
  const rows = csv.stdout.trim().split(/\r?\n/);
  expect(rows[0]).toMatch(/^instanceId,backupFileId,status/);
  expect(rows.slice(1).map((r) => r.split(',').slice(0, 3).join(','))).toEqual(targets.map((t) => `${t},${DEMO_BACKUP_1},verified`));

  const missing = await runCli(['status', 'recovery-does-not-exist'], env);
  expect(missing.code).toBe(3);
  expect(missing.stderr.trim()).toBe('error: recovery or migration recovery-does-not-exist not found');
  // Exactly one RecoverApp per target for the whole run.
  expect((await lab.admin.allCalls(0, 'RecoverApp')).length).toBeGreaterThanOrEqual(1);
  expect((await lab.admin.stats()).duplicateRecoveryTasks).toBe(0);
});

it('approve releases a backup held for approval', async () => {
  const target = DEMO_TARGETS[2];
  const file = inputFile('approve', { backupFileId: DEMO_BACKUP_2, instanceIds: [target], releaseBackup: 'on-approval', verification: { data: 'none' } });
  const start = await runCli(['recover', '--file', file, '--request-id', 'cli-approve-1', '--output', 'json'], env);
  expect(start.code).toBe(0);
  const id = JSON.parse(start.stdout).workflowId as string;

  await waitFor('cpr status to show awaiting approval', async () => JSON.parse((await runCli(['status', id, '--output', 'json'], env)).stdout).progress?.awaitingApproval === true, { timeoutMs: 30_000 });
  const approve = await runCli(['approve', id, '--by', 'ops-oncall'], env);
  expect(approve.code).toBe(0);
  expect(approve.stdout).toContain(DEMO_BACKUP_2);
  const result = await temporal.client.workflow.getHandle(id).result();
  expect(result.backups[0]).toMatchObject({ backupFileId: DEMO_BACKUP_2, released: true });
});

it('pause, resume and cancel a running recovery; cancel keeps the backup', async () => {
  // A 15 s vendor task: long enough to act on the run, short enough for the cancel to settle it.
  const slow = DEMO_TARGETS[3];
  await lab.admin.patchConfig({ instanceOverrides: { [slow]: { recoverDurationMs: 1_500_000 } } });
  await lab.admin.reset('demo');
  const file = inputFile('cancel', { backupFileId: DEMO_BACKUP_1, instanceIds: [slow], limits: { ...EMULATOR_LIMITS, taskTimeoutMs: 600_000 } });
  const start = await runCli(['recover', '--file', file, '--output', 'json'], env);
  const id = JSON.parse(start.stdout).workflowId as string;
  await waitFor('RecoverApp for the slow target', async () => (await lab.admin.allCalls(0, 'RecoverApp')).some((c) => JSON.stringify(c.params).includes(slow)), { timeoutMs: 30_000 });

  const pause = await runCli(['pause', id, '--reason', 'maintenance window'], env);
  expect(pause.code).toBe(0);
  const [status, approve] = await Promise.all([runCli(['status', id, '--output', 'json'], env), runCli(['approve', id], env)]);
  expect(JSON.parse(status.stdout).progress.paused).toBe(true);
  // The update validator refuses approval for a run whose policy is not on-approval: a conflict, exit 4.
  expect(approve.code).toBe(4);
  expect(approve.stderr).toMatch(/^error: .*on-approval/);
  const resume = await runCli(['resume', id], env);
  expect(resume.code).toBe(0);

  const cancel = await runCli(['cancel', id], env);
  expect(cancel.code).toBe(0);
  const result = await temporal.client.workflow.getHandle(id).result();
  expect(result.outcome).toBe('cancelled');
  expect(result.backups[0]!.released).toBe(false);
  const again = await runCli(['cancel', id], env);
  expect(again.code).toBe(4);
  expect(again.stderr).toMatch(/already closed/);
  await lab.admin.patchConfig({ instanceOverrides: {} });
});
