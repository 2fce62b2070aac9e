// The console under test: the real API (named tokens with roles) on a random port, and headless
// Chromium (Debian's package, driven by playwright-core, which downloads no browser). A missing
// Chromium fails the test with what to install; it never skips.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser } from 'playwright-core';
import { hashToken, type ApiToken } from '../../client/api/api-tokens';
import type { Role } from '../../client/api/roles';
import { buildApi } from '../../client/api/server';
import { CONSOLE_OUT_DIR } from '../../scripts/build-console';

export const CHROMIUM_PATH = process.env.CPR_CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Person {
  name: string;
  token: string;
  roles: Role[];
}

export function person(name: string, roles: Role[]): Person {
  return { name, roles, token: `${name}-${randomBytes(18).toString('base64url')}` };
}

export function tokensOf(people: Person[]): ApiToken[] {
  return people.map((p) => ({ name: p.name, roles: p.roles, sha256: hashToken(p.token) }));
}

export async function startConsoleApi(client: Client, taskQueue: string, people: Person[]): Promise<{ url: string; app: FastifyInstance; close(): Promise<void> }> {
  if (!existsSync(`${CONSOLE_OUT_DIR}/index.html`)) throw new Error(`the console is not built (${CONSOLE_OUT_DIR}): run npm run build:console (npm test does it in pretest)`);
  const app = await buildApi({ client, tokens: tokensOf(people), taskQueue, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { url: `http://127.0.0.1:${address.port}`, app, close: () => app.close() };
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}: install Debian's package (apt-get update && apt-get install -y chromium; .ci/run does this) or set CPR_CHROMIUM_PATH`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}
