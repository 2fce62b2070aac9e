// OpenTelemetry tracing for the worker and the HTTP API, OFF unless configured with the standard OTEL_*
// variables (README, Configuration). One trace runs from the API request (root span, client/api/server.ts)
// through the Temporal client's start (its headers carry the context), the workflow and its activities
// (Temporal's OpenTelemetry interceptors) down to each vendor call (activities/ecp/call.ts).
//
// When off, nothing but `@opentelemetry/api` is loaded: its tracer is a no-op, vendor-call spans cost a
// function call, no interceptor is installed and the workflow bundle carries no tracing code. The SDK,
// exporters and Temporal interceptors are required lazily, only once tracing is started.
//
// This module must stay free of value imports of @temporalio/worker: the API process loads it too.
import { context, trace, isSpanContextValid, type Tracer } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Client, WorkflowClientInterceptor } from '@temporalio/client';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';

type Env = Record<string, string | undefined>;

/** The instrumentation scope of the product's own spans (API requests, vendor calls). */
export const TRACER_NAME = 'cloudphone-recovery';
export const DEFAULT_SERVICE_NAME = 'cloudphone-recovery';

/** The product's tracer: a no-op until startTracing registered a provider. */
export function productTracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

export type OtlpProtocol = 'http/protobuf' | 'grpc';

export interface TracingConfig {
  exporter: 'otlp' | 'console';
  protocol: OtlpProtocol;
}

export class TracingConfigError extends Error {
  override readonly name = 'TracingConfigError';
}

/**
 * Tracing is on when OTEL_TRACES_EXPORTER names an exporter (`otlp`, `console`) or an OTLP endpoint is
 * set (OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT); `OTEL_TRACES_EXPORTER=none` or
 * `OTEL_SDK_DISABLED=true` turn it off. Unlike the OpenTelemetry default (`otlp`), nothing is exported
 * unless asked for. Endpoint, headers, timeout, sampler, batching and resource attributes are read by the
 * OpenTelemetry SDK itself from their standard variables.
 */
export function loadTracingConfig(env: Env): TracingConfig | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const protocolText = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf').trim();
  if (protocolText !== 'http/protobuf' && protocolText !== 'grpc') {
    throw new TracingConfigError(`OTEL_EXPORTER_OTLP_PROTOCOL: must be http/protobuf or grpc, got "${protocolText}"`);
  }
  const protocol: OtlpProtocol = protocolText;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (exporters.length === 0) {
    return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT ? { exporter: 'otlp', protocol } : undefined;
  }
  if (exporters.includes('none')) return undefined;
  const [exporter, ...rest] = exporters;
  if (rest.length > 0 || (exporter !== 'otlp' && exporter !== 'console')) {
    throw new TracingConfigError(`OTEL_TRACES_EXPORTER: must be one of otlp, console, none, got "${env.OTEL_TRACES_EXPORTER}"`);
  }
  return { exporter, protocol };
}

export interface Tracing {
  resource: Resource;
  spanProcessor: SpanProcessor;
  /** Ends the exporter after sending what is buffered. */
  shutdown(): Promise<void>;
}

let active: Tracing | undefined;

/** The tracing this process started, if any. */
export function activeTracing(): Tracing | undefined {
  return active;
}

export interface StartTracingOptions {
  env?: Env;
  /** Export through this processor instead of the configured exporter (tests: an in-memory exporter); turns tracing on. */
  spanProcessor?: SpanProcessor;
}

/**
 * Starts tracing for this process when configured (or when a span processor is given): registers the
 * global tracer provider, the AsyncLocalStorage context manager and the W3C propagators. Returns
 * undefined when tracing is off. A second call returns the tracing already started.
 */
