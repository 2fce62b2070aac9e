// Where the CLI, the API and the worker find Temporal. @temporalio/envconfig reads what the `temporal`
// CLI reads: the temporal.toml profile (TEMPORAL_CONFIG_FILE, default ~/.config/temporalio/temporal.toml;
// TEMPORAL_PROFILE, default "default") overlaid with TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
// TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_GRPC_META_*. The product's own settings win over both:
// flags first, then CPR_TEMPORAL_ADDRESS / CPR_TEMPORAL_NAMESPACE.
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { loadClientConfigProfile, toClientOptions, type ClientConfigProfile } from '@temporalio/envconfig';
import { CliError, EXIT } from './errors';

export interface TemporalTarget {
  address: string;
  namespace: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  /** gRPC metadata from the profile (grpc_meta) or TEMPORAL_GRPC_META_* variables. */
  metadata?: Record<string, string>;
}

export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

type Env = Record<string, string | undefined>;

export function resolveTemporalTarget(flags: { address?: string; namespace?: string }, env: Env = process.env): TemporalTarget {
  const profile = loadProfile(env);
  let options: ReturnType<typeof toClientOptions>;
  try {
    options = toClientOptions(profile);
  } catch (err) {
    // A certificate path in the profile or a TEMPORAL_TLS_* variable that cannot be read.
    throw new CliError(`Temporal TLS settings: ${err instanceof Error ? err.message : String(err)}`, EXIT.invalidInput);
  }
  const { connectionOptions } = options;
  const address = nonEmpty(flags.address) ?? nonEmpty(env.CPR_TEMPORAL_ADDRESS) ?? nonEmpty(connectionOptions.address) ?? DEFAULT_TEMPORAL_ADDRESS;
  const namespace = nonEmpty(flags.namespace) ?? nonEmpty(env.CPR_TEMPORAL_NAMESPACE) ?? nonEmpty(options.namespace) ?? 'default';
  if (!/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/.test(address)) throw new CliError(`--address: must be host:port, got "${address}"`, EXIT.invalidInput);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(namespace)) throw new CliError('--namespace: must be a Temporal namespace name', EXIT.invalidInput);
  const apiKey = nonEmpty(connectionOptions.apiKey as string | undefined);
  const tls = connectionOptions.tls;
  const metadata = connectionOptions.metadata as Record<string, string> | undefined;
  if (tls && typeof tls === 'object' && (tls.clientCertPair?.crt === undefined) !== (tls.clientCertPair?.key === undefined)) {
    throw new CliError('Temporal TLS settings: the client certificate and key must be set together', EXIT.invalidInput);
  }
  return {
    address,
    namespace,
    ...(tls !== undefined && tls !== null ? { tls: typeof tls === 'object' ? withoutUndefined(tls) : tls } : {}),
    ...(apiKey ? { apiKey } : {}),
    ...(metadata && Object.keys(metadata).length ? { metadata } : {}),
  };
}

/** The selected temporal.toml profile with the TEMPORAL_* variables applied; a bad file or profile is bad input. */
function loadProfile(env: Env): ClientConfigProfile {
  const defined = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
  try {
    return loadClientConfigProfile({ overrideEnvVars: defined });
  } catch (err) {
    const where = defined.TEMPORAL_CONFIG_FILE ? ` (${defined.TEMPORAL_CONFIG_FILE})` : '';
    throw new CliError(`Temporal configuration${where}: ${err instanceof Error ? err.message : String(err)}`, EXIT.invalidInput);
  }
}

function withoutUndefined(tls: TLSConfig): TLSConfig | true {
  const out = Object.fromEntries(Object.entries(tls).filter(([, v]) => v !== undefined)) as TLSConfig;
  return Object.keys(out).length ? out : true;
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
    ...(target.metadata ? { metadata: target.metadata } : {}),
    connectTimeout: options.connectTimeoutMs ?? 10_000,
  });
  return { client: new Client({ connection, namespace: target.namespace }), close: () => connection.close() };
}
