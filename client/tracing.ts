// The HTTP API request as the root span of a trace (OpenTelemetry, on only when tracing was started in
// this process: worker/tracing.ts). A `traceparent` header from the caller is continued. The route
// handler runs inside the span's context, so the Temporal client's start (with its tracing interceptor)
// carries the trace into the workflow.
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { activeTracing, productTracer } from '../worker/tracing';

const spans = new WeakMap<FastifyRequest, Span>();

/** Adds the request-span hooks; call before any route is registered. No-op when tracing is off. */
export function traceApiRequests(app: FastifyInstance): void {
  if (!activeTracing()) return;
  const tracer = productTracer();

  app.addHook('onRoute', (route) => {
    const handler = route.handler as RouteHandlerMethod;
    route.handler = function tracedHandler(this: FastifyInstance, request, reply) {
      const span = spans.get(request);
      return span
        ? context.with(trace.setSpan(context.active(), span), () => handler.call(this, request, reply))
        : handler.call(this, request, reply);
    } as RouteHandlerMethod;
  });

  app.addHook('onRequest', async (request) => {
    const parent = propagation.extract(context.active(), request.headers);
    const route = request.routeOptions.url ?? request.url.split('?')[0];
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'http.route': route,
          'url.path': request.url.split('?')[0],
          'cpr.request_id': request.id,
        },
      },
      parent,
    );
    spans.set(request, span);
  });

  app.addHook('onResponse', async (request, reply) => {
    const span = spans.get(request);
    if (!span) return;
    span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
    spans.delete(request);
  });

  app.addHook('onRequestAbort', async (request) => {
    spans.get(request)?.end();
    spans.delete(request);
  });

  app.addHook('onError', async (request, _reply, error) => {
    spans.get(request)?.recordException(error);
  });
}
