import OpenApiClient, { Config, OpenApiRequest, Params } from '@alicloud/openapi-client';
import OpenApiUtil from '@alicloud/openapi-util';
import { RuntimeOptions } from '@alicloud/tea-util';
import Credential, { ProfileCredentialsProvider } from '@alicloud/credentials';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { EcpConfig } from './config';
import { classifyError, EcpError } from './errors';
import type { EcpErrorKind } from './types';

/** Every vendor action the product calls. */
export const ECP_ACTIONS = [
  'RecoverApp',
  'BackupApp',
  'DescribeBackupFiles',
  'DeleteBackupFile',
  'DescribeTasks',
  'DescribeAndroidInstances',
  'RunCommand',
  'DescribeInvocations',
  'StartAndroidInstance',
  'StopAndroidInstance',
] as const;
export type EcpAction = (typeof ECP_ACTIONS)[number];

export type WireScalar = string | number | boolean;
/** Business parameters with their PascalCase wire names; undefined values are dropped. */
export type WireQuery = Record<string, WireScalar | readonly string[] | undefined>;
/** The service's JSON body, PascalCase keys untouched. */
export type WireBody = Record<string, unknown>;

export interface CallResult {
  body: WireBody;
  requestId: string;
}

export interface EcpCallEvent {
  action: EcpAction;
  durationMs: number;
  outcome: 'ok' | EcpErrorKind;
  code?: string;
  requestId?: string;
}

export interface EcpHooks {
  onCall?: (event: EcpCallEvent) => void;
}

export type CallApi = (action: EcpAction, query: WireQuery) => Promise<CallResult>;

const API_VERSION = '2023-09-30';
/** Same scope as worker/tracing.ts TRACER_NAME (not imported: the vendor client does not depend on the worker). */
const tracer = trace.getTracer('cloudphone-recovery');

function buildClient(cfg: EcpConfig): OpenApiClient {
  const c = cfg.credentials;
  const config = new Config({
    endpoint: cfg.endpoint,
    protocol: cfg.protocol,
    regionId: cfg.regionId,
    // Both must be set: the connect timeout doubles as a socket idle timeout (docs/wire-protocol.md, Timeouts).
    connectTimeout: cfg.connectTimeoutMs,
    readTimeout: cfg.readTimeoutMs,
    ...(c
      ? { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, securityToken: c.securityToken }
      : // The default chain (or the named profile) resolves lazily per call, so rotated credentials are picked up.
        { credential: cfg.credentialsProfile ? profileCredential(cfg.credentialsProfile) : new Credential() }),
  });
  return new OpenApiClient(config);
}

function profileCredential(profileName: string): Credential {
  return new Credential(null, ProfileCredentialsProvider.builder().withProfileName(profileName).build());
}

/**
 * The single place that touches the vendor library. Every failure leaves as an EcpError; the hook
 * sees one event per call attempt, and a throwing hook never breaks the call.
 */
export function createCallApi(cfg: EcpConfig, hooks: EcpHooks = {}): CallApi {
  const client = buildClient(cfg);
  const secrets = cfg.credentials
    ? [cfg.credentials.accessKeySecret, ...(cfg.credentials.securityToken ? [cfg.credentials.securityToken] : [])]
    : [];
  const runtime = new RuntimeOptions({});

  const emit = (event: EcpCallEvent): void => {
    if (!hooks.onCall) return;
    try {
      hooks.onCall(event);
    } catch {
      // Metrics must never change the outcome of a vendor call.
    }
  };

  // One span per call attempt (a no-op unless tracing is on, worker/tracing.ts): the action, the vendor's
  // request ID and the outcome (ok, throttled or the error kind), as a child of the running activity.
  return (action, query) =>
    tracer.startActiveSpan(`ecp ${action}`, { kind: SpanKind.CLIENT, attributes: { 'rpc.system': 'alibaba-cloud', 'rpc.service': 'eds-aic', 'rpc.method': action, 'cpr.vendor.action': action } }, async (span) => {
      const params = new Params({
        action,
        version: API_VERSION,
        protocol: 'HTTPS',
        pathname: '/',
        method: 'POST',
        authType: 'AK',
        style: 'RPC',
        reqBodyType: 'formData',
        bodyType: 'json',
      });
      const request = new OpenApiRequest({ query: OpenApiUtil.query(stripUndefined(query)) });
      const started = performance.now();
      try {
        const res: unknown = await client.callApi(params, request, runtime);
        const body = extractBody(res);
        const requestId = typeof body.RequestId === 'string' ? body.RequestId : headerRequestId(res);
        span.setAttributes({ 'cpr.vendor.request_id': requestId, 'cpr.vendor.outcome': 'ok' });
        emit({ action, durationMs: performance.now() - started, outcome: 'ok', requestId });
        return { body, requestId };
      } catch (err) {
        const e = err instanceof EcpError ? err : classifyError(action, err, secrets);
        span.setAttributes({ 'cpr.vendor.outcome': e.kind, ...(e.code ? { 'cpr.vendor.code': e.code } : {}), ...(e.requestId ? { 'cpr.vendor.request_id': e.requestId } : {}) });
        span.setStatus({ code: SpanStatusCode.ERROR, message: e.code ?? e.kind });
        emit({
          action,
          durationMs: performance.now() - started,
          outcome: e.kind,
          code: e.code,
          ...(e.requestId ? { requestId: e.requestId } : {}),
        });
        throw e;
      } finally {
        span.end();
      }
    });
}

function stripUndefined(query: WireQuery): Record<string, WireScalar | readonly string[]> {
  const out: Record<string, WireScalar | readonly string[]> = {};
  for (const [k, v] of Object.entries(query)) if (v !== undefined) out[k] = v;
  return out;
}

function extractBody(res: unknown): WireBody {
  const body = isRecord(res) ? res.body : undefined;
  if (!isRecord(body)) {
    // Valid JSON but not an object (e.g. `null`): treat like an unparsable reply.
    const e = new SyntaxError('response body is not a JSON object');
    throw e;
  }
  return body;
}

function headerRequestId(res: unknown): string {
  const headers = isRecord(res) ? res.headers : undefined;
  const v = isRecord(headers) ? headers['x-acs-request-id'] : undefined;
  return typeof v === 'string' ? v : '';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
