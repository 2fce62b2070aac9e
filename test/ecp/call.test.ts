// The call primitive against a bare local HTTP server: real @alicloud/openapi-client, real sockets,
// real failure shapes (docs/vendor-facts.md), independent of the emulator's fault injection.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCallApi, type EcpCallEvent } from '../../activities/ecp/call';
import { loadEcpConfig, type EcpConfig } from '../../activities/ecp/config';
import { EcpError } from '../../activities/ecp/errors';

const SECRET = 'raw-server-secret-7Qz+/=';
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let port: number;
let handler: Handler = (_req, res) => res.end('{}');
const seen: IncomingMessage[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});
beforeEach(() => {
  seen.length = 0;
});

function cfg(over: Partial<EcpConfig> = {}): EcpConfig {
  return {
    endpoint: `127.0.0.1:${port}`,
    protocol: 'http',
    regionId: 'cn-shanghai',
    connectTimeoutMs: 2000,
    readTimeoutMs: 2000,
    credentials: { accessKeyId: 'raw-id', accessKeySecret: SECRET },
    ...over,
  };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };
}

async function failure(promise: Promise<unknown>): Promise<EcpError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EcpError);
  const e = err as EcpError;
  expect(e.message).not.toContain(SECRET);
  expect(JSON.stringify(e)).not.toContain(SECRET);
  return e;
}

