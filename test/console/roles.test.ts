// Roles, console sessions and the console's static files over real HTTP against the real API (and
// the shared dev server): who may do what, what the 401/403 say, how the session cookie behaves.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashToken, loadApiTokensFile } from '../../client/api/api-tokens';
import { buildApi } from '../../client/api/server';
import { parseRecoverAppInput } from '../../workflows/input';
import { connectTestTemporal, uniqueTaskQueue, type TestTemporal } from '../harness/temporal';
import { person, startConsoleApi } from './console-harness';

const olga = person('olga', ['operator']);
const arne = person('arne', ['approver']);
const vera = person('vera', ['viewer']);
const BACKUP = 'bf-aaaaaaaaaaaaaaaa';
const TARGET = 'acp-aaaaaaaaaaaaaaaa';

let temporal: TestTemporal;
let api: Awaited<ReturnType<typeof startConsoleApi>>;

beforeAll(async () => {
  temporal = await connectTestTemporal();
  api = await startConsoleApi(temporal.client, uniqueTaskQueue('roles'), [olga, arne, vera]);
});
afterAll(async () => {
  await api?.close();
  await temporal?.close();
});

async function call(method: string, path: string, options: { token?: string; cookie?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await fetch(api.url + path, {
    method,
    redirect: 'manual',
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.cookie ? { cookie: options.cookie } : {}),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await res.text();
  let json: { error?: string; message?: string; issues?: { field: string; rule: string }[]; name?: string; roles?: string[] } = {};
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, text, json };
}

describe('roles', () => {
  it('lets every role read and refuses actions outside the role with 403 naming the role needed', async () => {
    for (const who of [olga, arne, vera]) expect((await call('GET', '/v1/recoveries', { token: who.token })).status).toBe(200);

    const viewerStarts = await call('POST', '/v1/recoveries', { token: vera.token, body: { backupFileId: BACKUP, instanceIds: [TARGET] } });
    expect(viewerStarts.status).toBe(403);
    expect(viewerStarts.json).toEqual({ error: 'forbidden', message: 'vera (roles: viewer) may not POST /v1/recoveries: it needs the operator role' });

    const operatorApproves = await call('POST', '/v1/recoveries/recovery-x/approve', { token: olga.token, body: {} });
    expect(operatorApproves.status).toBe(403);
    expect(operatorApproves.json.message).toMatch(/needs the approver role/);

    const approverCancels = await call('POST', '/v1/recoveries/recovery-x/cancel', { token: arne.token, body: {} });
    expect(approverCancels.status).toBe(403);
    expect((await call('POST', '/v1/migrations/m-1/window', { token: vera.token, body: { window: 2 } })).status).toBe(403);

    // Allowed through to the route: the answer is about the (missing) run, not the role.
    expect((await call('POST', '/v1/recoveries/recovery-x/cancel', { token: olga.token, body: {} })).status).toBe(404);
    expect((await call('POST', '/v1/recoveries/recovery-x/approve', { token: arne.token, body: {} })).status).toBe(404);
  });

  it('answers 401 the same way for a wrong token on any path', async () => {
    const a = await call('GET', '/v1/recoveries', { token: 'not-a-token-of-anyone' });
    const b = await call('POST', '/v1/recoveries/recovery-x/approve', { token: 'not-a-token-of-anyone', body: {} });
    expect([a.status, b.status]).toEqual([401, 401]);
    expect(a.json).toEqual(b.json);
  });

  it('records the caller as requestedBy / approvedBy and refuses naming someone else', async () => {
    const res = await call('POST', '/v1/recoveries', { token: olga.token, body: { backupFileId: BACKUP, instanceIds: [TARGET], requestedBy: 'arne' } });
    expect(res.status).toBe(400);
    expect(res.json.issues).toEqual([{ field: 'requestedBy', rule: "must be omitted or equal the caller's token name (olga)" }]);
    const approve = await call('POST', '/v1/recoveries/recovery-x/approve', { token: arne.token, body: { approvedBy: 'olga' } });
    expect(approve.status).toBe(400);
    expect(approve.json.issues?.[0]?.field).toBe('approvedBy');
    const migration = await call('POST', '/v1/migrations', { token: olga.token, body: { items: [{ backupFileId: BACKUP, instanceIds: [TARGET] }], options: { requestedBy: 'arne' } } });
    expect(migration.status).toBe(400);
    expect(migration.json.issues).toEqual([{ field: 'options.requestedBy', rule: "must be omitted or equal the caller's token name (olga)" }]);
  });

  it('validates the four-eyes option: it needs on-approval release and a requester', async () => {
    const res = await call('POST', '/v1/recoveries', { token: olga.token, body: { backupFileId: BACKUP, instanceIds: [TARGET], approval: { distinctApprover: true } } });
    expect(res.status).toBe(400);
    expect(res.json.issues).toEqual([{ field: 'approval.distinctApprover', rule: "needs releaseBackup 'on-approval'" }]);
    // Without a named caller (e.g. a parent workflow or the CLI) the requester must be in the input.
    const parsed = parseRecoverAppInput({ backupFileId: BACKUP, instanceIds: [TARGET], releaseBackup: 'on-approval', approval: { distinctApprover: true } });
    expect(parsed.ok ? [] : parsed.issues).toEqual([{ field: 'requestedBy', rule: 'is required when approval.distinctApprover is true (the approver must differ from it)' }]);
    // Older inputs (no approval option) stay valid and carry no approval settings.
    const old = parseRecoverAppInput({ backupFileId: BACKUP, instanceIds: [TARGET], releaseBackup: 'on-approval' });
    expect(old.ok && old.plan.approval).toBeUndefined();
  });

  it('gives the single CPR_API_TOKEN every role', async () => {
    const token = 'single-token-of-a-one-person-setup';
    const app = await buildApi({ client: temporal.client, token, logger: false });
    try {
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      for (const path of ['/v1/recoveries/recovery-x/cancel', '/v1/recoveries/recovery-x/approve']) {
        expect((await fetch(url + path, { method: 'POST', headers, body: '{}' })).status).toBe(404);
      }
      const me = await fetch(`${url}/v1/session`, { headers });
      expect(await me.json()).toEqual({ name: 'api-token', roles: ['viewer', 'operator', 'approver'], accountable: false });
    } finally {
      await app.close();
    }
  });
});

describe('console session', () => {
  it('exchanges a token for an HttpOnly SameSite=Strict cookie that reads, and acts only with the console header', async () => {
    const signIn = await call('POST', '/v1/session', { token: arne.token });
    expect(signIn.status).toBe(200);
    expect(signIn.json).toMatchObject({ name: 'arne', roles: ['approver'] });
    const setCookie = signIn.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^cpr_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    const cookie = setCookie.split(';')[0]!;

    expect((await call('GET', '/v1/session', { cookie })).json).toMatchObject({ name: 'arne' });
    expect((await call('GET', '/v1/recoveries', { cookie })).status).toBe(200);
    // Without the header a cross-site form could have sent it: refused before the route runs.
    const noHeader = await call('POST', '/v1/recoveries/recovery-x/approve', { cookie, body: {} });
    expect(noHeader.status).toBe(403);
    expect(noHeader.json.message).toMatch(/x-cpr-console: 1/);
    expect((await call('POST', '/v1/recoveries/recovery-x/approve', { cookie, body: {}, headers: { 'x-cpr-console': '1' } })).status).toBe(404);
    // The role still applies to the session.
    expect((await call('POST', '/v1/recoveries/recovery-x/cancel', { cookie, body: {}, headers: { 'x-cpr-console': '1' } })).status).toBe(403);

    const [payload, signature] = cookie.slice('cpr_session='.length).split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), name: 'olga' })).toString('base64url');
    expect((await call('GET', '/v1/recoveries', { cookie: `cpr_session=${forged}.${signature}` })).status).toBe(401);

    const signOut = await call('DELETE', '/v1/session', { cookie });
    expect(signOut.status).toBe(204);
    expect(signOut.headers.get('set-cookie')).toMatch(/^cpr_session=; .*Max-Age=0/);
  });

  it('refuses a wrong token at sign-in', async () => {
    const res = await call('POST', '/v1/session', { token: 'wrong-token-wrong-token' });
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
  });
});

