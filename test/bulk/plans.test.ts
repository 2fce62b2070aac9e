// Plan files as operators write them: JSON and CSV, with errors that name the line and the field.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { locateJson, parsePlanText, readPlanFile } from '../../client/plans';
import { buildSchedule } from '../../workflows/bulk/chunks';
import { parseMigrationPlan } from '../../workflows/plan';

describe('plan files', () => {
  it('reads a CSV plan, merging rows of one backup into one item, with options given separately', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cpr-plan-'));
    const path = join(dir, 'fleet.csv');
    await writeFile(
      path,
      '\ufeffbackupFileId,instanceId,backupFilePath\r\n' +
        'bf-aaaaaa01,acp-aaaaaa01,oss://cloudphone-saved-bucket-cn/a/1.tar\r\n' +
        '# a comment line\r\n' +
        'bf-aaaaaa02,acp-aaaaaa02,\r\n' +
        'bf-aaaaaa01,acp-aaaaaa03,\r\n' +
        '\r\n',
    );
    const result = await readPlanFile(path, { options: { itemsPerChild: 100, releaseBackup: 'never' } });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.format).toBe('csv');
    expect(result.plan.items).toEqual([
      { backupFileId: 'bf-aaaaaa01', backupFilePath: 'oss://cloudphone-saved-bucket-cn/a/1.tar', uploadType: 'OSS', instanceIds: ['acp-aaaaaa01', 'acp-aaaaaa03'] },
      { backupFileId: 'bf-aaaaaa02', uploadType: 'OSS', instanceIds: ['acp-aaaaaa02'] },
    ]);
    expect(result.plan.options).toMatchObject({ itemsPerChild: 100, releaseBackup: 'never', maxConcurrentChildren: 20, waves: { pauseOnFailureRate: 0.2 } });
  });

  it('names the CSV line and column of each bad row', () => {
    const csv = [
      'backupFileId,instanceId,uploadEndpoint',
      'bf-aaaaaa01,acp-aaaaaa01,',
      'bf-aaaaaa01,ACP-BAD,',
      'bf-aaaaaa02,acp-aaaaaa01,',
      'bf-x,acp-aaaaaa04,',
      'bf-aaaaaa05,acp-aaaaaa05,oss-cn-shanghai.aliyuncs.com',
      'bf-aaaaaa05,acp-aaaaaa06,oss-cn-beijing.aliyuncs.com',
    ].join('\n');
    const endpointClash = parsePlanText(csv, 'csv');
    expect(endpointClash).toEqual({ ok: false, issues: [{ field: 'uploadEndpoint', rule: 'differs from line 6 for the same backup bf-aaaaaa05', line: 7 }] });
    const result = parsePlanText(csv.split('\n').slice(0, 6).join('\n'), 'csv');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map(({ field, line }) => ({ field, line }))).toEqual([
      { field: 'instanceId', line: 3 },
      { field: 'backupFileId', line: 5 },
      { field: 'instanceId', line: 4 },
    ]);
    expect(result.issues[2]!.rule).toMatch(/already the target of items\[0\]/);
    expect(parsePlanText('instanceId,backupFile\nacp-aaaaaa01,bf-aaaaaa01', 'csv')).toEqual({
      ok: false,
      issues: [
        { field: 'backupFile', rule: expect.stringMatching(/unknown column/), line: 1 },
        { field: 'backupFileId', rule: 'required column is missing from the header', line: 1 },
      ],
    });
    expect(parsePlanText('backupFileId,instanceId\nbf-aaaaaa01,acp-aaaaaa01,extra', 'csv')).toEqual({ ok: false, issues: [{ field: '(row)', rule: 'has 3 fields; the header has 2', line: 2 }] });
    const badOptions = parsePlanText('backupFileId,instanceId\nbf-aaaaaa01,acp-aaaaaa01', 'csv', { maxConcurrentChildren: 1000 });
    expect(badOptions).toMatchObject({ ok: false, issues: [{ field: 'options.maxConcurrentChildren' }] });
  });

  it('reads a JSON plan and names the line and field of schema and syntax errors', () => {
    const good = parsePlanText(JSON.stringify({ items: [{ backupFileId: 'bf-aaaaaa01', instanceIds: ['acp-aaaaaa01'] }], options: { waves: { canarySize: 1 } } }), 'json');
    expect(good.ok && good.plan.options.waves).toEqual({ canarySize: 1, pauseOnFailureRate: 0.2 });

    const text = `{
  "items": [
    { "backupFileId": "bf-aaaaaa01", "instanceIds": ["acp-aaaaaa01"] },
    {
      "backupFileId": "bf-aaaaaa02",
      "instanceIds": [
        "acp-aaaaaa02",
        "nope"
      ]
    },
    { "backupFileId": "bf-aaaaaa03" }
  ],
  "options": { "itemsPerChild": 0, "colour": "blue" }
}`;
    const bad = parsePlanText(text, 'json');
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.issues.map(({ field, line }) => ({ field, line }))).toEqual([
      { field: 'items[1].instanceIds[1]', line: 8 },
      { field: 'items[2].instanceIds', line: 11 },
      { field: 'options.itemsPerChild', line: 13 },
      { field: 'options.colour', line: 13 },
    ]);
    expect(parsePlanText('{\n  "items": [\n    {"backupFileId": "bf-aaaaaa01",}\n  ]\n}', 'json')).toEqual({
      ok: false,
      issues: [{ field: '(file)', rule: "not valid JSON: expected a quoted property name but found '}'", line: 3 }],
    });
    expect(locateJson('[1, 2')).toEqual({ error: { line: 1, message: "expected ',' or ']' but found the end of the file" } });
  });

  it('cuts a plan into a canary, waves and child-sized chunks of whole items', () => {
    const items = [3, 3, 10, 1, 1, 1, 6, 2].map((n, i) => ({
      backupFileId: `bf-chunk0${i}`,
      instanceIds: Array.from({ length: n }, (_, j) => `acp-c${i}t${String(j).padStart(4, '0')}`),
    }));
    const parsed = parseMigrationPlan({ items, options: { itemsPerChild: 5, waves: { canarySize: 4, waveSize: 12 } } });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const { waves, chunks } = buildSchedule(parsed.plan.items, parsed.plan.options);
    // canary: whole items until >= 4 targets (3+3); waves of >= 12 (10+1+1, then 1+6+2).
    expect(waves.map((w) => [w.kind, w.targets, w.chunks])).toEqual([
      ['canary', 6, 2],
      ['wave', 12, 2],
      ['wave', 9, 3],
    ]);
    // chunks never split an item; an item above itemsPerChild gets a child of its own.
    expect(chunks.map((c) => [c.index, c.wave, c.items.map((i) => i.instanceIds.length)])).toEqual([
      [0, 0, [3]],
      [1, 0, [3]],
      [2, 1, [10]],
      [3, 1, [1, 1]],
      [4, 2, [1]],
      [5, 2, [6]],
      [6, 2, [2]],
    ]);
  });
});
