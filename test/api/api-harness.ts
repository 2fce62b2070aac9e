// Runs the real HTTP API on a random port against the shared dev server, and speaks to it over real HTTP.
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { buildApi } from '../../client/api/server';
import type { RecoverAppInput } from '../../workflows/input';

export const TEST_TOKEN = `test-token-${randomBytes(12).toString('hex')}`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test assertions read arbitrary JSON
export type Json = any;

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  json: Json;
}

export interface ApiUnderTest {
  url: string;
  app: FastifyInstance;
  call(method: string, path: string, options?: { body?: unknown; rawBody?: string; token?: string | null; headers?: Record<string, string> }): Promise<HttpResult>;
  close(): Promise<void>;
}

export async function startApi(client: Client, taskQueue: string, options: { logger?: FastifyBaseLogger } = {}): Promise<ApiUnderTest> {
  const app = await buildApi({ client, token: TEST_TOKEN, taskQueue, logger: options.logger ?? false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  const url = `http://127.0.0.1:${address.port}`;
  return {
    url,
    app,
    async call(method, path, { body, rawBody, token = TEST_TOKEN, headers = {} } = {}) {
      const res = await fetch(url + path, {
        method,
        headers: {
          ...(body !== undefined || rawBody !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
        ...(rawBody !== undefined ? { body: rawBody } : body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, headers: res.headers, text, json };
    },
    close: () => app.close(),
  };
}

const lowerHex = (bytes: number): string => randomBytes(bytes).toString('hex');

export function newBackupId(): string {
  return `bf-${lowerHex(8)}`;
}

export function newInstanceIds(n: number): string[] {
  return Array.from({ length: n }, () => `acp-${lowerHex(8)}`);
}

/** A valid shorthand input with fast limits for tests. */
export function recoveryInput(overrides: Partial<RecoverAppInput> = {}): RecoverAppInput & { backupFileId: string; instanceIds: string[] } {
  return {
    backupFileId: newBackupId(),
    instanceIds: newInstanceIds(2),
    limits: { pollIntervalMinMs: 10, pollIntervalMaxMs: 50, taskTimeoutMs: 60_000, approvalTimeoutMs: 60_000 },
    ...overrides,
  } as RecoverAppInput & { backupFileId: string; instanceIds: string[] };
}
