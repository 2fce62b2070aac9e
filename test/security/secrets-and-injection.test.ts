// End to end with every part in its own process (bench/stack.ts): a real recovery started through the
// HTTP API with marker secrets everywhere (AccessKey secret, API token, webhook secret) and injection
// payloads in every field the schema accepts as free text. Then: the emulator never saw a payload in any
// RunCommand, and no marker secret appears in worker logs, API logs, API responses, workflow
// histories, the report, webhook bodies or the emulator's call log.
import '../harness/quiet-runtime';
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { buildApi, REDACTED_PATHS } from '../../client/api/server';
import { chooseDemoRecovery, fetchEmulatorState } from '../../client/dev/demo';
import { startStack, type BenchStack } from '../../bench/stack';

jest.setTimeout(120_000);

const PAYLOAD_MARK = `PWN${randomBytes(4).toString('hex')}`;
const PAYLOADS = [`; echo ${PAYLOAD_MARK}`, `$(echo ${PAYLOAD_MARK})`, `\`echo ${PAYLOAD_MARK}\``, `' && echo ${PAYLOAD_MARK} '`, `\n echo ${PAYLOAD_MARK}`, `| echo ${PAYLOAD_MARK}`];
const API_TOKEN = `apitoken-${randomBytes(12).toString('hex')}`;
const WEBHOOK_SECRET = `whsecret-${randomBytes(12).toString('hex')}`;

let stack: BenchStack;
let api: FastifyInstance;
let apiUrl: string;
const apiLog: string[] = [];
const webhookBodies: string[] = [];
let webhookServer: Server;

async function call(method: string, path: string, body?: unknown, token: string | null = API_TOKEN): Promise<{ status: number; text: string }> {
  const res = await fetch(apiUrl + path, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, text: await res.text() };
}

beforeAll(async () => {
  webhookServer = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      webhookBodies.push(JSON.stringify(req.headers) + text);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => webhookServer.listen(0, '127.0.0.1', () => r()));
  const address = webhookServer.address();
  const webhookPort = typeof address === 'object' && address ? address.port : 0;
  stack = await startStack({
    timeScale: 0.01,
    qps: 0,
    workerCommand: ['client/cli/main.ts', 'worker', '--metrics-port', '0', '--sdk-metrics-port', '0'],
    worker: { extraEnv: { CPR_WEBHOOK_URL: `http://127.0.0.1:${webhookPort}/hook`, CPR_WEBHOOK_SECRET: WEBHOOK_SECRET, CPR_API_TOKEN: API_TOKEN, LOG_LEVEL: 'debug', CPR_LOG_LEVEL: 'debug' } },
  });
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      apiLog.push(chunk.toString());
      done();
    },
  });
  const logger = pino({ level: 'debug', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink) as unknown as FastifyBaseLogger;
  api = await buildApi({ client: stack.client, token: API_TOKEN, logger });
  await api.listen({ port: 0, host: '127.0.0.1' });
  const a = api.server.address();
  apiUrl = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});

afterAll(async () => {
  await api?.close();
  await stack?.close();
  await new Promise<void>((r) => webhookServer?.close(() => r()));
});

it('runs a recovery carrying injection payloads in every free-text field; no RunCommand ever contains them and no secret leaks', async () => {
  const demo = chooseDemoRecovery(await fetchEmulatorState(stack.emulatorUrl));
  const input = { ...(demo.input as Record<string, unknown>), requestedBy: PAYLOADS.join(' ') };

  // Fields with a strict grammar refuse every payload outright (and start nothing).
  const strictFields: [string, (p: string) => Record<string, unknown>][] = [
    ['backupFileId', (p) => ({ ...input, backupFileId: `bf-demo${p}` })],
    ['instanceIds', (p) => ({ ...input, instanceIds: [`acp-demo00001${p}`] })],
    ['backupFilePath', (p) => ({ ...input, backupFilePath: `oss://cloudphone-saved-bucket-x/a${p}` })],
    ['uploadEndpoint', (p) => ({ ...input, uploadEndpoint: `oss-cn${p}.aliyuncs.com` })],
    ['verification.packages', (p) => ({ ...input, verification: { packages: [`com.example${p}`] } })],
    ['verification.customChecks', (p) => ({ ...input, verification: { customChecks: [`check${p}`] } })],
    ['snapshotDirectory', (p) => ({ ...input, snapshotDirectory: `oss://cloudphone-saved-bucket-x/${p}/` })],
  ];
  for (const [field, make] of strictFields) {
    for (const p of PAYLOADS) {
      const res = await call('POST', '/v1/recoveries', make(p));
      expect({ field, status: res.status }).toEqual({ field, status: 400 });
    }
  }
  // Nothing of a recovery's started (the worker's own vendor-budget coordinator is not a run).
  expect((await stack.client.workflow.count("WorkflowType != 'vendorBudget'")).count).toBe(0);

  // requestedBy is free text by design: it must be carried for audit and never reach a command.
  const started = await call('POST', '/v1/recoveries', input);
  expect(started.status).toBe(202);
  const { workflowId } = JSON.parse(started.text) as { workflowId: string };
  const result = await stack.client.workflow.getHandle(workflowId).result();
  expect(result.counts.total).toBeGreaterThan(0);

  const commands = await stack.admin.allCalls(0, 'RunCommand');
  expect(commands.length).toBeGreaterThan(0); // verification did run commands
  for (const c of commands) expect(JSON.stringify(c.params)).not.toContain(PAYLOAD_MARK);

  // ---- secrets ----
  const report = await call('GET', `/v1/recoveries/${encodeURIComponent(workflowId)}/report`);
  const status = await call('GET', `/v1/recoveries/${encodeURIComponent(workflowId)}`);
  const histories: string[] = [];
  for await (const wf of stack.client.workflow.list()) {
    histories.push(JSON.stringify(await stack.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory()));
  }
  // An error path too: a wrong token and a wrong AccessKey secret produce errors that must not echo secrets.
  const unauth = await call('GET', `/v1/recoveries/${encodeURIComponent(workflowId)}`, undefined, `${API_TOKEN}x`);
  expect(unauth.status).toBe(401);
  const calls = await stack.admin.allCalls();
  const corpus: Record<string, string> = {
    workerLogs: stack.workerOutput(),
    apiLogs: apiLog.join(''),
    apiResponses: [started.text, report.text, status.text, unauth.text].join('\n'),
    histories: histories.join('\n'),
    webhooks: webhookBodies.join('\n'),
    emulatorCallLog: JSON.stringify(calls),
  };
  expect(corpus.workerLogs.length).toBeGreaterThan(0);
  expect(corpus.histories.length).toBeGreaterThan(1000);
  for (const secret of [stack.accessKeySecret, API_TOKEN, WEBHOOK_SECRET]) {
    for (const [where, text] of Object.entries(corpus)) {
      expect({ where, leaked: text.includes(secret) }).toEqual({ where, leaked: false });
    }
  }
});
