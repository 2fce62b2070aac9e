// The API's edge: authentication, input validation (400s naming field and rule, nothing started), body
// limits, unknown routes, health, logs without secrets, and the OpenAPI document. No worker runs here:
// whatever these requests start would just sit in the task queue, which is what "nothing started" checks.
import { Writable } from 'node:stream';
import { WorkflowNotFoundError } from '@temporalio/client';
import { createApiLogger } from '../../client/api/server';
import { RECOVER_APP_WORKFLOW } from '../../workflows/types';
import { connectTestTemporal, uniqueTaskQueue, type TestTemporal } from '../harness/temporal';
import { recoveryInput, startApi, TEST_TOKEN, type ApiUnderTest } from './api-harness';

let temporal: TestTemporal;
let api: ApiUnderTest;
let taskQueue: string;
const logLines: string[] = [];
let existingId: string;

beforeAll(async () => {
  temporal = await connectTestTemporal();
  taskQueue = uniqueTaskQueue('api-edge');
  const destination = new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) });
  api = await startApi(temporal.client, taskQueue, { logger: createApiLogger({ level: 'info', destination }) });
  // A real recovery (no worker: it stays Running) so 401s can be compared for existing and unknown IDs.
  const started = await api.call('POST', '/v1/recoveries', { body: recoveryInput() });
  expect(started.status).toBe(202);
  existingId = started.json.workflowId;
});

afterAll(async () => {
  await temporal.client.workflow.getHandle(existingId).terminate('test cleanup').catch(() => undefined);
  await api.close();
  await temporal.close();
});

