import { DIALECT_PRESETS } from '../../emulator/config';
import { DEMO_BACKUP_1, DEMO_BACKUP_1_PATH, DEMO_STOPPED_TARGET, DEMO_TARGETS, DEMO_OTHER_IMAGE_TARGET } from '../../emulator/demo-seed';
import { UNFAMILIAR_RECOVERY_FAILURES } from '../../emulator/dialect';
import { describeTasksSchema, recoverAppSchema } from './helpers/contract';
import { signedV3 } from './helpers/raw-request';
import { waitFor } from '../harness/wait';
import { useEmulatorLab } from './helpers/lab';
import { vendorClient } from './helpers/vendor-client';

const lab = useEmulatorLab();

const recoverQuery = (ids: string[], overrides: Record<string, string> = {}) => ({
  AndroidInstanceIdList: ids,
  BackupFileId: DEMO_BACKUP_1,
  BackupFilePath: DEMO_BACKUP_1_PATH,
  UploadType: 'OSS',
  ...overrides,
});

/** Operation-specific rejections, one per familiar code the product has relied on. */
const rejections: [string, string, Record<string, unknown>][] = [
  ['InvalidParameter.BackupFileId', 'RecoverApp', recoverQuery([DEMO_TARGETS[0]], { BackupFileId: 'bf-doesnotexist00001' })],
  [
    'InvalidParameter.BackupFilePath',
    'RecoverApp',
    recoverQuery([DEMO_TARGETS[0]], { BackupFilePath: 'oss://cloudphone-saved-bucket-x/y.ab' }),
  ],
  ['InvalidParameter.UploadType', 'RecoverApp', recoverQuery([DEMO_TARGETS[0]], { UploadType: 'URL' })],
  ['IncorrectInstanceStatus', 'RecoverApp', recoverQuery([DEMO_STOPPED_TARGET])],
  ['InvalidParameter.InstanceId', 'RecoverApp', recoverQuery(['acp-doesnotexist00001'])],
  ['InvalidParameter.BackupFileId', 'DeleteBackupFile', { BackupFileIdList: ['bf-doesnotexist00001'] }],
];

async function rejectionCodes(): Promise<{ code: string; message: string }[]> {
  const out: { code: string; message: string }[] = [];
  for (const [, action, query] of rejections) {
    const error = await lab.client.fail(action, query);
    expect(error.statusCode).toBe(400);
    out.push({ code: String(error.code), message: String(error.data?.Message) });
  }
  return out;
}

const childTask = async (taskId: string) => describeTasksSchema.parse(await lab.client.call('DescribeTasks', { TaskIds: [taskId] })).Data[0];
const untilTerminal = (taskId: string) =>
  waitFor('the task to end', async () => {
    const task = await childTask(taskId);
    return ['Finished', 'Failed'].includes(task.TaskStatus) ? task : undefined;
  }, { timeoutMs: 20_000 });
const instanceStatus = async (id: string): Promise<string> => {
  const body = (await lab.client.call('DescribeAndroidInstances', { AndroidInstanceIds: [id] })) as {
    InstanceModel: { AndroidInstanceStatus: string }[];
  };
  return body.InstanceModel[0].AndroidInstanceStatus;
};

