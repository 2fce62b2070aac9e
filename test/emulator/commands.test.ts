import { createHash } from 'node:crypto';
import { EmulatorAdmin } from '../../emulator/admin-client';
import { DEMO_CHAT, DEMO_NOTES, DEMO_SOURCE_1, DEMO_STOPPED_TARGET, DEMO_TARGETS } from '../../emulator/demo-seed';
import { startEmulator, type RunningEmulator } from '../../emulator/server';
import { compileScript, runScript } from '../../emulator/shell/android-shell';
import { describeInvocationsSchema, describeTasksSchema, runCommandSchema, runSyncCommandSchema } from './helpers/contract';
import { vendorClient, type VendorClient } from './helpers/vendor-client';
import { waitFor } from '../harness/wait';

let emulator: RunningEmulator;
let client: VendorClient;
let admin: EmulatorAdmin;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, config: { timeScale: 0.001, qpsPerAction: 0 } });
  client = vendorClient(emulator);
  admin = new EmulatorAdmin(emulator.url);
});
beforeEach(async () => {
  await admin.reset('demo');
  await admin.patchConfig({ commandDurationMs: 1000 });
});
afterAll(() => emulator.close());

const sha256 = (text: string): string => createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');

/** Exactly the command the product builds (docs/verification-commands.md). */
const verificationCommand = (packages: string[]): string =>
  [
    ...packages.flatMap((p) => [
      `echo '==cpr:pkg:${p}=='`,
      `pm list packages ${p}`,
      `dumpsys package ${p}`,
      `find /data/data/${p} -type f -exec sha256sum {} +`,
      `find /data/data/${p} -type f -exec stat -c '%s %n' {} +`,
    ]),
    "echo '==cpr:end=='",
  ].join('; ');

async function runAndWait(instanceIds: string[], command: string, extra: Record<string, unknown> = {}) {
  const started = runCommandSchema.parse(await client.call('RunCommand', { InstanceIds: instanceIds, CommandContent: command, ...extra }));
  return waitFor('the invocation to finish', async () => {
    const body = describeInvocationsSchema.parse(
      await client.call('DescribeInvocations', { InstanceIds: instanceIds, InvocationId: started.InvokeId }),
    );
    return body.Data.every((d) => !['PENDING', 'RUNNING'].includes(d.InvocationStatus)) ? { started, body } : undefined;
  });
}

describe('verification command grammar', () => {
  it('answers the full verification command like an Android shell', async () => {
    const { body } = await runAndWait([DEMO_SOURCE_1], verificationCommand(['com.example.notes', 'com.example.chat']));
    expect(body.Data[0].InvocationStatus).toBe('SUCCESS');
    const output = body.Data[0].Output;
    const notesFiles = Object.entries(DEMO_NOTES.data ?? {})
      .map(([p, c]) => [`/data/data/com.example.notes/${p}`, c] as const)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    const chatFiles = Object.entries(DEMO_CHAT.data ?? {})
      .map(([p, c]) => [`/data/data/com.example.chat/${p}`, c] as const)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    expect(output.startsWith('==cpr:pkg:com.example.notes==\npackage:com.example.notes\nPackages:\n')).toBe(true);
    expect(output).toContain('    versionCode=231 minSdk=24 targetSdk=33\n    versionName=2.3.1\n');
    expect(output).toContain('    versionCode=500 minSdk=24 targetSdk=33\n    versionName=5.0.0\n');
    expect(output).toContain(notesFiles.map(([path, content]) => `${sha256(content)}  ${path}\n`).join(''));
    expect(output).toContain(notesFiles.map(([path, content]) => `${Buffer.byteLength(content, 'utf8')} ${path}\n`).join(''));
    expect(output).toContain(chatFiles.map(([path, content]) => `${sha256(content)}  ${path}\n`).join(''));
    expect(output.endsWith('==cpr:end==\n')).toBe(true);
  });

  it('reports an absent package the way Android does', async () => {
    const { body } = await runAndWait([DEMO_TARGETS[0]], verificationCommand(['com.example.notes']));
    expect(body.Data[0]).toMatchObject({ InvocationStatus: 'SUCCESS' });
    expect(body.Data[0].Output).toBe(
      [
        '==cpr:pkg:com.example.notes==',
        'Unable to find package: com.example.notes',
        "find: '/data/data/com.example.notes': No such file or directory",
        "find: '/data/data/com.example.notes': No such file or directory",
        '==cpr:end==',
        '',
      ].join('\n'),
    );
  });

  it('fails the whole invocation for an unsupported command and runs nothing', async () => {
    const { started, body } = await runAndWait([DEMO_SOURCE_1], "echo 'start'; rm -rf /data/data/com.example.notes; echo done");
    expect(body.Data[0]).toMatchObject({ InvocationStatus: 'FAILED', Output: 'sh: rm: not found\n' });
    const tasks = describeTasksSchema.parse(await client.call('DescribeTasks', { TaskIds: [started.RunCommandInfos[0].ChildTaskId] }));
    expect(tasks.Data[0]).toMatchObject({ TaskStatus: 'Failed', ErrorCode: 'CommandFailed', Result: 'sh: rm: not found\n' });
    expect((await admin.instance(DEMO_SOURCE_1)).packages['com.example.notes']).toBeDefined();
  });

  it('decodes Base64 CommandContent', async () => {
    const { body } = await runAndWait([DEMO_SOURCE_1], Buffer.from('pm list packages chat').toString('base64'), {
      ContentEncoding: 'base64',
    });
    expect(body.Data[0].Output).toBe('package:com.example.chat\n');
  });

  it('marks a command TIMEOUT when it outlasts Timeout', async () => {
    await admin.patchConfig({ commandDurationMs: 5000 });
    const { body } = await runAndWait([DEMO_SOURCE_1], 'echo slow', { Timeout: 2 });
    expect(body.Data[0].InvocationStatus).toBe('TIMEOUT');
  });

  it('fails a command on a stopped instance', async () => {
    const { body } = await runAndWait([DEMO_STOPPED_TARGET], 'echo hi');
    expect(body.Data[0].InvocationStatus).toBe('FAILED');
  });

  it('RunSyncCommand uses the same grammar', async () => {
    const body = runSyncCommandSchema.parse(
      await client.call('RunSyncCommand', {
        InstanceIds: [DEMO_SOURCE_1],
        CommandContent: 'cat /data/data/com.example.notes/files/notes/2024/today.txt',
      }),
    );
    expect(body.Data[0]).toMatchObject({ InvocationStatus: 'SUCCESS', Output: 'Buy milk, call Zhang Wei (张伟).\n' });
    const bad = runSyncCommandSchema.parse(await client.call('RunSyncCommand', { InstanceIds: [DEMO_SOURCE_1], CommandContent: 'whoami' }));
    expect(bad.Data[0]).toMatchObject({ InvocationStatus: 'FAILED', Output: 'sh: whoami: not found\n' });
  });
});

