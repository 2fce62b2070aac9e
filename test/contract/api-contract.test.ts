// The HTTP side of the contract: the published schemas are served without a token and are the committed
// files, and list filters accept any casing while answers keep one casing (docs/contract.md).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildListQuery, parseListFilter } from '../../client/service';
import { connectTestTemporal, uniqueTaskQueue, type TestTemporal } from '../harness/temporal';
import { runCli } from '../cli/run-cli';
import { recoveryInput, startApi, type ApiUnderTest } from '../api/api-harness';
import { waitFor } from '../harness/wait';

let temporal: TestTemporal;
let api: ApiUnderTest;
let startedId: string;

beforeAll(async () => {
  temporal = await connectTestTemporal();
  api = await startApi(temporal.client, uniqueTaskQueue('contract-api'));
  // No worker polls this queue: the recovery stays Running in phase preflight, which the filters find.
  const started = await api.call('POST', '/v1/recoveries', { body: recoveryInput() });
  expect(started.status).toBe(202);
  startedId = started.json.workflowId;
});

afterAll(async () => {
  await temporal.client.workflow
    .getHandle(startedId)
    .terminate('test cleanup')
    .catch(() => undefined);
  await api.close();
  await temporal.close();
});

describe('GET /v1/schemas', () => {
  it('serves every committed schema without a token', async () => {
    const index = await api.call('GET', '/v1/schemas', { token: null });
    expect(index.status).toBe(200);
    const names = index.json.schemas.map((s: { name: string }) => s.name).sort();
    expect(names).toEqual([
      'bulk-migration-input',
      'bulk-migration-result',
      'migration-progress',
      'recover-app-input',
      'recover-app-result',
      'recovery-progress',
    ]);
    for (const name of names) {
      const res = await api.call('GET', `/v1/schemas/${name}`, { token: null });
      expect({ name, status: res.status, type: res.headers.get('content-type') }).toEqual({
        name,
        status: 200,
        type: 'application/schema+json; charset=utf-8',
      });
      expect(res.json).toEqual(JSON.parse(readFileSync(join(__dirname, '..', '..', 'docs', 'schemas', `${name}.json`), 'utf8')));
    }
  });

  it('answers 404 for an unknown name', async () => {
    for (const name of ['nope', 'constructor', '__proto__']) {
      const res = await api.call('GET', `/v1/schemas/${name}`, { token: null });
      expect({ name, status: res.status, error: res.json?.error }).toEqual({ name, status: 404, error: 'not_found' });
    }
  });
});

describe('list filters in any casing', () => {
  it('parses status, outcome and phase case-insensitively into the answer casing', () => {
    expect(parseListFilter({ status: 'running', outcome: 'SUCCEEDED', phase: 'Verify' })).toMatchObject({
      status: 'Running',
      outcome: 'succeeded',
      phase: 'verify',
    });
    expect(parseListFilter({ status: 'CONTINUEDASNEW' }).status).toBe('ContinuedAsNew');
    expect(buildListQuery({ status: 'completed', outcome: 'Cancelled' })).toBe(
      "CprKind = 'recovery' AND CprOutcome = 'cancelled' AND ExecutionStatus = 'Completed'",
    );
  });

  it('the API finds a running recovery with ?status=running and answers "Running"', async () => {
    for (const query of ['status=running', 'status=RUNNING', 'status=Running&phase=PREFLIGHT']) {
      const res = await eventuallyListed(`/v1/recoveries?${query}&limit=1000`);
      const row = res.find((r: { workflowId: string }) => r.workflowId === startedId);
      expect({ query, status: row?.status }).toEqual({ query, status: 'Running' });
    }
  });

  it('the CLI takes --status, --phase and --outcome in any casing', async () => {
    const env = { CPR_TEMPORAL_ADDRESS: temporal.address, CPR_TEMPORAL_NAMESPACE: temporal.namespace };
    await eventuallyListed('/v1/recoveries?limit=1000');
    const listed = await runCli(['list', '--status', 'RUNNING', '--phase', 'Preflight', '--limit', '1000', '--output', 'json'], env);
    expect({ code: listed.code, stderr: listed.stderr }).toEqual({ code: 0, stderr: '' });
    const row = (JSON.parse(listed.stdout) as { workflowId: string; status: string; phase: string }[]).find(
      (r) => r.workflowId === startedId,
    );
    expect(row).toMatchObject({ status: 'Running', phase: 'preflight' });
    const wrong = await runCli(['list', '--outcome', 'great'], env);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--outcome');
  });

  it('still refuses an unknown value, naming the field and the accepted values', async () => {
    const res = await api.call('GET', '/v1/recoveries?status=runnin');
    expect(res.status).toBe(400);
    expect(res.json.issues).toEqual([
      { field: 'status', rule: 'must be one of Running, Completed, Failed, Canceled, Terminated, ContinuedAsNew, TimedOut (any casing)' },
    ]);
  });
});

/** Visibility is eventually consistent: wait until the started run is listed. */
async function eventuallyListed(path: string): Promise<{ workflowId: string; status: string }[]> {
  return waitFor(`${path} lists ${startedId}`, async () => {
    const res = await api.call('GET', path);
    expect(res.status).toBe(200);
    const rows = res.json.recoveries as { workflowId: string; status: string }[];
    return rows.some((r) => r.workflowId === startedId) && rows;
  });
}