describe('console files', () => {
  it('serves the built page without a token, gzip-compressed, under a same-origin-only CSP', async () => {
    expect((await call('GET', '/console')).headers.get('location')).toBe('/console/');
    const res = await fetch(`${api.url}/console/`, { headers: { 'accept-encoding': 'gzip' } }); // fetch decodes the body
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'self'/);
    expect(await res.text()).toContain('<script type="module" src="app.js"></script>');
    const js = await call('GET', '/console/app.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.text).not.toMatch(/https?:\/\/(?!www\.w3\.org)/); // nothing fetched from other origins
    expect((await call('GET', '/console/..%2Fpackage.json')).status).toBe(404);
    expect((await call('GET', '/console/missing.js')).status).toBe(404);
  });
});

describe('tokens file', () => {
  it('names the entry and the rule that is wrong', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cpr-tokens-'));
    const file = join(dir, 'tokens.json');
    writeFileSync(file, JSON.stringify([{ name: 'olga', roles: ['operator'], sha256: hashToken('x'.repeat(20)) }, { name: 'olga', roles: ['root'], sha256: 'abc' }]));
    expect(() => loadApiTokensFile(file)).toThrow(/\[1\]\.roles\[0\]: must be one of viewer, operator, approver.*\[1\]\.sha256: must be the lower-case hex sha256/);
    writeFileSync(file, JSON.stringify([{ name: 'olga', roles: ['operator'], sha256: hashToken('a') }, { name: 'olga', roles: ['viewer'], sha256: hashToken('b') }]));
    expect(() => loadApiTokensFile(file)).toThrow(/\[1\]\.name: duplicate name olga/);
  });
});