describe('the Android shell segments', () => {
  const packages = {
    'com.example.notes': { packageName: 'com.example.notes', versionName: '2.3.1', versionCode: 231, data: { ...DEMO_NOTES.data } },
  };
  const run = (text: string) => {
    const compiled = compileScript(text);
    if (!compiled.ok) return compiled;
    return runScript(compiled.segments, packages);
  };

  it.each([
    ['echo plain words', 'plain words\n', 0],
    [`echo 'quoted; not a separator'`, 'quoted; not a separator\n', 0],
    ['echo "double \\"quoted\\""', 'double "quoted"\n', 0],
    ['pm list packages', 'package:com.example.notes\n', 0],
    ['pm list packages nomatch', '', 0],
    ['ls /data/data', 'com.example.notes\n', 0],
    ['ls /data/data/com.example.notes', 'databases\nfiles\nshared_prefs\n', 0],
    ['ls /data/data/com.example.notes/files/notes', '2024\n', 0],
    ['ls /nope', 'ls: /nope: No such file or directory\n', 1],
    ['cat /data/data/com.example.notes/files/attachments/readme.md', '# Attachments\n', 0],
    ['cat /data/data/com.example.notes/files', 'cat: /data/data/com.example.notes/files: Is a directory\n', 1],
    ['cat /missing', 'cat: /missing: No such file or directory\n', 1],
    [
      'sha256sum /data/data/com.example.notes/files/attachments/readme.md',
      `${sha256('# Attachments\n')}  /data/data/com.example.notes/files/attachments/readme.md\n`,
      0,
    ],
    [
      'md5sum /data/data/com.example.notes/files/attachments/readme.md',
      `${createHash('md5').update('# Attachments\n').digest('hex')}  /data/data/com.example.notes/files/attachments/readme.md\n`,
      0,
    ],
    [
      "find /data/data/com.example.notes/files -type f -exec stat -c '%s %n' {} +",
      '14 /data/data/com.example.notes/files/attachments/readme.md\n35 /data/data/com.example.notes/files/notes/2024/today.txt\n',
      0,
    ],
    ['pm list packages | grep notes', 'sh: pm: not found\n', 127],
    ["echo 'unterminated", 'sh: syntax error: unterminated quoted string\n', 2],
    ['echo a; ls /nope', 'a\nls: /nope: No such file or directory\n', 1],
  ])('%s', (text, output, exitCode) => {
    expect(run(text)).toMatchObject({ output, exitCode });
  });
});
