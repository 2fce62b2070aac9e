// Console sessions. A browser's EventSource cannot send an Authorization header, so the console
// exchanges its token once (POST /v1/session with the bearer token) for an HttpOnly, SameSite=Strict
// cookie that authenticates every same-origin request, the SSE stream included. The cookie holds only
// the token's name, a fingerprint of the token's hash and an expiry, signed with HMAC-SHA256; the
// token itself never reaches page script storage. See docs/console.md.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'cpr_session';
export const DEFAULT_SESSION_TTL_MS = 8 * 3_600_000;
/** Requests authenticated by the cookie that change something must carry this header (CSRF defence). */
export const CONSOLE_HEADER = 'x-cpr-console';

export interface SessionClaims {
  name: string;
  fingerprint: string;
  expiresAt: number;
}

export class SessionSigner {
  private readonly key: Buffer;

  /** A secret shared by every API replica keeps sessions valid across them; default: random per process. */
  constructor(secret?: string, readonly ttlMs = DEFAULT_SESSION_TTL_MS) {
    this.key = secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
  }

  issue(name: string, fingerprint: string, now = Date.now()): { value: string; claims: SessionClaims } {
    const claims: SessionClaims = { name, fingerprint, expiresAt: now + this.ttlMs };
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return { value: `${payload}.${this.sign(payload)}`, claims };
  }

  verify(value: string, now = Date.now()): SessionClaims | undefined {
    const [payload, signature, extra] = value.split('.');
    if (!payload || !signature || extra !== undefined) return undefined;
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as SessionClaims;
      if (typeof claims.name !== 'string' || typeof claims.fingerprint !== 'string' || typeof claims.expiresAt !== 'number') return undefined;
      return claims.expiresAt > now ? claims : undefined;
    } catch {
      return undefined;
    }
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}

/** One cookie's value from a Cookie header (the API reads no other cookie). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(value: string, options: { maxAgeSeconds: number; secure: boolean }): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${options.maxAgeSeconds}${options.secure ? '; Secure' : ''}`;
}
