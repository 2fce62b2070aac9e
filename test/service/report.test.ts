// Reports leave the system into spreadsheets and tickets: RFC 4180 quoting and no formula injection.
import { buildReport, csvCell, CSV_COLUMNS } from '../../client/service/report';
import type { RecoveryResult, TargetResult } from '../../workflows/types';

function target(overrides: Partial<TargetResult>): TargetResult {
  return { instanceId: 'acp-aaaaaaaa', backupFileId: 'bf-bbbbbbbb', status: 'verified', phase: 'verify', taskIds: ['t-1'], attempts: 1, timings: {}, ...overrides };
}

function result(targets: TargetResult[]): RecoveryResult {
  return {
    workflowId: 'recovery-x',
    phase: 'done',
    paused: false,
    cancelRequested: false,
    awaitingApproval: false,
    counts: { total: targets.length, pending: 0, verified: targets.length, failed: 0, skipped: 0, cancelled: 0 },
    targets,
    backups: [{ backupFileId: 'bf-bbbbbbbb', released: true, sourceMayBeReset: true }],
    snapshots: [],
    startedAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:01:00.000Z',
    outcome: 'succeeded',
    finishedAt: '2024-01-01T00:01:00.000Z',
  };
}

describe('CSV report', () => {
  it('has the documented columns, CRLF rows and every attempt task ID', () => {
    const csv = buildReport(result([target({ taskIds: ['t-1', 't-2'], attempts: 2, snapshotBackupFileId: 'bf-snap0001' })]), 'csv');
    expect(csv).toBe(`${CSV_COLUMNS.join(',')}\r\nacp-aaaaaaaa,bf-bbbbbbbb,verified,verify,,2,t-1;t-2,bf-snap0001,\r\n`);
  });

  it('quotes commas, quotes and line breaks (RFC 4180)', () => {
    const csv = buildReport(result([target({ status: 'failed', reason: 'DataMismatch', message: 'files differ: "a.db", b.db\nsee evidence' })]), 'csv');
    const row = csv.split('\r\n')[1];
    expect(row).toBe('acp-aaaaaaaa,bf-bbbbbbbb,failed,verify,DataMismatch,1,t-1,,"files differ: ""a.db"", b.db\nsee evidence"');
  });

  it.each([
    ['=HYPERLINK("http://evil")', `"'=HYPERLINK(""http://evil"")"`],
    ['+1+1', "'+1+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tcmd', "'\tcmd"],
    ['plain text', 'plain text'],
    ['', ''],
  ])('neutralises formula cell %j', (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  it('neutralises vendor text in the message column', () => {
    const csv = buildReport(result([target({ message: '=cmd|" /C calc"!A0' })]), 'csv');
    expect(csv.split('\r\n')[1]!.endsWith(`,"'=cmd|"" /C calc""!A0"`)).toBe(true);
  });
});

describe('JSON report', () => {
  it('carries the outcome, counts, backups and targets', () => {
    const parsed = JSON.parse(buildReport(result([target({})]), 'json'));
    expect(parsed).toMatchObject({ workflowId: 'recovery-x', outcome: 'succeeded', counts: { total: 1, verified: 1 }, backups: [{ backupFileId: 'bf-bbbbbbbb', released: true }] });
    expect(parsed.targets).toHaveLength(1);
  });
});
