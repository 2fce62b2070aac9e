import type { EcpErrorKind } from './types';
import {
  API_MISMATCH_CODES,
  AUTH_ERROR_CODES,
  AUTH_ERROR_PREFIXES,
  NONCE_REUSED_CODE,
  OPERATION_ERROR_CODES,
  SERVER_ERROR_CODES,
  THROTTLING_CODES,
  THROTTLING_PREFIX,
} from './vendor-facts';

export interface EcpErrorInit {
  action: string;
  code: string;
  kind: EcpErrorKind;
  vendorMessage: string;
  httpStatus?: number;
  requestId?: string;
  mayHaveSucceeded?: boolean;
}

/**
 * The only error type that leaves the ECP client. It carries no `cause`: the library's error holds
 * the request (headers, StringToSign) and would be serialised into workflow histories.
 */
export class EcpError extends Error {
  override readonly name = 'EcpError';
  readonly action: string;
  readonly code: string;
  readonly kind: EcpErrorKind;
  readonly vendorMessage: string;
  readonly httpStatus?: number;
  readonly requestId?: string;
  /**
   * True when the request may have reached the service and taken effect (timeouts after sending,
   * reset connections, 5xx, unparsable replies). Non-idempotent calls such as RecoverApp must be
   * reconciled (DescribeTasks) rather than blindly retried when this is set.
   */
  readonly mayHaveSucceeded: boolean;

  constructor(init: EcpErrorInit) {
    const status = init.httpStatus !== undefined ? ` (HTTP ${init.httpStatus})` : '';
    const rid = init.requestId ? ` [RequestId ${init.requestId}]` : '';
    super(`${init.action} failed: ${init.code}${status}: ${init.vendorMessage}${rid}`);
    this.action = init.action;
    this.code = init.code;
    this.kind = init.kind;
    this.vendorMessage = init.vendorMessage;
    this.httpStatus = init.httpStatus;
    this.requestId = init.requestId;
    this.mayHaveSucceeded = init.mayHaveSucceeded ?? false;
  }

  /** Plain, log-safe object (pino and Temporal failure details). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      action: this.action,
      code: this.code,
      kind: this.kind,
      httpStatus: this.httpStatus,
      requestId: this.requestId,
      mayHaveSucceeded: this.mayHaveSucceeded,
      message: this.message,
    };
  }
}

/**
 * A definite refusal: the vendor answered and did not apply the call (HTTP 4xx with an error code, not
 * throttling or auth). Callers read vendor state to learn why rather than trusting the code, which an
 * unfamiliar cloud may spell differently (docs/vendor-facts.md).
 */
export function isRefusal(err: EcpError): boolean {
  if (err.kind === 'invalid' || err.kind === 'notFound') return true;
  return err.kind === 'unknown' && !err.mayHaveSucceeded && err.httpStatus !== undefined && err.httpStatus >= 400 && err.httpStatus < 500;
}

export function isRetryable(kind: EcpErrorKind): boolean {
  return kind === 'throttled' || kind === 'transient';
}

export function isEcpError(err: unknown): err is EcpError {
  return err instanceof EcpError;
}

const MAX_MESSAGE = 500;

/**
 * Removes anything that could carry signing material. A V3 SignatureDoesNotMatch message echoes the
 * server's StringToSign; the secret itself never should be there, but if a known secret is passed we
 * strip it too, in case some gateway echoes more than it should.
 */
export function scrubMessage(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) {
    if (s.length >= 4) out = out.split(s).join('[redacted]');
  }
  out = out.replace(/(server\s+)?StringToSign[\s\S]*$/i, '[signing details redacted]');
  out = out.replace(/(Signature=)[0-9a-fA-F]{16,}/g, '$1[redacted]');
  out = out.replace(/(x-acs-security-token[:=]\s*)\S+/gi, '$1[redacted]');
  return out.length > MAX_MESSAGE ? `${out.slice(0, MAX_MESSAGE)}…` : out;
}

interface ErrorShape {
  code?: string;
  status?: number;
  name: string;
  message: string;
  vendorMessage?: string;
  requestId?: string;
}

function readShape(err: unknown): ErrorShape {
  if (!(err instanceof Error) && (typeof err !== 'object' || err === null)) {
    return { name: 'NonError', message: String(err) };
  }
  const o = err as Record<string, unknown>;
  const data = typeof o.data === 'object' && o.data !== null ? (o.data as Record<string, unknown>) : undefined;
  const rawCode = o.code;
  // The library stringifies a missing Code into the literal "undefined".
  const code = typeof rawCode === 'string' && rawCode !== '' && rawCode !== 'undefined' ? rawCode : undefined;
  const statusRaw = o.statusCode ?? data?.statusCode;
  const status = typeof statusRaw === 'number' ? statusRaw : typeof statusRaw === 'string' ? Number(statusRaw) : NaN;
  const vendorMessage = data ? firstString(data.Message, data.message) : undefined;
  const requestId = data ? firstString(data.RequestId, data.requestId) : undefined;
  return {
    code,
    status: Number.isFinite(status) ? status : undefined,
    name: typeof o.name === 'string' ? o.name : 'Error',
    message: typeof o.message === 'string' ? o.message : '',
    vendorMessage,
    requestId,
  };
}

function firstString(...vals: unknown[]): string | undefined {
  for (const v of vals) if (typeof v === 'string' && v !== '') return v;
  return undefined;
}

