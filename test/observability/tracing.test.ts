// One trace from the API request down to each vendor call: the real HTTP API, the real observed worker
// (the one operators run, with tracing started), the real dev server and the emulator over signed HTTP.
// Spans are collected in process by an in-memory exporter.
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SpanKind } from '@opentelemetry/api';
import { loadEcpConfig } from '../../activities/ecp';
import { DEMO_BACKUP_1, DEMO_TARGETS } from '../../emulator/demo-seed';
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, startEmulator, type RunningEmulator } from '../../emulator/server';
import { createLogger } from '../../worker/logging';
import { createMetrics } from '../../worker/metrics';
import { startObservedWorker } from '../../worker/observed-worker';
import { loadTracingConfig, startTracing, type Tracing } from '../../worker/tracing';
import { startApi } from '../api/api-harness';
import { connectTestTemporal, terminateLeaseRegistries, uniqueId, uniqueTaskQueue, type TestTemporal } from '../harness/temporal';
import { waitFor } from '../harness/wait';

let temporal: TestTemporal;
let emulator: RunningEmulator;
let tracing: Tracing;
const spans = new InMemorySpanExporter();
const leasePrefix = uniqueId('trace-lease');

beforeAll(async () => {
  tracing = startTracing({ spanProcessor: new SimpleSpanProcessor(spans) })!;
  temporal = await connectTestTemporal();
  emulator = await startEmulator({ seed: 'demo', config: { timeScale: 0.01, qpsPerAction: 0 } });
});

afterAll(async () => {
  await terminateLeaseRegistries(temporal.client, leasePrefix);
  await emulator?.close();
  await temporal?.close();
  await tracing?.shutdown();
});

const LIMITS = {
  maxAttemptsPerInstance: 3,
  taskTimeoutMs: 10_000,
  pollIntervalMinMs: 50,
  pollIntervalMaxMs: 200,
  busyWaitMs: 0,
  approvalTimeoutMs: 60_000,
};

it('joins the API request, the workflow, its activities and every vendor call in one trace, and logs carry the trace ID', async () => {
  const taskQueue = uniqueTaskQueue('trace');
  const logLines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(JSON.parse(line)) } });
  const worker = await startObservedWorker({
    address: temporal.address,
    namespace: temporal.namespace,
    taskQueue,
    ecpConfig: loadEcpConfig(
      { CPR_ECP_ENDPOINT: emulator.endpoint, CPR_ECP_PROTOCOL: 'http' },
      { credentials: { accessKeyId: DEFAULT_ACCESS_KEY_ID, accessKeySecret: DEFAULT_ACCESS_KEY_SECRET } },
    ),
    metrics: createMetrics(),
    logger,
    tracing,
    tuning: { vendorQps: 1000, shutdownGraceTime: 0, leases: { registryIdPrefix: leasePrefix } },
  });
  const api = await startApi(temporal.client, taskQueue);
  try {
    const started = await api.call('POST', '/v1/recoveries', {
      body: { backupFileId: DEMO_BACKUP_1, instanceIds: [DEMO_TARGETS[0]], onBusyInstance: 'fail', limits: LIMITS },
      headers: { 'idempotency-key': uniqueId('trace') },
    });
    expect(started.status).toBe(202);
    const workflowId: string = started.json.workflowId;
    const result = await temporal.client.workflow.getHandle(workflowId).result();
    expect(result.outcome).toBe('succeeded');

    const root = await waitFor('the API request span', () =>
      spans.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER && s.name === 'POST /v1/recoveries'),
    );
    const traceId = root.spanContext().traceId;
    expect(root.attributes['http.response.status_code']).toBe(202);
    const inTrace = (): ReadableSpan[] => spans.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    // The workflow's own span ends with the run; workflow spans arrive through the worker's sink.
    await waitFor('the workflow run span', () => inTrace().some((s) => s.name === 'RunWorkflow:recoverApp'));
    const trace = inTrace();
    const byId = new Map(trace.map((s) => [s.spanContext().spanId, s]));
    /** Span names from this span up to the root. */
    const ancestry = (span: ReadableSpan): string[] => {
      const names: string[] = [];
      for (let s: ReadableSpan | undefined = span; s; s = s.parentSpanId ? byId.get(s.parentSpanId) : undefined) names.push(s.name);
      return names;
    };

    // Every vendor call of the run is a span of this trace, under an activity, under the workflow, under the request.
    const recover = trace.find((s) => s.name === 'ecp RecoverApp');
    expect(recover).toBeDefined();
    expect(recover!.attributes).toMatchObject({ 'cpr.vendor.action': 'RecoverApp', 'cpr.vendor.outcome': 'ok' });
    expect(recover!.attributes['cpr.vendor.request_id']).toEqual(expect.stringMatching(/\S/));
    const chain = ancestry(recover!);
    expect(chain[0]).toBe('ecp RecoverApp');
    expect(chain[1]).toMatch(/^RunActivity:/);
    expect(chain[2]).toMatch(/^StartActivity:/);
    expect(chain).toContain('RunWorkflow:recoverApp');
    expect(chain).toContain('StartWorkflow:recoverApp');
    expect(chain[chain.length - 1]).toBe('POST /v1/recoveries');
    for (const action of ['DescribeBackupFiles', 'DescribeAndroidInstances', 'DescribeTasks', 'RunCommand', 'DeleteBackupFile']) {
      const call = trace.find((s) => s.name === `ecp ${action}`);
      expect({ action, rootedAtRequest: call ? ancestry(call).at(-1) : undefined }).toEqual({
        action,
        rootedAtRequest: 'POST /v1/recoveries',
      });
    }

    // The vendor-call log line of RecoverApp carries the trace and its own span.
    const line = logLines.find((l) => l.vendorAction === 'RecoverApp' && l.workflowId === workflowId);
    expect(line).toMatchObject({
      trace_id: traceId,
      span_id: recover!.spanContext().spanId,
      requestId: recover!.attributes['cpr.vendor.request_id'],
    });

    // A caller's own trace is continued (W3C traceparent).
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    expect((await api.call('GET', '/healthz', { headers: { traceparent: `00-${callerTrace}-00f067aa0ba902b7-01` } })).status).toBe(200);
    const health = await waitFor('the health request span', () => spans.getFinishedSpans().find((s) => s.name === 'GET /healthz'));
    expect({ traceId: health.spanContext().traceId, parent: health.parentSpanId }).toEqual({
      traceId: callerTrace,
      parent: '00f067aa0ba902b7',
    });
  } finally {
    await api.close();
    await worker.stop();
  }
});

it('is off unless configured, and names the variable of a bad setting', () => {
  expect(loadTracingConfig({})).toBeUndefined();
  expect(loadTracingConfig({ OTEL_SERVICE_NAME: 'x' })).toBeUndefined();
  expect(loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual({
    exporter: 'otlp',
    protocol: 'http/protobuf',
  });
  expect(loadTracingConfig({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toEqual({
    exporter: 'otlp',
    protocol: 'grpc',
  });
  expect(loadTracingConfig({ OTEL_TRACES_EXPORTER: 'console' })).toEqual({ exporter: 'console', protocol: 'http/protobuf' });
  expect(loadTracingConfig({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBeUndefined();
  expect(loadTracingConfig({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' })).toBeUndefined();
  expect(() => loadTracingConfig({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(/OTEL_TRACES_EXPORTER: must be one of otlp, console, none/);
  expect(() => loadTracingConfig({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toThrow(
    /OTEL_EXPORTER_OTLP_PROTOCOL: must be http\/protobuf or grpc/,
  );
});
