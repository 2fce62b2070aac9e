import { request } from 'node:http';
import { signV3Request, v2Signature, wireQueryString } from '../../../emulator/wire/signature';
import type { RunningEmulator } from '../../../emulator/server';
import { TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET } from './vendor-client';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): Record<string, unknown>;
}

export function rawRequest(
  emulator: RunningEmulator,
  options: { method?: string; path?: string; query?: Record<string, string>; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  const queryText = options.query ? wireQueryString(options.query) : '';
  const path = `${options.path ?? '/'}${queryText ? `?${queryText}` : ''}`;
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: emulator.port, method: options.method ?? 'POST', path, headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> });
        });
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** A V3-signed request built with our own signer, so tests control date, nonce and headers. */
export function signedV3(
  emulator: RunningEmulator,
  action: string,
  query: Record<string, string>,
  overrides: { date?: string; nonce?: string; secret?: string; accessKeyId?: string; version?: string } = {},
): Promise<RawResponse> {
  const headers = signV3Request({
    accessKeyId: overrides.accessKeyId ?? TEST_ACCESS_KEY_ID,
    accessKeySecret: overrides.secret ?? TEST_ACCESS_KEY_SECRET,
    action,
    host: emulator.endpoint,
    query,
    date: overrides.date,
    nonce: overrides.nonce,
    version: overrides.version,
  });
  return rawRequest(emulator, { query, headers });
}

/** A legacy V2-signed request (query Signature, HMAC-SHA1). */
export function signedV2(
  emulator: RunningEmulator,
  action: string,
  business: Record<string, string>,
  overrides: { timestamp?: string; nonce?: string; secret?: string } = {},
): Promise<RawResponse> {
  const query: Record<string, string> = {
    Action: action,
    Format: 'json',
    Version: '2023-09-30',
    Timestamp: overrides.timestamp ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    SignatureNonce: overrides.nonce ?? `${Date.now()}${Math.random()}`.replace('.', ''),
    ...business,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    AccessKeyId: TEST_ACCESS_KEY_ID,
  };
  query.Signature = v2Signature('POST', query, overrides.secret ?? TEST_ACCESS_KEY_SECRET);
  return rawRequest(emulator, { query, headers: { host: emulator.endpoint, 'x-acs-action': action, 'x-acs-version': '2023-09-30' } });
}
