import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatorAdmin, EmulatorAdminError } from '../../emulator/admin-client';
import { DEMO_BACKUP_1, DEMO_BACKUP_1_PATH, DEMO_TARGETS } from '../../emulator/demo-seed';
import { startEmulator } from '../../emulator/server';
import { describeTasksSchema, recoverAppSchema } from './helpers/contract';
import { spawnEmulator, type EmulatorProcess } from './helpers/emulator-process';
import { rawRequest } from './helpers/raw-request';
import { waitFor } from '../harness/wait';
import { useEmulatorLab } from './helpers/lab';
import { vendorClient } from './helpers/vendor-client';

const lab = useEmulatorLab();

const recoverQuery = {
  AndroidInstanceIdList: [DEMO_TARGETS[0]],
  BackupFileId: DEMO_BACKUP_1,
  BackupFilePath: DEMO_BACKUP_1_PATH,
  UploadType: 'OSS',
};

/** Resolves with the network error code of a plain HTTP request, or 'ok' when any HTTP reply came back. */
const probe = (): Promise<string> =>
  rawRequest(lab.emulator, { method: 'GET', path: '/__emulator' }).then(
    () => 'ok',
    (error: NodeJS.ErrnoException) => error.code ?? error.message,
  );

describe('vendor outage, 5xx mode', () => {
  it('fails every API call with 503 ServiceUnavailable, keeps admin up, and ends by itself', async () => {
    const started = await lab.admin.startOutage({ mode: '5xx', durationMs: 1_500 });
    expect(started.outage.mode).toBe('5xx');
    const error = await lab.client.fail('RecoverApp', recoverQuery);
    expect([error.statusCode, error.code]).toEqual([503, 'ServiceUnavailable']);
    expect((await lab.client.fail('DescribeTasks')).code).toBe('ServiceUnavailable');
    // Nothing was applied, and the admin API answers throughout.
    expect((await lab.admin.state()).tasks).toHaveLength(0);
    const stats = await lab.admin.stats();
    expect(stats.outage?.mode).toBe('5xx');
    expect(stats.outagesStarted).toBeGreaterThanOrEqual(1);
    expect(stats.callsByAction.DescribeTasks.error).toBe(1);

    await waitFor('the API to answer after the outage', () =>
        lab.client.call('DescribeTasks').then(
          () => true,
          () => undefined,
        ), { timeoutMs: 30_000, everyMs: 100 });
    expect((await lab.admin.outage()).outage).toBeNull();
    expect((await lab.admin.stats()).outage).toBeNull();
    await lab.client.call('RecoverApp', recoverQuery);
  });

  it('rejects a bad outage request, naming the field', async () => {
    const error = (await lab.admin.startOutage({ mode: 'sideways' as '5xx', durationMs: 10 }).catch((e: unknown) => e)) as EmulatorAdminError;
    expect(error).toBeInstanceOf(EmulatorAdminError);
    expect([error.status, error.message]).toEqual([400, expect.stringContaining('mode')]);
  });
});

describe('vendor outage, refuse mode', () => {
  it('resets open connections, refuses new ones (admin too), and listens again on the same port after the duration', async () => {
    await lab.admin.patchConfig({ slowReplyRate: 1, slowReplyMs: 60_000, faultActions: ['DescribeTasks'] });
    const inFlight = lab.client.fail('DescribeTasks');
    // Wait until the slow call has reached the emulator and is being held.
    await waitFor('one API call in flight', async () => ((await lab.admin.stats()).inFlightApiCalls === 1 ? true : undefined), { timeoutMs: 10_000 });

    const reply = await lab.admin.startOutage({ mode: 'refuse', durationMs: 2_000 });
    expect(reply.outage.mode).toBe('refuse');
    const reset = await inFlight;
    expect(reset.statusCode).toBeUndefined();
    expect(String(reset.code ?? reset.message)).toMatch(/ECONNRESET|socket hang up/);

    expect(await waitFor('connections to be refused', async () => ((await probe()) === 'ECONNREFUSED' ? 'refused' : undefined), { timeoutMs: 5_000, everyMs: 20 })).toBe('refused');
    // It comes back by itself, on the same port, with the state kept.
    await waitFor('the API to listen again', async () => ((await probe()) === 'ok' ? true : undefined), { timeoutMs: 30_000, everyMs: 100 });
    await lab.admin.patchConfig({ slowReplyRate: 0 });
    await lab.client.call('DescribeTasks');
    expect((await lab.admin.stats()).outage).toBeNull();
  });

  it('can be started in-process, and close() during the outage ends cleanly', async () => {
    const other = await startEmulator({ port: 0 });
    const outage = other.startOutage({ mode: 'refuse', durationMs: 60_000 });
    expect(outage.mode).toBe('refuse');
    const refused = await rawRequest(other, { method: 'GET', path: '/__emulator' }).then(
      () => 'ok',
      (error: NodeJS.ErrnoException) => error.code,
    );
    expect(refused).toBe('ECONNREFUSED');
    await other.close();
  });
});

