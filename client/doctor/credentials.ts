// Which source of the @alicloud/credentials default chain answers, the same chain the worker's client
// uses (activities/ecp/call.ts). Reports the provider and a masked AccessKey ID, never the secret.
import Credential from '@alicloud/credentials';
import { AUTH_ERROR_CODES, maskAccessKeyId } from '../../activities/ecp';
import type { DoctorCheck } from './report';

/** Provider names of @alicloud/credentials 2.x, in words an operator recognises. */
const SOURCES: Record<string, string> = {
  env: 'environment variables ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  cli_profile: 'Alibaba Cloud CLI profile (~/.aliyun/config.json)',
  profile: 'credentials file (~/.alibabacloud/credentials or ALIBABA_CLOUD_CREDENTIALS_FILE)',
  ecs_ram_role: 'ECS RAM role (instance metadata service)',
  oidc_role_arn: 'OIDC role (ALIBABA_CLOUD_ROLE_ARN / OIDC token file)',
  credential_uri: 'credentials URI (ALIBABA_CLOUD_CREDENTIALS_URI)',
  static_ak: 'static AccessKey',
  static_sts: 'static STS token',
};

export interface CredentialSource {
  check: DoctorCheck;
  /** e.g. `env`, `ecs_ram_role`; undefined when nothing answered. */
  source?: string;
}

export function describeProvider(providerName: string): string {
  // The default chain reports `default/<provider>`; a role assumed from another one `ram_role_arn/<provider>`.
  const parts = providerName.split('/').filter((p) => p !== 'default');
  return parts.map((p) => SOURCES[p] ?? p).join(' via ') || providerName;
}

export async function resolveCredentialSource(timeoutMs: number): Promise<CredentialSource> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const credential = new Credential();
    const model = await Promise.race([
      credential.getCredential(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer from the credential chain within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    const provider = model.providerName ?? model.type ?? 'unknown';
    const source = provider.split('/').at(-1) ?? provider;
    const id = model.accessKeyId ? `, AccessKey ID ${maskAccessKeyId(model.accessKeyId)}` : '';
    const token = model.securityToken ? ', with an STS token' : '';
    return {
      source,
      check: { id: 'credentials', level: 'ok', summary: `found in ${describeProvider(provider)}${id}${token}` },
    };
  } catch (err) {
    // The library's message lists the providers it tried; it carries no secret.
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return {
      check: {
        id: 'credentials',
        level: 'block',
        summary: `no credentials from the default chain (set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, a profile, or a RAM role): ${message}`,
      },
    };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

// Codes that say the key pair itself is wrong; Forbidden (permissions) and InvalidTimeStamp (clock) are
// reported by the action and clock checks instead.
const isKeyRejected = (code: string): boolean =>
  (AUTH_ERROR_CODES.includes(code) || code.startsWith('InvalidAccessKeyId') || code.startsWith('InvalidSecurityToken')) &&
  code !== 'InvalidSignatureMethod';

/** Whether the vendor accepted the credentials, judged from the codes the doctor's calls got back. */
export function credentialsAcceptedCheck(source: string, errorCodes: readonly string[], anyCallSucceeded: boolean): DoctorCheck {
  const rejected = errorCodes.find(isKeyRejected);
  if (rejected) {
    return {
      id: 'credentials:accepted',
      level: 'block',
      summary: `the vendor refused the credentials from ${describeProvider(source)} with ${rejected}: check that the AccessKey ID and secret belong together and are active`,
    };
  }
  if (anyCallSucceeded) return { id: 'credentials:accepted', level: 'ok', summary: 'the vendor accepted the signed requests' };
  if (errorCodes.some((c) => c.startsWith('InvalidTimeStamp'))) {
    return {
      id: 'credentials:accepted',
      level: 'skip',
      summary: 'not judged: the vendor refused the request time before the key (see clock)',
    };
  }
  return { id: 'credentials:accepted', level: 'skip', summary: 'no signed request got an answer' };
}
