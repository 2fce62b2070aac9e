// API tokens with names and roles, stored hashed (sha256 hex of the token) in the file named by
// CPR_API_TOKENS_FILE, so the configuration never holds a usable secret. The single CPR_API_TOKEN of a
// one-person setup stays valid and holds every role.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { describeIssues } from '../../workflows/input';
import { ROLES, type Principal } from './roles';

/** The name the single CPR_API_TOKEN is known by in logs and sessions. */
export const SINGLE_TOKEN_NAME = 'api-token';

export const apiTokenSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'must be 1-64 letters, digits, . _ @ or -'),
  roles: z.array(z.enum(ROLES, `must be one of ${ROLES.join(', ')}`)).min(1, 'needs at least one role'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be the lower-case hex sha256 of the token (printf %s "$TOKEN" | sha256sum)'),
});
export const apiTokensSchema = z.array(apiTokenSchema).min(1, 'needs at least one token').superRefine((tokens, ctx) => {
  const names = new Set<string>();
  const hashes = new Set<string>();
  tokens.forEach((t, i) => {
    if (names.has(t.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate name ${t.name}` });
    if (hashes.has(t.sha256)) ctx.addIssue({ code: 'custom', path: [i, 'sha256'], message: 'the same token is listed twice' });
    names.add(t.name);
    hashes.add(t.sha256);
  });
});
export type ApiToken = z.infer<typeof apiTokenSchema>;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Reads and validates a tokens file; errors name the file, the entry and the rule. */
export function loadApiTokensFile(path: string): ApiToken[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`CPR_API_TOKENS_FILE ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = apiTokensSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`CPR_API_TOKENS_FILE ${path}: ${describeIssues(parsed.error).map((i) => `${i.field}: ${i.rule}`).join('; ')}`);
  }
  return parsed.data;
}

interface Entry {
  digest: Buffer;
  principal: Principal;
}

/** Finds the principal of a bearer token; every entry is compared in constant time. */
export class TokenBook {
  private readonly entries: Entry[];

  constructor(options: { token?: string; tokens?: readonly ApiToken[] }) {
    this.entries = (options.tokens ?? []).map((t) => ({ digest: Buffer.from(t.sha256, 'hex'), principal: { name: t.name, roles: [...new Set(t.roles)], accountable: true } }));
    if (options.token) {
      this.entries.push({ digest: createHash('sha256').update(options.token).digest(), principal: { name: SINGLE_TOKEN_NAME, roles: ROLES, accountable: false } });
    }
  }

  get size(): number {
    return this.entries.length;
  }

  /** The principal and a short fingerprint of its token (sessions end when the token is replaced). */
  find(token: string): { principal: Principal; fingerprint: string } | undefined {
    const given = createHash('sha256').update(token).digest();
    let found: Entry | undefined;
    for (const entry of this.entries) if (timingSafeEqual(given, entry.digest) && !found) found = entry;
    return found && { principal: found.principal, fingerprint: found.digest.subarray(0, 8).toString('hex') };
  }

  /** The principal of a session, if its token is still configured unchanged. */
  byName(name: string, fingerprint: string): Principal | undefined {
    const entry = this.entries.find((e) => e.principal.name === name && e.digest.subarray(0, 8).toString('hex') === fingerprint);
    return entry?.principal;
  }
}

/** The API's authentication settings from the environment (CPR_API_TOKENS_FILE, CPR_API_SESSION_SECRET). */
export function authFromEnv(env: Record<string, string | undefined>): { tokens?: ApiToken[]; sessionSecret?: string } {
  const file = env.CPR_API_TOKENS_FILE?.trim();
  const sessionSecret = env.CPR_API_SESSION_SECRET?.trim();
  if (sessionSecret !== undefined && sessionSecret !== '' && sessionSecret.length < 32) throw new Error('CPR_API_SESSION_SECRET must be at least 32 characters');
  return { ...(file ? { tokens: loadApiTokensFile(file) } : {}), ...(sessionSecret ? { sessionSecret } : {}) };
}