describe('emulator process restart with --state-file', () => {
  const running: EmulatorProcess[] = [];
  const start = async (args: string[]): Promise<EmulatorProcess> => {
    const started = await spawnEmulator(args);
    running.push(started);
    return started;
  };
  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop('SIGKILL')));
  }, 30_000);

  it('continues a task started before the restart, with ids, counters and config kept', async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), 'cpr-emulator-state-')), 'state.json');
    const args = ['--port', '0', '--time-scale', '0.001', '--qps', '0', '--dialect', 'unfamiliar', '--state-file', stateFile];
    const first = await start(args);
    const firstAdmin = new EmulatorAdmin(first.url);
    // 8 s of real time: the task is still running when the second process has started.
    await firstAdmin.patchInstance(DEMO_TARGETS[0], { overrides: { recoverDurationMs: 8_000_000 } });
    const body = recoverAppSchema.parse(await vendorClient(first).call('RecoverApp', recoverQuery));
    const taskId = body.Data[0].TaskId;
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(existsSync(stateFile)).toBe(true);

    const second = await start(args);
    const secondClient = vendorClient(second);
    const secondAdmin = new EmulatorAdmin(second.url);
    const task = async () => describeTasksSchema.parse(await secondClient.call('DescribeTasks', { TaskIds: [taskId] })).Data[0];
    expect(['Waiting', 'Processing']).toContain((await task()).TaskStatus);
    expect((await secondAdmin.getConfig()).dialect).toBe('unfamiliar');
    const finished = await waitFor('the task started before the restart to finish', async () => {
        const current = await task();
        return current.TaskStatus === 'Finished' ? current : undefined;
      }, { timeoutMs: 60_000, everyMs: 100 });
    expect(finished.InstanceId).toBe(DEMO_TARGETS[0]);
    const restored = await secondAdmin.instance(DEMO_TARGETS[0]);
    expect(restored.status).toBe('RUNNING');
    expect(Object.keys(restored.packages)).toEqual(expect.arrayContaining(['com.example.notes']));
    const stats = await secondAdmin.stats();
    expect(stats.callsByAction.RecoverApp.ok).toBe(1);
    expect(stats.recoveryTasksByInstance[DEMO_TARGETS[0]]).toBe(1);
    expect(stats.duplicateRecoveryTasks).toBe(0);
    expect((await secondAdmin.allCalls(0, 'RecoverApp')).map((c) => c.effects?.recoveryTasks?.[0].taskId)).toEqual([taskId]);

    // Saved every second when changed, so even a hard kill keeps what happened before the last save.
    const second2 = recoverAppSchema.parse(
      await secondClient.call('RecoverApp', { ...recoverQuery, AndroidInstanceIdList: [DEMO_TARGETS[1]] }),
    );
    const secondTaskId = second2.Data[0].TaskId;
    await waitFor('the state file to hold the second task', async () => (readFileSync(stateFile, 'utf8').includes(secondTaskId) ? true : undefined), { timeoutMs: 30_000, everyMs: 100 });
    expect(await second.stop('SIGKILL')).toBe('SIGKILL');
    const third = await start(args);
    const thirdState = await new EmulatorAdmin(third.url).state();
    expect(thirdState.tasks.map((t) => t.id)).toEqual(expect.arrayContaining([taskId, secondTaskId]));
    expect(await third.stop('SIGINT')).toBe(0);
  }, 240_000);
});
