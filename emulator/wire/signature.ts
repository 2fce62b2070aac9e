import { createHash, createHmac } from 'node:crypto';

/**
 * Signature maths shared by the verifier and by tests that craft requests by hand.
 * Follows the installed @alicloud/openapi-util byte for byte (docs/wire-protocol.md, Signing).
 */

export const V3_ALGORITHM = 'ACS3-HMAC-SHA256';
export const EMPTY_BODY_SHA256 = createHash('sha256').update('').digest('hex');

/** encodeURIComponent plus `! ' ( ) *`, so `~` stays literal and a space is `%20`. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** Names as-is (the client does not encode them), values re-encoded from their decoded form. */
export function canonicalQueryV3(query: Record<string, string>): string {
  return Object.keys(query)
    .sort()
    .map((name) => `${name}=${percentEncode(query[name])}`)
    .join('&');
}

export interface V3SigningInput {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  signedHeaders: string[];
  payloadHash: string;
}

export function v3StringToSign(input: V3SigningInput): string {
  const canonicalHeaders = input.signedHeaders.map((name) => `${name}:${(input.headers[name] ?? '').trim()}\n`).join('');
  const canonicalRequest = [
    input.method.toUpperCase(),
    input.path || '/',
    canonicalQueryV3(input.query),
    canonicalHeaders,
    input.signedHeaders.join(';'),
    input.payloadHash,
  ].join('\n');
  return `${V3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
}

export function v3Signature(input: V3SigningInput, accessKeySecret: string): string {
  return createHmac('sha256', accessKeySecret).update(v3StringToSign(input)).digest('hex');
}

export interface ParsedAuthorization {
  algorithm: string;
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

export function parseAuthorization(header: string): ParsedAuthorization | undefined {
  const match = /^(\S+)\s+(.*)$/.exec(header.trim());
  if (!match) return undefined;
  const fields = new Map<string, string>();
  for (const part of match[2].split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signedHeaders || !signature) return undefined;
  return {
    algorithm: match[1],
    accessKeyId: credential,
    signedHeaders: signedHeaders
      .split(';')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
    signature,
  };
}

/** Legacy RPC signature: `POST&%2F&<encoded canonical query>`, HMAC-SHA1 keyed with `secret&`, Base64. */
export function v2StringToSign(method: string, query: Record<string, string>): string {
  const canonical = Object.keys(query)
    .filter((name) => name !== 'Signature')
    .sort()
    .map((name) => `${percentEncode(name)}=${percentEncode(query[name])}`)
    .join('&');
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonical)}`;
}

export function v2Signature(method: string, query: Record<string, string>, accessKeySecret: string): string {
  return createHmac('sha1', `${accessKeySecret}&`).update(v2StringToSign(method, query)).digest('base64');
}

/** Builds V3 headers for a hand-made request (tests, tools). */
export function signV3Request(options: {
  accessKeyId: string;
  accessKeySecret: string;
  action: string;
  host: string;
  query: Record<string, string>;
  date?: string;
  nonce?: string;
  version?: string;
}): Record<string, string> {
  const headers: Record<string, string> = {
    host: options.host,
    'x-acs-action': options.action,
    'x-acs-version': options.version ?? '2023-09-30',
    'x-acs-date': options.date ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'x-acs-signature-nonce': options.nonce ?? createHash('md5').update(`${Math.random()}${Date.now()}`).digest('hex'),
    'x-acs-content-sha256': EMPTY_BODY_SHA256,
  };
  const signedHeaders = Object.keys(headers).sort();
  const signature = v3Signature(
    { method: 'POST', path: '/', query: options.query, headers, signedHeaders, payloadHash: EMPTY_BODY_SHA256 },
    options.accessKeySecret,
  );
  headers.authorization = `${V3_ALGORITHM} Credential=${options.accessKeyId},SignedHeaders=${signedHeaders.join(';')},Signature=${signature}`;
  return headers;
}

/** Encodes a query object the way the client puts it on the wire (Node querystring: `!*()~` stay literal). */
export function wireQueryString(query: Record<string, string>): string {
  return Object.entries(query)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&');
}