export function startTracing(options: StartTracingOptions = {}): Tracing | undefined {
  if (active) return active;
  const env = options.env ?? process.env;
  const config = options.spanProcessor ? undefined : loadTracingConfig(env);
  if (!options.spanProcessor && !config) return undefined;
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded only when tracing is on */
  const base = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const resources = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { AsyncLocalStorageContextManager } =
    require('@opentelemetry/context-async-hooks') as typeof import('@opentelemetry/context-async-hooks');
  /* eslint-enable @typescript-eslint/no-require-imports */
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (read by the env detector) win over the default name.
  const resource = new resources.Resource({ 'service.name': DEFAULT_SERVICE_NAME }).merge(resources.envDetectorSync.detect());
  const spanProcessor = options.spanProcessor ?? new base.BatchSpanProcessor(createExporter(config!));
  const provider = new base.BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register({ contextManager: new AsyncLocalStorageContextManager().enable() });
  active = {
    resource,
    spanProcessor,
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      active = undefined;
    },
  };
  return active;
}

function createExporter(config: TracingConfig): SpanExporter {
  /* eslint-disable @typescript-eslint/no-require-imports -- one exporter package is loaded, the one configured */
  if (config.exporter === 'console') {
    return new (require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base')).ConsoleSpanExporter();
  }
  // Endpoint, headers, timeout and compression come from the OTEL_EXPORTER_OTLP_* variables.
  if (config.protocol === 'grpc') {
    return new (
      require('@opentelemetry/exporter-trace-otlp-grpc') as typeof import('@opentelemetry/exporter-trace-otlp-grpc')
    ).OTLPTraceExporter();
  }
  return new (
    require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto')
  ).OTLPTraceExporter();
  /* eslint-enable @typescript-eslint/no-require-imports */
}

/** Fields for a log line written while a span is active (pino `mixin`): empty when none is. */
export function traceLogFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getSpan(context.active());
  if (!span) return {};
  const ctx = span.spanContext();
  return isSpanContextValid(ctx) ? { trace_id: ctx.traceId, span_id: ctx.spanId } : {};
}

// ---- Temporal wiring --------------------------------------------------------------------------------

/** The workflow interceptor module to bundle with the workflows (bundleWorkflowCode workflowInterceptorModules). */
export function workflowTracingModule(): string {
  return require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');
}

export interface WorkerTracing {
  activityInterceptors: ActivityInterceptorsFactory[];
  workflowInterceptorModules: string[];
  /** The sink the workflow interceptors export their spans through. */
  sinks: InjectedSinks<Record<string, never>>;
  clientInterceptors: WorkflowClientInterceptor[];
}

/** What the worker needs to trace workflows and activities, for the tracing started in this process. */
export function workerTracing(tracing: Tracing): WorkerTracing {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const otel = require('@temporalio/interceptors-opentelemetry') as typeof import('@temporalio/interceptors-opentelemetry');
  return {
    activityInterceptors: [
      (ctx) => ({
        inbound: new otel.OpenTelemetryActivityInboundInterceptor(ctx),
        outbound: new otel.OpenTelemetryActivityOutboundInterceptor(ctx),
      }),
    ],
    workflowInterceptorModules: [workflowTracingModule()],
    sinks: { exporter: otel.makeWorkflowExporter(tracing.spanProcessor, tracing.resource) } as unknown as InjectedSinks<
      Record<string, never>
    >,
    clientInterceptors: [new otel.OpenTelemetryWorkflowClientInterceptor()],
  };
}

/**
 * The client with the OpenTelemetry client interceptor added when tracing is on (the same client
 * otherwise): a workflow it starts continues the caller's trace.
 */
export function withClientTracing(client: Client): Client {
  if (!active) return client;
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded only when tracing is on */
  const { Client: TemporalClient } = require('@temporalio/client') as typeof import('@temporalio/client');
  const otel =
    require('@temporalio/interceptors-opentelemetry/lib/client') as typeof import('@temporalio/interceptors-opentelemetry/lib/client');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const { options } = client;
  return new TemporalClient({
    connection: client.connection,
    namespace: options.namespace,
    identity: options.identity,
    dataConverter: options.dataConverter,
    interceptors: {
      ...options.interceptors,
      workflow: [...workflowInterceptorsOf(options.interceptors?.workflow), new otel.OpenTelemetryWorkflowClientInterceptor()],
    },
  });
}

function workflowInterceptorsOf(value: unknown): WorkflowClientInterceptor[] {
  return Array.isArray(value) ? (value as WorkflowClientInterceptor[]) : [];
}