describe('unfamiliar error codes', () => {
  it('replaces every operation-specific code and message, deterministically for a seed', async () => {
    const familiar = await rejectionCodes();
    expect(familiar.map((r) => r.code)).toEqual(rejections.map(([code]) => code));

    await lab.admin.patchConfig({ dialect: 'unfamiliar', dialectSeed: 7 });
    const unfamiliar = await rejectionCodes();
    unfamiliar.forEach((reply, i) => {
      expect(reply.code).not.toBe(familiar[i].code);
      expect(reply.code).toMatch(/^[A-Za-z]+(\.[A-Za-z]+)*$/);
      expect(reply.message).not.toBe(familiar[i].message);
    });
    // The same familiar code gets the same unfamiliar name within one dialect.
    expect(unfamiliar[5].code).toBe(unfamiliar[0].code);
    expect(await rejectionCodes()).toEqual(unfamiliar);

    // Another seed speaks another dialect (for at least one code), and coming back to seed 7 repeats it.
    const others = new Set<string>();
    for (const seed of [1, 2, 3, 4]) {
      await lab.admin.patchConfig({ dialectSeed: seed });
      others.add(JSON.stringify((await rejectionCodes()).map((r) => r.code)));
    }
    expect(others.size).toBeGreaterThan(1);
    await lab.admin.patchConfig({ dialectSeed: 7 });
    expect(await rejectionCodes()).toEqual(unfamiliar);
  });

  it('keeps the gateway common codes', async () => {
    await lab.admin.patchConfig({ dialect: 'unfamiliar', dialectSeed: 7 });
    const wrongSecret = vendorClient(lab.emulator, { accessKeySecret: 'wrong' });
    expect((await wrongSecret.fail('DescribeTasks')).code).toBe('SignatureDoesNotMatch');
    expect((await vendorClient(lab.emulator, { accessKeyId: 'nobody' }).fail('DescribeTasks')).code).toBe('InvalidAccessKeyId.NotFound');
    expect((await lab.client.fail('RecoverApp', { BackupFileId: DEMO_BACKUP_1 })).code).toBe('MissingParameter');
    await lab.admin.patchConfig({ qpsOverrides: { DescribeTasks: 1 } });
    await lab.client.call('DescribeTasks');
    expect((await lab.client.fail('DescribeTasks')).code).toBe('Throttling.User');
    await lab.admin.patchConfig({ qpsOverrides: {}, serverErrorRate: 1 });
    expect(['InternalError', 'ServiceUnavailable']).toContain((await lab.client.fail('DescribeTasks')).code);
  });
});

describe('the dialect preset', () => {
  it('turns every variant to its unfamiliar side; fields in the same patch win; familiar turns them back', async () => {
    expect(await lab.admin.patchConfig({ dialect: 'unfamiliar' })).toMatchObject(DIALECT_PRESETS.unfamiliar);
    const mixed = await lab.admin.patchConfig({ dialect: 'unfamiliar', failedRecoveryInstanceStatus: 'RECOVER_FAILED' });
    expect(mixed).toMatchObject({ ...DIALECT_PRESETS.unfamiliar, failedRecoveryInstanceStatus: 'RECOVER_FAILED' });
    expect(await lab.admin.patchConfig({ dialect: 'familiar' })).toMatchObject(DIALECT_PRESETS.familiar);
    await expect(lab.admin.patchConfig({ transientInstanceStatus: 'lower case' })).rejects.toThrow(/transientInstanceStatus/);
  });
});

