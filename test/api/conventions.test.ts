// HTTP conventions over real HTTP: a JSON-only body (415 otherwise), 405 with Allow for a known path
// and the wrong method, 413 stating the limit, all in the API's error shape; and CORS, off by default,
// for the configured origins only (preflight answered without a token, never credentials).
import { buildApi, parseCorsOrigins } from '../../client/api/server';
import { connectTestTemporal, type TestTemporal } from '../harness/temporal';
import { startApi, TEST_TOKEN, type ApiUnderTest } from './api-harness';

let temporal: TestTemporal;
let api: ApiUnderTest;
beforeAll(async () => {
  temporal = await connectTestTemporal();
  api = await startApi(temporal.client, 'conventions-no-worker');
});
afterAll(async () => {
  await api.close();
  await temporal.close();
});

describe('HTTP conventions', () => {
  it('answers a non-JSON body with 415, a wrong method with 405 and Allow, an oversize body with 413 naming the limit', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const res = await api.call('POST', '/v1/recoveries', { rawBody: 'backupFileId=bf-1', headers: { 'content-type': contentType } });
      expect({ contentType, status: res.status }).toEqual({ contentType, status: 415 });
      expect(res.json).toEqual({ error: 'unsupported_media_type', message: `Content-Type ${contentType} is not supported; send the body as application/json` });
    }
    const migrations = await api.call('POST', '/v1/migrations/some-id/pause', { rawBody: 'x', headers: { 'content-type': 'text/plain' } });
    expect(migrations.status).toBe(415);

    const wrong = await api.call('DELETE', '/v1/recoveries');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(wrong.json).toEqual({ error: 'method_not_allowed', message: 'DELETE is not allowed on /v1/recoveries; allowed: GET, HEAD, POST' });
    const wrongOnId = await api.call('PUT', '/v1/migrations/m-1/cancel', { body: {} });
    expect(wrongOnId.status).toBe(405);
    expect(wrongOnId.headers.get('allow')).toBe('POST');
    expect((await api.call('GET', '/v1/nothing-here')).status).toBe(404);

    const huge = await api.call('POST', '/v1/migrations', { rawBody: JSON.stringify({ items: [], pad: 'x'.repeat(1024 * 1024) }) });
    expect(huge.status).toBe(413);
    expect(huge.json).toEqual({ error: 'payload_too_large', message: 'the request body is larger than the limit of 1048576 bytes' });
  });

  it('answers CORS only for the configured origins, preflight without a token, never with credentials', async () => {
    // Off by default: no CORS headers at all.
    const plain = await api.call('GET', '/v1/recoveries', { headers: { origin: 'https://dash.example.com' } });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();

    const app = await buildApi({ client: temporal.client, token: TEST_TOKEN, logger: false, corsOrigins: parseCorsOrigins('https://dash.example.com, http://localhost:3000') });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const address = app.server.address();
      const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      const preflight = await fetch(`${url}/v1/recoveries`, {
        method: 'OPTIONS',
        headers: { origin: 'https://dash.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://dash.example.com');
      expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
      expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
      expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();

      const allowed = await fetch(`${url}/v1/recoveries`, { headers: { origin: 'http://localhost:3000', authorization: `Bearer ${TEST_TOKEN}` } });
      expect(allowed.status).toBe(200);
      expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
      expect(allowed.headers.get('access-control-expose-headers')).toContain('location');

      const other = await fetch(`${url}/v1/recoveries`, { headers: { origin: 'https://evil.example.net', authorization: `Bearer ${TEST_TOKEN}` } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
      // CORS does not replace the token.
      const noToken = await fetch(`${url}/v1/recoveries`, { headers: { origin: 'https://dash.example.com' } });
      expect(noToken.status).toBe(401);
    } finally {
      await app.close();
    }
  });

  it('refuses CORS settings that are not origins, or * with others', () => {
    expect(parseCorsOrigins(undefined)).toEqual([]);
    expect(parseCorsOrigins('*')).toEqual(['*']);
    expect(() => parseCorsOrigins('*, https://a.example.com')).toThrow('CPR_API_CORS_ORIGINS: * must stand alone');
    expect(() => parseCorsOrigins('https://a.example.com/path')).toThrow(/must be an origin like/);
  });
});
