import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { CallOutcome } from './call-log';
import type { EmulatorConfig } from './config';
import { dialectError } from './dialect';
import { headerRecord, sendHtml, sendJson, splitUrl } from './http-util';
import { newRequestId } from './ids';
import type { CallEffects, ResponseBody } from './ops/context';
import { API_VERSION, OPERATIONS } from './ops/registry';
import type { EmulatorRuntime } from './runtime';
import { V2_COMMON_PARAMS } from './wire/auth';
import { ApiError, errorBody } from './wire/errors';
import { drawRequestFaults, HTML_503_BODY, NO_FAULTS, type RequestFaults } from './wire/faults';
import { parseQueryString, RequestParams } from './wire/query';

const THROTTLED_MESSAGE = 'Request was denied due to user flow control.';

interface Reply {
  status: number;
  body?: ResponseBody;
  html?: string;
  code?: string;
  headers?: Record<string, string>;
}

/** Seconds a throttled client is told to wait when the reply carries `Retry-After`. */
const RETRY_AFTER_SECONDS = 1;

/** The vendor API on `POST /`: parse, authenticate, throttle, inject faults, run the operation, log. */
export async function handleApiRequest(runtime: EmulatorRuntime, req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
  const started = performance.now();
  runtime.inFlightApiCalls += 1;
  try {
    await answerApiRequest(runtime, req, res, body, started);
  } finally {
    runtime.inFlightApiCalls -= 1;
  }
}

async function answerApiRequest(
  runtime: EmulatorRuntime,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  started: number,
): Promise<void> {
  const now = Date.now();
  const requestId = newRequestId();
  const headers = headerRecord(req);
  const hostId = headers.host ?? '';
  const { path, rawQuery } = splitUrl(req.url ?? '/');
  const isForm = (headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
  const rawForm = isForm ? body.toString('utf8') : '';
  const effects: CallEffects = {};
  let action = headers['x-acs-action'] ?? '';
  let faults: RequestFaults = NO_FAULTS;

  let reply: Reply;
  try {
    if (req.method !== 'POST' || path !== '/') {
      throw new ApiError(404, 'InvalidApi.NotFound', `${req.method ?? ''} ${path} is not an API of this service; use POST /.`);
    }
    const query = parseQueryString(rawQuery);
    action = headers['x-acs-action'] ?? query.Action ?? '';
    if (runtime.outage.current(now)?.mode === '5xx') {
      throw new ApiError(503, 'ServiceUnavailable', 'The request has failed due to a temporary failure of the server.');
    }
    const version = headers['x-acs-version'] ?? query.Version;
    if (version !== API_VERSION) {
      throw new ApiError(400, 'NoSuchVersion', `The specified version "${version ?? ''}" is not supported; use ${API_VERSION}.`);
    }
    if (!action)
      throw new ApiError(
        400,
        'MissingParameter',
        'The input parameter "Action" that is mandatory for processing this request is not supplied.',
      );
    const handler = Object.hasOwn(OPERATIONS, action) ? OPERATIONS[action] : undefined;
    if (!handler)
      throw new ApiError(404, 'InvalidApi.NotFound', `Specified api is not found, please check your url and method. (${action})`);

    const caller = runtime.authenticator.authenticate({ method: req.method, path, query, headers, body }, runtime.clientClock(now));
    const config = runtime.config;
    const qps = config.qpsOverrides[action] ?? config.qpsPerAction;
    if (!runtime.rateLimiter.tryTake(caller.accessKeyId, action, qps, now)) {
      throw new ApiError(config.throttleStatus, 'Throttling.User', THROTTLED_MESSAGE);
    }
    faults = drawRequestFaults(runtime.faultRandom, config, action);
    if (faults.throttle) throw new ApiError(config.throttleStatus, 'Throttling.User', THROTTLED_MESSAGE);
    if (faults.serverError === 500)
      throw new ApiError(500, 'InternalError', 'The request processing has failed due to some unknown error.');
    if (faults.serverError === 503)
      throw new ApiError(503, 'ServiceUnavailable', 'The request has failed due to a temporary failure of the server.');
    if (faults.html) {
      reply = { status: 503, html: HTML_503_BODY, code: 'HtmlServiceUnavailable' };
    } else {
      const flat: Record<string, string> = { ...parseQueryString(rawForm), ...query };
      if (caller.scheme === 'v2') for (const name of V2_COMMON_PARAMS) delete flat[name];
      runtime.world.advance(now);
      const params = new RequestParams(flat);
      const responseBody = await handler({ world: runtime.world, config, params, requestId, now, effects });
      reply = { status: 200, body: responseBody };
    }
  } catch (error) {
    reply = replyForError(error, requestId, hostId, runtime.config);
    if (reply.code?.startsWith('Throttling') && runtime.nextThrottleGetsRetryAfter()) {
      reply.headers = { 'retry-after': String(RETRY_AFTER_SECONDS) };
    }
  }

  const outcome: CallOutcome = faults.lost
    ? 'lost'
    : reply.code?.startsWith('Throttling')
      ? 'throttled'
      : reply.status >= 400
        ? 'error'
        : 'ok';
  if (faults.lost) {
    // The operation has been applied; the caller just never hears about it.
    req.socket.destroy();
  } else {
    if (faults.slow) await untilSlowReplyDue(res, runtime.config.slowReplyMs);
    if (reply.html !== undefined) sendHtml(res, reply.status, reply.html);
    else sendJson(res, reply.status, reply.body, { 'x-acs-request-id': requestId, ...reply.headers });
  }
  runtime.callLog.record({
    time: now,
    action,
    rawQuery,
    rawForm,
    httpStatus: reply.status,
    code: reply.code,
    requestId,
    outcome,
    durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    effects,
  });
}

/** Waits `ms` before a slow reply, but no longer than the connection lives (an outage or close may reset it). */
function untilSlowReplyDue(res: ServerResponse, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.once('close', done);
  });
}

function replyForError(error: unknown, requestId: string, hostId: string, config: EmulatorConfig): Reply {
  if (error instanceof ApiError) {
    const { code, message } = config.renameErrorCodes
      ? dialectError(error.code, error.message, config.dialectSeed)
      : { code: error.code, message: error.message };
    return { status: error.httpStatus, code, body: errorBody(requestId, hostId, code, message) };
  }
  // A bug in the emulator must still look like the vendor's failure mode, and be visible.
  process.stderr.write(`[emulator] internal error: ${error instanceof Error ? error.stack : String(error)}\n`);
  return {
    status: 500,
    code: 'InternalError',
    body: errorBody(requestId, hostId, 'InternalError', 'The request processing has failed due to some unknown error.'),
  };
}
