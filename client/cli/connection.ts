// Where the CLI, the API and the worker find Temporal: flags first, then CPR_TEMPORAL_* and the Temporal
// environment-configuration variables (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
// TEMPORAL_TLS*, the same names the `temporal` CLI and SDK env config use).
import { readFileSync } from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { CliError, EXIT } from './errors';

export interface TemporalTarget {
  address: string;
  namespace: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
}

export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

type Env = Record<string, string | undefined>;

export function resolveTemporalTarget(flags: { address?: string; namespace?: string }, env: Env = process.env): TemporalTarget {
  const address = flags.address ?? env.CPR_TEMPORAL_ADDRESS ?? env.TEMPORAL_ADDRESS ?? DEFAULT_TEMPORAL_ADDRESS;
  const namespace = flags.namespace ?? env.CPR_TEMPORAL_NAMESPACE ?? env.TEMPORAL_NAMESPACE ?? 'default';
  if (!/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/.test(address)) throw new CliError(`--address: must be host:port, got "${address}"`, EXIT.invalidInput);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(namespace)) throw new CliError('--namespace: must be a Temporal namespace name', EXIT.invalidInput);
  const apiKey = nonEmpty(env.TEMPORAL_API_KEY);
  const tls = resolveTls(env, apiKey !== undefined);
  return { address, namespace, ...(tls !== undefined ? { tls } : {}), ...(apiKey ? { apiKey } : {}) };
}

function resolveTls(env: Env, hasApiKey: boolean): TLSConfig | boolean | undefined {
  const explicit = nonEmpty(env.TEMPORAL_TLS)?.toLowerCase();
  const certPath = nonEmpty(env.TEMPORAL_TLS_CLIENT_CERT_PATH);
  const keyPath = nonEmpty(env.TEMPORAL_TLS_CLIENT_KEY_PATH);
  const caPath = nonEmpty(env.TEMPORAL_TLS_SERVER_CA_CERT_PATH);
  const certData = nonEmpty(env.TEMPORAL_TLS_CLIENT_CERT_DATA);
  const keyData = nonEmpty(env.TEMPORAL_TLS_CLIENT_KEY_DATA);
  const caData = nonEmpty(env.TEMPORAL_TLS_SERVER_CA_CERT_DATA);
  const serverName = nonEmpty(env.TEMPORAL_TLS_SERVER_NAME);
  if (explicit === 'false' || explicit === '0') return false;
  const crt = certData ? Buffer.from(certData) : certPath ? readPem(certPath, 'TEMPORAL_TLS_CLIENT_CERT_PATH') : undefined;
  const key = keyData ? Buffer.from(keyData) : keyPath ? readPem(keyPath, 'TEMPORAL_TLS_CLIENT_KEY_PATH') : undefined;
  const ca = caData ? Buffer.from(caData) : caPath ? readPem(caPath, 'TEMPORAL_TLS_SERVER_CA_CERT_PATH') : undefined;
  if ((crt && !key) || (key && !crt)) throw new CliError('TEMPORAL_TLS_CLIENT_CERT_* and TEMPORAL_TLS_CLIENT_KEY_* must be set together', EXIT.invalidInput);
  const anyTls = crt || ca || serverName || explicit === 'true' || explicit === '1' || hasApiKey;
  if (!anyTls) return undefined;
  const config: TLSConfig = {
    ...(serverName ? { serverNameOverride: serverName } : {}),
    ...(ca ? { serverRootCACertificate: ca } : {}),
    ...(crt && key ? { clientCertPair: { crt, key } } : {}),
  };
  return Object.keys(config).length ? config : true;
}

function readPem(path: string, variable: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    throw new CliError(`${variable}: cannot read ${path}`, EXIT.invalidInput);
  }
}

function nonEmpty(v: string | undefined): string | undefined {
  return v !== undefined && v.trim() !== '' ? v.trim() : undefined;
}

export interface ConnectedClient {
  client: Client;
  close(): Promise<void>;
}

export async function connectClient(target: TemporalTarget, options: { connectTimeoutMs?: number } = {}): Promise<ConnectedClient> {
  const connection = await Connection.connect({
    address: target.address,
    ...(target.tls !== undefined ? { tls: target.tls } : {}),
    ...(target.apiKey ? { apiKey: target.apiKey } : {}),
    connectTimeout: options.connectTimeoutMs ?? 10_000,
  });
  return { client: new Client({ connection, namespace: target.namespace }), close: () => connection.close() };
}