describe('createCallApi over real HTTP', () => {
  it('sends a V3-signed POST / with flattened business parameters only', async () => {
    handler = json(200, { RequestId: 'RID-1', TaskId: 't-1' });
    const call = createCallApi(cfg());
    const res = await call('RecoverApp', {
      AndroidInstanceIdList: ['acp-a', 'acp-b'],
      BackupFileId: 'bf-1',
      UploadEndpoint: undefined,
      Flag: true,
      N: 3,
    });
    expect(res).toEqual({ body: { RequestId: 'RID-1', TaskId: 't-1' }, requestId: 'RID-1' });
    const req = seen[0];
    expect(req?.method).toBe('POST');
    const url = new URL(req?.url ?? '', 'http://x');
    expect(url.pathname).toBe('/');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      'AndroidInstanceIdList.1': 'acp-a',
      'AndroidInstanceIdList.2': 'acp-b',
      BackupFileId: 'bf-1',
      Flag: 'true',
      N: '3',
    });
    expect(req?.headers['x-acs-action']).toBe('RecoverApp');
    expect(req?.headers['x-acs-version']).toBe('2023-09-30');
    expect(req?.headers.authorization).toMatch(/^ACS3-HMAC-SHA256 Credential=raw-id,/);
  });

  it('falls back to the x-acs-request-id header when the body has no RequestId', async () => {
    handler = json(200, { Ok: 1 }, { 'x-acs-request-id': 'HDR-RID' });
    expect((await createCallApi(cfg())('DescribeTasks', {})).requestId).toBe('HDR-RID');
  });

  it('reports each call to onCall, and a throwing hook does not break the call', async () => {
    const events: EcpCallEvent[] = [];
    const call = createCallApi(cfg(), {
      onCall: (e) => {
        events.push(e);
        throw new Error('metrics down');
      },
    });
    handler = json(200, { RequestId: 'R-ok' });
    await call('DescribeTasks', {});
    handler = json(400, { RequestId: 'R-bad', Code: 'Throttling.User', Message: 'Request was denied due to user flow control.' });
    await failure(call('DescribeTasks', {}));
    expect(events).toEqual([
      { action: 'DescribeTasks', durationMs: expect.any(Number), outcome: 'ok', requestId: 'R-ok' },
      { action: 'DescribeTasks', durationMs: expect.any(Number), outcome: 'throttled', code: 'Throttling.User', requestId: 'R-bad' },
    ]);
  });

  it.each([
    [400, 'throttled'],
    [429, 'throttled'],
  ])('Throttling.User with HTTP %i → %s', async (status, kind) => {
    handler = json(status, { RequestId: 'R', Code: 'Throttling.User', Message: 'flow control' });
    expect(await failure(createCallApi(cfg())('DescribeTasks', {}))).toMatchObject({
      kind,
      code: 'Throttling.User',
      httpStatus: status,
      requestId: 'R',
    });
  });

  it('XML error body (text/xml;charset=utf-8) is parsed by the library and classified', async () => {
    handler = (_req, res) => {
      res.writeHead(404, { 'content-type': 'text/xml;charset=utf-8' });
      res.end(
        '<?xml version="1.0"?><Error><RequestId>X-R</RequestId><Code>InvalidParameter.InstanceId</Code><Message>no such instance</Message></Error>',
      );
    };
    expect(await failure(createCallApi(cfg())('DescribeTasks', {}))).toMatchObject({
      kind: 'notFound',
      code: 'InvalidParameter.InstanceId',
      httpStatus: 404,
    });
  });

  it.each([
    ['HTML 503', 503, 'text/html', '<html><body>503 Service Temporarily Unavailable</body></html>'],
    ['empty 503', 503, 'text/plain', ''],
    ['non-JSON 200', 200, 'text/plain', 'OK'],
    ['JSON null 200', 200, 'application/json', 'null'],
  ])('%s → transient MalformedResponse', async (_l, status, type, text) => {
    handler = (_req, res) => {
      res.writeHead(status, { 'content-type': type });
      res.end(text);
    };
    expect(await failure(createCallApi(cfg())('DescribeTasks', {}))).toMatchObject({
      kind: 'transient',
      code: 'MalformedResponse',
      mayHaveSucceeded: true,
    });
  });

  it('slow reply beyond the read timeout → transient timeout', async () => {
    handler = (_req, res) => {
      setTimeout(() => json(200, { RequestId: 'late' })(_req, res), 1500).unref();
    };
    const started = Date.now();
    const e = await failure(createCallApi(cfg({ connectTimeoutMs: 300, readTimeoutMs: 300 }))('DescribeTasks', {}));
    expect(e.kind).toBe('transient');
    expect(['ReadTimeout', 'ConnectTimeout']).toContain(e.code);
    expect(e.mayHaveSucceeded).toBe(true);
    expect(Date.now() - started).toBeLessThan(1400);
  });

  it('a 3.3 s reply succeeds with the configured defaults (the library alone would give up at 3 s)', async () => {
    handler = (_req, res) => {
      setTimeout(() => json(200, { RequestId: 'slow-ok' })(_req, res), 3300).unref();
    };
    const defaults = loadEcpConfig(
      { CPR_ECP_ENDPOINT: `127.0.0.1:${port}`, CPR_ECP_PROTOCOL: 'http' },
      { credentials: { accessKeyId: 'raw-id', accessKeySecret: SECRET } },
    );
    expect((await createCallApi(defaults)('DescribeTasks', {})).requestId).toBe('slow-ok');
  });

  it('connection dropped mid-request → transient, may have succeeded', async () => {
    handler = (req) => req.socket.destroy();
    const e = await failure(createCallApi(cfg())('RecoverApp', {}));
    expect(e).toMatchObject({ kind: 'transient', mayHaveSucceeded: true });
    expect(['ECONNRESET', 'SocketHangUp']).toContain(e.code);
  });

  it('connection refused → transient, not sent', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const e = await failure(createCallApi(cfg({ endpoint: `127.0.0.1:${closedPort}` }))('DescribeTasks', {}));
    expect(e).toMatchObject({ kind: 'transient', code: 'ECONNREFUSED', mayHaveSucceeded: false });
  });

  it('an error message echoing signing material is scrubbed', async () => {
    handler = json(400, {
      RequestId: 'R',
      Code: 'SignatureDoesNotMatch',
      Message: `Specified signature does not match our calculation. server StringToSign is [ACS3-HMAC-SHA256\nabc] key=${SECRET}`,
    });
    const e = await failure(createCallApi(cfg())('DescribeTasks', {}));
    expect(e).toMatchObject({ kind: 'auth', code: 'SignatureDoesNotMatch' });
    expect(e.message).not.toContain('ACS3-HMAC-SHA256');
  });
});