async function notStarted(workflowId: string): Promise<void> {
  await expect(temporal.client.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
}

describe('authentication', () => {
  it('refuses requests without a token or with a wrong one, on every route but /healthz and /openapi.json', async () => {
    const wrongSameLength = TEST_TOKEN.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a'));
    for (const token of [null, 'nope', wrongSameLength, `${TEST_TOKEN}x`]) {
      for (const [method, path] of [
        ['GET', '/v1/recoveries'],
        ['POST', '/v1/recoveries'],
        ['GET', '/v1/migrations'],
        ['GET', '/no/such/route'],
      ] as const) {
        const res = await api.call(method, path, { token, ...(method === 'POST' ? { body: recoveryInput() } : {}) });
        expect({ token, path, status: res.status }).toEqual({ token, path, status: 401 });
        expect(res.json).toEqual({ error: 'unauthorized', message: 'a valid bearer token is required' });
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
      }
    }
    const health = await api.call('GET', '/healthz', { token: null });
    expect(health.status).toBe(200);
    expect(health.json).toEqual({ status: 'ok', temporal: 'reachable' });
    const openapi = await api.call('GET', '/openapi.json', { token: null });
    expect(openapi.status).toBe(200);
    expect(openapi.json.openapi).toBe('3.1.0');
  });

  it('gives the same 401 for an existing and a nonexistent recovery (no existence leak)', async () => {
    for (const suffix of ['', '/events', '/report', '/cancel', '/approve']) {
      const method = ['/cancel', '/approve'].includes(suffix) ? 'POST' : 'GET';
      const known = await api.call(method, `/v1/recoveries/${existingId}${suffix}`, { token: 'wrong-token-wrong-token' });
      const unknown = await api.call(method, `/v1/recoveries/recovery-does-not-exist${suffix}`, { token: 'wrong-token-wrong-token' });
      expect(known.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(known.text).toBe(unknown.text);
    }
    // And the unauthenticated cancel did nothing.
    const described = await temporal.client.workflow.getHandle(existingId).describe();
    expect(described.status.name).toBe('RUNNING');
  });

  it('accepts the right token', async () => {
    const res = await api.call('GET', `/v1/recoveries/${existingId}`);
    expect(res.status).toBe(200);
    expect(res.json.workflowId).toBe(existingId);
    expect(res.json.status).toBe('Running');
    expect(res.json.progressUnavailable).toBe(`no worker has picked this run up yet (task queue ${taskQueue})`);
  });
});

describe('input validation', () => {
  const cases: { name: string; body: unknown; field: string; rule: RegExp }[] = [
    { name: 'missing instanceIds', body: { backupFileId: 'bf-abcdef123' }, field: 'instanceIds', rule: /./ },
    { name: 'bad backup ID', body: recoveryInput({ backupFileId: 'BF-1' }), field: 'backupFileId', rule: /backup file ID/ },
    { name: 'shell text as instance ID', body: recoveryInput({ instanceIds: ['acp-abcdef12', 'acp-x; rm -rf /'] }), field: 'instanceIds[1]', rule: /instance ID/ },
    { name: 'unknown field', body: { ...recoveryInput(), command: 'reboot' }, field: 'command', rule: /is not a recognized field/ },
    { name: 'poll interval min > max', body: recoveryInput({ limits: { pollIntervalMinMs: 5000, pollIntervalMaxMs: 100 } }), field: 'limits.pollIntervalMinMs', rule: /must not exceed/ },
    { name: 'bad existingApp policy', body: recoveryInput({ existingApp: 'wipe' as never }), field: 'existingApp', rule: /./ },
    { name: 'body requestId that is not an ID', body: { ...recoveryInput(), requestId: 'a b' }, field: 'requestId', rule: /letters, digits/ },
  ];

  it.each(cases)('POST /v1/recoveries: $name → 400 naming $field, nothing started', async ({ body, field, rule }) => {
    const key = `edge-${Math.random().toString(36).slice(2, 10)}`;
    const res = await api.call('POST', '/v1/recoveries', { body, headers: { 'idempotency-key': key } });
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('invalid_input');
    const issue = res.json.issues.find((i: { field: string }) => i.field === field);
    expect(issue).toBeDefined();
    expect(issue.rule).toMatch(rule);
    await notStarted(`recovery-${key}`);
  });

  it('rejects a bad Idempotency-Key header and a body requestId that contradicts it', async () => {
    const bad = await api.call('POST', '/v1/recoveries', { body: recoveryInput(), headers: { 'idempotency-key': "x' OR 1=1" } });
    expect(bad.status).toBe(400);
    expect(bad.json.issues).toEqual([{ field: 'headers.idempotency-key', rule: expect.stringMatching(/letters, digits/) }]);

    const mismatch = await api.call('POST', '/v1/recoveries', { body: { ...recoveryInput(), requestId: 'edge-body-id' }, headers: { 'idempotency-key': 'edge-header-id' } });
    expect(mismatch.status).toBe(400);
    expect(mismatch.json.issues).toEqual([{ field: 'requestId', rule: 'must equal the Idempotency-Key header when both are given' }]);
    await notStarted('recovery-edge-body-id');
    await notStarted('recovery-edge-header-id');
  });

  it('rejects malformed JSON and oversized bodies', async () => {
    const malformed = await api.call('POST', '/v1/recoveries', { rawBody: '{"backupFileId": ', headers: { 'idempotency-key': 'edge-malformed' } });
    expect(malformed.status).toBe(400);
    expect(malformed.json).toEqual({ error: 'invalid_input', issues: [{ field: '(body)', rule: 'must be valid JSON' }] });

    const huge = recoveryInput({ requestedBy: 'x'.repeat(1024 * 1024 + 10) });
    const tooLarge = await api.call('POST', '/v1/recoveries', { body: huge, headers: { 'idempotency-key': 'edge-huge' } });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.json.error).toBe('payload_too_large');
    await notStarted('recovery-edge-malformed');
    await notStarted('recovery-edge-huge');
  });

  it('validates query parameters, path IDs and control bodies', async () => {
    const checks: [string, string, unknown, string][] = [
      ['GET', '/v1/recoveries?status=Bogus', undefined, 'status'],
      ['GET', '/v1/recoveries?limit=0', undefined, 'limit'],
      ['GET', '/v1/recoveries?limit=ten', undefined, 'limit'],
      ['GET', "/v1/recoveries?backupFileId=bf-x'%20OR%20'1", undefined, 'backupFileId'],
      ['GET', '/v1/recoveries?sort=name', undefined, 'sort'],
      ['GET', `/v1/recoveries/${existingId}/report?format=xml`, undefined, 'format'],
      ['GET', `/v1/recoveries/${existingId}/events?intervalMs=5`, undefined, 'intervalMs'],
      ['GET', "/v1/recoveries/a'b", undefined, 'id'],
      ['POST', `/v1/recoveries/${existingId}/approve`, { approvedBy: 'ops', extra: true }, 'extra'],
      ['POST', `/v1/recoveries/${existingId}/pause`, { reason: 'r'.repeat(501) }, 'reason'],
    ];
    for (const [method, path, body, field] of checks) {
      const res = await api.call(method, path, body === undefined ? {} : { body });
      expect({ path, status: res.status, error: res.json?.error }).toEqual({ path, status: 400, error: 'invalid_input' });
      expect({ path, fields: res.json.issues.map((i: { field: string }) => i.field) }).toEqual({ path, fields: expect.arrayContaining([field]) });
    }
    // The rejected approve/pause never reached the run.
    const res = await api.call('GET', `/v1/recoveries/${existingId}`);
    expect(res.json.status).toBe('Running');
  });

  it('answers unknown routes and unknown recoveries with JSON 404s', async () => {
    const route = await api.call('GET', '/v2/everything');
    expect(route.status).toBe(404);
    expect(route.json).toEqual({ error: 'not_found', message: 'no route GET /v2/everything' });
    const run = await api.call('GET', '/v1/recoveries/recovery-nope-nope');
    expect(run.status).toBe(404);
    expect(run.json).toEqual({ error: 'not_found', message: 'recovery recovery-nope-nope not found' });
  });

  it('does not treat other workflows as recoveries', async () => {
    const other = await temporal.client.workflow.start('notARecovery', { taskQueue, workflowId: `not-a-recovery-${Date.now()}` });
    try {
      const res = await api.call('POST', `/v1/recoveries/${other.workflowId}/cancel`);
      expect(res.status).toBe(404);
      expect((await other.describe()).status.name).toBe('RUNNING');
    } finally {
      await other.terminate('test cleanup');
    }
  });
});

describe('what a started recovery carries', () => {
  it('sets kind, backup IDs, phase and target count as search attributes and a summary', async () => {
    const input = recoveryInput();
    const res = await api.call('POST', '/v1/recoveries', { body: input });
    expect(res.status).toBe(202);
    expect(res.json.workflowId).toMatch(new RegExp(`^recovery-${input.backupFileId}-[0-9a-f]{8}$`));
    expect(res.headers.get('location')).toBe(`/v1/recoveries/${res.json.workflowId}`);
    const handle = temporal.client.workflow.getHandle(res.json.workflowId);
    try {
      const d = await handle.describe();
      expect(d.type).toBe(RECOVER_APP_WORKFLOW);
      expect(d.taskQueue).toBe(taskQueue);
      expect(d.searchAttributes).toMatchObject({ CprKind: ['recovery'], CprBackupFileIds: [input.backupFileId], CprPhase: ['preflight'], CprTargets: [2] });
      expect(await d.staticSummary()).toBe(`Recover ${input.backupFileId} onto 2 instances`);
    } finally {
      await handle.terminate('test cleanup');
    }
  });
});

describe('logs', () => {
  it('carry the request ID and workflow ID and never the token', async () => {
    const res = await api.call('GET', `/v1/recoveries/${existingId}`, { headers: { 'x-request-id': 'edge-log-check' } });
    expect(res.headers.get('x-request-id')).toBe('edge-log-check');
    const text = logLines.join('');
    expect(text).toContain('"reqId":"edge-log-check"');
    expect(text).toContain(`"workflowId":"${existingId}"`);
    expect(text).not.toContain(TEST_TOKEN);
  });
});

describe('OpenAPI document', () => {
  it('describes every route with its parameters and schemas', async () => {
    const res = await api.call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.json;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      expect.arrayContaining([
        '/healthz',
        '/openapi.json',
        '/v1/recoveries',
        '/v1/recoveries/dry-run',
        '/v1/recoveries/{id}',
        '/v1/recoveries/{id}/approve',
        '/v1/recoveries/{id}/cancel',
        '/v1/recoveries/{id}/events',
        '/v1/recoveries/{id}/pause',
        '/v1/recoveries/{id}/report',
        '/v1/recoveries/{id}/resume',
      ]),
    );
    const start = doc.paths['/v1/recoveries'].post;
    expect(start.parameters).toEqual([expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: false })]);
    expect(JSON.stringify(start.requestBody)).toContain('^(acp|aic)-[a-z0-9]{6,32}$');
    expect(start.responses['202'].content['application/json'].schema.properties.workflowId).toEqual({ type: 'string' });
    expect(start.responses['400'].content['application/json'].schema.properties.issues).toBeDefined();
    const list = doc.paths['/v1/recoveries'].get.parameters.map((p: { name: string }) => p.name);
    expect(list).toEqual(['backupFileId', 'phase', 'status', 'outcome', 'scheduleId', 'limit']);
    expect(doc.paths['/healthz'].get.security).toEqual([]);
    expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/v1/recoveries/{id}/report'].get.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'id', in: 'path', required: true }), expect.objectContaining({ name: 'format', in: 'query' })]),
    );
  });
});