describe('unfamiliar task failures', () => {
  const familiarTaskCodes = ['RecoverTimeout', 'ImageMismatch', 'CommandFailed', 'CommandTimeout', 'InstanceBusy'];

  it('uses unknown codes; permanent ones fail again on retry, transient ones pass', async () => {
    await lab.admin.patchConfig({ dialect: 'unfamiliar', dialectSeed: 3, taskFailureRate: 1 });
    const first = recoverAppSchema.parse(await lab.client.call('RecoverApp', recoverQuery(DEMO_TARGETS.slice(0, 6))));
    const failures = await Promise.all(first.Data.map((d) => untilTerminal(d.TaskId)));
    const codes = failures.map((task) => {
      expect(task.TaskStatus).toBe('Failed');
      return task.ErrorCode as string;
    });
    for (const code of codes) expect(familiarTaskCodes).not.toContain(code);
    const permanence = new Map(UNFAMILIAR_RECOVERY_FAILURES.map((f) => [f.code, f.permanent]));
    expect(codes.every((code) => permanence.has(code))).toBe(true);
    expect(codes.some((code) => permanence.get(code))).toBe(true);
    expect(codes.some((code) => !permanence.get(code))).toBe(true);

    // Failed recovery returns the instance to RUNNING in this dialect, so the retry is accepted.
    for (const id of DEMO_TARGETS.slice(0, 6)) expect(await instanceStatus(id)).toBe('RUNNING');
    await lab.admin.patchConfig({ taskFailureRate: 0 });
    const retry = recoverAppSchema.parse(await lab.client.call('RecoverApp', recoverQuery(DEMO_TARGETS.slice(0, 6))));
    const retried = await Promise.all(retry.Data.map((d) => untilTerminal(d.TaskId)));
    retried.forEach((task, i) => {
      if (permanence.get(codes[i])) expect([task.TaskStatus, task.ErrorCode]).toEqual(['Failed', codes[i]]);
      else expect(task.TaskStatus).toBe('Finished');
    });
  });

  it('renames the familiar task codes (image mismatch)', async () => {
    await lab.admin.patchConfig({ dialect: 'unfamiliar' });
    const body = recoverAppSchema.parse(await lab.client.call('RecoverApp', recoverQuery([DEMO_OTHER_IMAGE_TARGET])));
    const task = await untilTerminal(body.Data[0].TaskId);
    expect(task.TaskStatus).toBe('Failed');
    expect(familiarTaskCodes).not.toContain(task.ErrorCode);
  });

  it('each variant switches on its own: RECOVER_FAILED stays when only the codes change', async () => {
    await lab.admin.patchConfig({ unknownTaskFailureCodes: true, taskFailureRate: 1 });
    const body = recoverAppSchema.parse(await lab.client.call('RecoverApp', recoverQuery([DEMO_TARGETS[0]])));
    const task = await untilTerminal(body.Data[0].TaskId);
    expect(familiarTaskCodes).not.toContain(task.ErrorCode);
    expect(await instanceStatus(DEMO_TARGETS[0])).toBe('RECOVER_FAILED');
  });
});

describe('unfamiliar state machine', () => {
  it('shows an unknown transient instance status, then RECOVERING, and leaves the backup status alone', async () => {
    await lab.admin.patchConfig({
      dialect: 'unfamiliar',
      // 5 s of real time: long enough to see both phases on a loaded machine.
      instanceOverrides: { [DEMO_TARGETS[0]]: { recoverDurationMs: 5_000_000 } },
    });
    const body = recoverAppSchema.parse(await lab.client.call('RecoverApp', recoverQuery([DEMO_TARGETS[0]])));
    expect(await instanceStatus(DEMO_TARGETS[0])).toBe('RESTORING_APP');
    expect((await lab.admin.backup(DEMO_BACKUP_1)).status).toBe('AVAILABLE');
    await waitFor('the target to be RECOVERING', async () => ((await instanceStatus(DEMO_TARGETS[0])) === 'RECOVERING' ? true : undefined), { timeoutMs: 20_000, everyMs: 50 });
    expect((await lab.admin.backup(DEMO_BACKUP_1)).status).toBe('AVAILABLE');
    expect((await untilTerminal(body.Data[0].TaskId)).TaskStatus).toBe('Finished');
    expect(await instanceStatus(DEMO_TARGETS[0])).toBe('RUNNING');
  });
});

describe('Retry-After on throttling', () => {
  const throttledHeaders = async (count: number): Promise<(string | undefined)[]> => {
    const seen: (string | undefined)[] = [];
    while (seen.length < count) {
      const reply = await signedV3(lab.emulator, 'DescribeTasks', {});
      if (reply.status === 200) continue;
      expect(reply.json().Code).toBe('Throttling.User');
      seen.push(reply.headers['retry-after'] as string | undefined);
    }
    return seen;
  };

  it.each([
    ['none', [undefined, undefined, undefined, undefined]],
    ['always', ['1', '1', '1', '1']],
    ['mixed', ['1', undefined, '1', undefined]],
  ] as const)('%s', async (mode, expected) => {
    await lab.admin.reset('demo');
    await lab.admin.patchConfig({ qpsOverrides: { DescribeTasks: 0.01 }, throttleRetryAfter: mode });
    expect(await throttledHeaders(4)).toEqual(expected);
  });
});
