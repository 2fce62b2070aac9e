import { z } from 'zod';

/** Explicit AccessKey pair; when absent the @alicloud/credentials default chain is used. */
export interface EcpStaticCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export interface EcpConfig {
  /** `host[:port]`, no scheme: the client uses it verbatim as the Host header. */
  endpoint: string;
  protocol: 'http' | 'https';
  regionId: string;
  connectTimeoutMs: number;
  readTimeoutMs: number;
  credentials?: EcpStaticCredentials;
  /**
   * A profile of the Alibaba Cloud credentials file (ALIBABA_CLOUD_CREDENTIALS_FILE, default
   * ~/.alibabacloud/credentials) instead of the default chain: one account per profile (CPR_REGIONS_FILE).
   */
  credentialsProfile?: string;
}

const DEFAULT_REGION = 'cn-shanghai';
// The library's 3 s default (applied to connect *and* socket idle) fails slow but healthy replies.
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_READ_TIMEOUT_MS = 15_000;

const blankToUndefined = (v: unknown): unknown => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const timeoutMs = (fallback: number) => z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(600_000).default(fallback));

const envSchema = z.object({
  CPR_ECP_REGION: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[a-z0-9-]+$/, 'must look like cn-shanghai')
      .default(DEFAULT_REGION),
  ),
  CPR_ECP_ENDPOINT: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'must be host[:port] without scheme or path')
      .optional(),
  ),
  CPR_ECP_PROTOCOL: z.preprocess(
    (v) => (typeof v === 'string' ? blankToUndefined(v.toLowerCase()) : v),
    z.enum(['http', 'https']).default('https'),
  ),
  CPR_ECP_CONNECT_TIMEOUT_MS: timeoutMs(DEFAULT_CONNECT_TIMEOUT_MS),
  CPR_ECP_READ_TIMEOUT_MS: timeoutMs(DEFAULT_READ_TIMEOUT_MS),
});

const credentialsSchema = z.object({
  accessKeyId: z.string().min(1, 'accessKeyId must not be empty'),
  accessKeySecret: z.string().min(1, 'accessKeySecret must not be empty'),
  securityToken: z.string().min(1).optional(),
});

export class EcpConfigError extends Error {
  override readonly name = 'EcpConfigError';
}

export interface LoadEcpConfigOptions {
  /** Tests and the emulator pass keys directly instead of going through the default chain. */
  credentials?: EcpStaticCredentials;
}

/**
 * Reads `CPR_ECP_*` variables. Credentials are deliberately NOT read from `env` here: the
 * @alicloud/credentials default chain (env ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET, profile, RAM role...)
 * resolves them lazily at call time, so rotated STS tokens keep working.
 */
export function loadEcpConfig(env: Record<string, string | undefined> = process.env, options: LoadEcpConfigOptions = {}): EcpConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new EcpConfigError(`invalid Cloud Phone API configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  let credentials: EcpStaticCredentials | undefined;
  if (options.credentials) {
    const c = credentialsSchema.safeParse(options.credentials);
    if (!c.success) {
      // Only the issue messages: the value itself may be a secret.
      const problems = c.error.issues.map((i) => `credentials.${i.path.join('.')}: ${i.message}`);
      throw new EcpConfigError(`invalid Cloud Phone API credentials: ${problems.join('; ')}`);
    }
    credentials = c.data;
  }
  return {
    endpoint: e.CPR_ECP_ENDPOINT ?? `eds-aic.${e.CPR_ECP_REGION}.aliyuncs.com`,
    protocol: e.CPR_ECP_PROTOCOL,
    regionId: e.CPR_ECP_REGION,
    connectTimeoutMs: e.CPR_ECP_CONNECT_TIMEOUT_MS,
    readTimeoutMs: e.CPR_ECP_READ_TIMEOUT_MS,
    ...(credentials ? { credentials } : {}),
  };
}

export interface EcpConfigSummary {
  endpoint: string;
  protocol: string;
  regionId: string;
  connectTimeoutMs: number;
  readTimeoutMs: number;
  credentialSource: 'static' | 'sts' | 'default-chain' | `profile:${string}`;
  accessKeyId?: string;
}

/** Safe to log: the secret and STS token never appear, and the AccessKey ID is masked. */
export function describeEcpConfig(cfg: EcpConfig): EcpConfigSummary {
  const c = cfg.credentials;
  return {
    endpoint: cfg.endpoint,
    protocol: cfg.protocol,
    regionId: cfg.regionId,
    connectTimeoutMs: cfg.connectTimeoutMs,
    readTimeoutMs: cfg.readTimeoutMs,
    credentialSource: c ? (c.securityToken ? 'sts' : 'static') : cfg.credentialsProfile ? `profile:${cfg.credentialsProfile}` : 'default-chain',
    ...(c ? { accessKeyId: maskAccessKeyId(c.accessKeyId) } : {}),
  };
}

export function maskAccessKeyId(id: string): string {
  // Enough to tell two keys apart in a log, not enough to reuse.
  return id.length <= 8 ? '****' : `${id.slice(0, 4)}****${id.slice(-2)}`;
}
