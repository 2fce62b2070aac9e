// Serves the operator console (built by scripts/build-console.ts into dist/console/) at /console.
// The page is static and public; every piece of data it shows comes from /v1 with the caller's
// session. Only the files the build produced are served (no paths from the request reach the disk),
// gzip-compressed when the browser accepts it, under a Content-Security-Policy that allows nothing
// from other origins.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const CONSOLE_PATH = '/console';
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

interface Asset {
  type: string;
  body: Buffer;
  gzip: Buffer;
}

/** dist/console of the package this file belongs to (source via tsx, or compiled into dist/). */
export function defaultConsoleDir(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'console');
}

export function registerConsole(app: FastifyInstance, dir = process.env.CPR_CONSOLE_DIR || defaultConsoleDir()): void {
  let assets: Map<string, Asset> | undefined;
  // Read once the build exists, so a console built after the API started is still served.
  const load = (): Map<string, Asset> | undefined => (assets ??= readAssets(dir));

  const serve = async (request: FastifyRequest<{ Params: { file?: string } }>, reply: FastifyReply): Promise<FastifyReply> => {
    const files = load();
    if (!files) {
      return reply.code(503).send({ error: 'unavailable', message: `the console is not built (${dir} is missing): run npm run build:console` });
    }
    const asset = files.get(request.params.file || 'index.html');
    if (!asset) return reply.code(404).send({ error: 'not_found', message: `no console file ${request.params.file}` });
    reply.headers(SECURITY_HEADERS).header('content-type', asset.type).header('cache-control', 'no-cache').header('vary', 'accept-encoding');
    if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(asset.gzip);
    return reply.send(asset.body);
  };

  app.get(CONSOLE_PATH, { config: { auth: false } }, async (_request, reply) => reply.redirect(`${CONSOLE_PATH}/`));
  app.get(`${CONSOLE_PATH}/`, { config: { auth: false } }, serve);
  app.get(`${CONSOLE_PATH}/:file`, { config: { auth: false } }, serve);
}

function readAssets(dir: string): Map<string, Asset> | undefined {
  if (!existsSync(join(dir, 'index.html'))) return undefined;
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const type = CONTENT_TYPES[extname(name)];
    if (!type) continue;
    const body = readFileSync(join(dir, name));
    assets.set(name, { type, body, gzip: gzipSync(body, { level: 9 }) });
  }
  return assets;
}