const AUTH_CODES = new Set(AUTH_ERROR_CODES);
const AUTH_PREFIXES = AUTH_ERROR_PREFIXES;
const TRANSIENT_CODES = new Set([
  ...SERVER_ERROR_CODES,
  // A replayed nonce is a client bug or a duplicate send; the next attempt signs with a fresh nonce.
  NONCE_REUSED_CODE,
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ECONNABORTED',
]);
// These sockets never carried the request, so nothing can have happened on the server.
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'ENOTFOUND', NONCE_REUSED_CODE]);
const NOT_FOUND_CODES = new Set<string>([OPERATION_ERROR_CODES.backupNotFound, OPERATION_ERROR_CODES.instanceNotFound]);
const INVALID_CODES = new Set<string>([
  OPERATION_ERROR_CODES.instanceWrongStatus,
  OPERATION_ERROR_CODES.backupWrongStatus,
  // An unknown action or version is our bug, not a missing resource.
  ...API_MISMATCH_CODES,
]);

// Generic spellings of "not found" and "invalid" across Alibaba Cloud products, so an unfamiliar
// operation code still gets a sensible kind. Decisions never depend on it: they read vendor state.
const NOT_FOUND_PATTERN = /(\.NotFound|\.NotExist|NotExist\.|^EntityNotExist)/;
const INVALID_PATTERN = /^(IllegalParameter|Parameter\.|Incorrect)|\.(Invalid|Mismatch|StatusNotSupport|NotSupported?)$/;

interface Verdict {
  kind: EcpErrorKind;
  code: string;
  mayHaveSucceeded: boolean;
}

function decide(s: ErrorShape): Verdict {
  const code = s.code;
  const status = s.status;
  if ((code && (code.startsWith(THROTTLING_PREFIX) || THROTTLING_CODES.includes(code))) || status === 429) {
    return { kind: 'throttled', code: code ?? 'Throttling', mayHaveSucceeded: false };
  }
  if (code && (AUTH_CODES.has(code) || AUTH_PREFIXES.some((p) => code.startsWith(p)))) {
    return { kind: 'auth', code, mayHaveSucceeded: false };
  }
  if (!code && /unable to get credentials/i.test(s.message)) {
    return { kind: 'auth', code: 'CredentialsUnavailable', mayHaveSucceeded: false };
  }
  // tea-util's assertAsMap: the body was JSON but not an object (e.g. `null`), same meaning as above.
  if (s.name === 'SyntaxError' || (!code && /^The value is not a object/.test(s.message))) {
    // Unparsable body: an HTML gateway page, or a 2xx whose JSON we could not read (so it may have worked).
    return { kind: 'transient', code: 'MalformedResponse', mayHaveSucceeded: true };
  }
  if (s.name.endsWith('RequestTimeoutError') || /\b(ReadTimeout|ConnectTimeout)\b/.test(s.message)) {
    const which = /ConnectTimeout/.test(s.message) ? 'ConnectTimeout' : 'ReadTimeout';
    return { kind: 'transient', code: which, mayHaveSucceeded: true };
  }
  if (code && TRANSIENT_CODES.has(code)) {
    return { kind: 'transient', code, mayHaveSucceeded: !NOT_SENT_CODES.has(code) };
  }
  if (/socket hang up/i.test(s.message)) {
    return { kind: 'transient', code: code ?? 'SocketHangUp', mayHaveSucceeded: true };
  }
  if (status !== undefined && status >= 500) {
    return { kind: 'transient', code: code ?? `HTTP${status}`, mayHaveSucceeded: true };
  }
  if (code && (NOT_FOUND_CODES.has(code) || NOT_FOUND_PATTERN.test(code)) && !INVALID_CODES.has(code)) {
    return { kind: 'notFound', code, mayHaveSucceeded: false };
  }
  if (status === 404 && !(code && INVALID_CODES.has(code))) {
    return { kind: 'notFound', code: code ?? 'HTTP404', mayHaveSucceeded: false };
  }
  if (code && (INVALID_CODES.has(code) || code.startsWith('Missing') || code.startsWith('Invalid') || INVALID_PATTERN.test(code))) {
    return { kind: 'invalid', code, mayHaveSucceeded: false };
  }
  if (code === 'ENOTFOUND') return { kind: 'unknown', code, mayHaveSucceeded: false };
  return { kind: 'unknown', code: code ?? (status !== undefined ? `HTTP${status}` : s.name), mayHaveSucceeded: status === undefined };
}

/**
 * Maps anything the library (or Node) throws into an EcpError. Rules follow docs/wire-protocol.md (Replies and errors):
 * classify by `code` and `statusCode`, never by class, because the library throws plain Errors.
 */
export function classifyError(action: string, err: unknown, secrets: readonly string[] = []): EcpError {
  if (err instanceof EcpError) return err;
  const s = readShape(err);
  const v = decide(s);
  const raw = s.vendorMessage ?? stripLibraryPrefix(s.message, s.code);
  return new EcpError({
    action,
    code: v.code,
    kind: v.kind,
    vendorMessage: scrubMessage(raw, secrets),
    httpStatus: s.status,
    requestId: s.requestId,
    mayHaveSucceeded: v.mayHaveSucceeded,
  });
}

function stripLibraryPrefix(message: string, code: string | undefined): string {
  // "Code: code: 400, Text request id: X" → keep only "Text"; otherwise the whole message.
  const m = /^[^:]*: code: \d+, ([\s\S]*?) request id: [\s\S]*$/.exec(message);
  if (m) return m[1] ?? message;
  return code && message.startsWith(`${code}: `) ? message.slice(code.length + 2) : message;
}
