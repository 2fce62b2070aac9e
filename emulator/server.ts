import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN_PREFIX, handleAdminRequest } from './admin/admin-routes';
import { handleApiRequest } from './api-handler';
import { DEFAULT_CONFIG, mergeConfig, type EmulatorConfig } from './config';
import { readBody, sendJson } from './http-util';
import { outageRequestSchema, type Outage, type OutageRequest } from './outage';
import { EmulatorRuntime } from './runtime';
import { readStateFile, StateSaver } from './state-file';
import type { EmulatorSeed } from './seed';

export type { EmulatorConfig } from './config';
export type { EmulatorSeed } from './seed';

export const DEFAULT_ACCESS_KEY_ID = 'cpr-emulator-id';
export const DEFAULT_ACCESS_KEY_SECRET = 'cpr-emulator-secret';

export interface EmulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Default 'demo'. */
  seed?: EmulatorSeed | 'demo';
  accessKeyId?: string;
  accessKeySecret?: string;
  config?: Partial<EmulatorConfig>;
  /**
   * Keep the state in this file: loaded at start when it exists (instead of `seed`; `config` applies on top of
   * the saved config), saved every second when changed and on `close()`.
   */
  stateFile?: string;
}

export interface RunningEmulator {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`, no scheme: what the client's `Config.endpoint` takes. */
  endpoint: string;
  port: number;
  /** Same as `POST /__emulator/outage`. In `refuse` mode the port stops listening until the outage ends. */
  startOutage(request: OutageRequest): Outage;
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  const config = mergeConfig(DEFAULT_CONFIG, options.config ?? {});
  const accessKeys = new Map([[options.accessKeyId ?? DEFAULT_ACCESS_KEY_ID, options.accessKeySecret ?? DEFAULT_ACCESS_KEY_SECRET]]);
  const runtime = new EmulatorRuntime(config, accessKeys);
  const saved = options.stateFile === undefined ? undefined : readStateFile(options.stateFile);
  if (saved) runtime.restore(saved, options.config ?? {});
  else runtime.reset(options.seed ?? 'demo');
  const saver = options.stateFile === undefined ? undefined : new StateSaver(options.stateFile, runtime);

  let refuseTimer: NodeJS.Timeout | undefined;
  let closed = false;
  const listen = (port: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  /** Refuse mode: stop listening, reset every open connection, listen again on the same port at `endsAt`. */
  const refuseUntil = (endsAt: number): void => {
    if (refuseTimer) clearTimeout(refuseTimer);
    if (server.listening) server.close();
    server.closeAllConnections();
    refuseTimer = setTimeout(
      () => {
        refuseTimer = undefined;
        if (closed) return;
        listen(port).catch((error: unknown) => {
          process.stderr.write(`[emulator] could not listen again on port ${port} after the outage: ${String(error)}\n`);
        });
      },
      Math.max(0, endsAt - Date.now()),
    );
  };

  const server: Server = createServer((req, res) => {
    void dispatch(runtime, req, res).then(() => {
      const endsAt = runtime.outage.takePendingRefuse();
      if (endsAt === undefined) return;
      // Let the admin reply that started the outage reach its caller first.
      if (res.writableFinished) refuseUntil(endsAt);
      else res.once('finish', () => refuseUntil(endsAt));
    });
  });
  // Longer than client keep-alive pools expect, so a reused socket is not closed under a request.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  await listen(options.port ?? 0);
  saver?.start();
  const port = (server.address() as AddressInfo).port;
  const endpoint = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${endpoint}`,
    endpoint,
    port,
    startOutage(request: OutageRequest): Outage {
      const outage = runtime.outage.start(outageRequestSchema.parse(request), Date.now());
      const endsAt = runtime.outage.takePendingRefuse();
      if (endsAt !== undefined) refuseUntil(endsAt);
      return outage;
    },
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        closed = true;
        if (refuseTimer) clearTimeout(refuseTimer);
        // Connections in flight are reset below; what they changed so far is kept.
        saver?.stop();
        if (!server.listening) {
          server.closeAllConnections();
          resolve();
          return;
        }
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

async function dispatch(runtime: EmulatorRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Every reply carries the server's clock as clients see it (so a skewed emulator clock is visible).
  res.setHeader('date', new Date(runtime.clientClock()).toUTCString());
  try {
    const body = await readBody(req);
    const url = req.url ?? '/';
    if (url === ADMIN_PREFIX || url.startsWith(`${ADMIN_PREFIX}/`) || url.startsWith(`${ADMIN_PREFIX}?`)) {
      await handleAdminRequest(runtime, req, res, body, url);
    } else {
      await handleApiRequest(runtime, req, res, body);
    }
  } catch (error) {
    if (!res.headersSent && !res.destroyed) {
      sendJson(res, 400, { Code: 'InvalidRequest', Message: error instanceof Error ? error.message : String(error) });
    }
  }
}
