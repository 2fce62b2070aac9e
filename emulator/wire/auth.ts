import { timingSafeEqual } from 'node:crypto';
import { ApiError } from './errors';
import { parseAuthorization, sha256Hex, v2Signature, v2StringToSign, v3Signature, v3StringToSign, V3_ALGORITHM } from './signature';

/** Query parameters that belong to the V2 signing envelope, not to the operation. */
export const V2_COMMON_PARAMS = new Set([
  'Action',
  'Version',
  'Format',
  'AccessKeyId',
  'Signature',
  'SignatureMethod',
  'SignatureVersion',
  'SignatureNonce',
  'SignatureType',
  'Timestamp',
  'RegionId',
  'SecurityToken',
]);

const FRESHNESS_WINDOW_MS = 15 * 60 * 1000;

export interface SignedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
  body: Buffer;
}

export interface AuthenticatedCaller {
  accessKeyId: string;
  scheme: 'v3' | 'v2';
}

/** Remembers nonces for the freshness window; expiry order equals insertion order, so a FIFO prunes it. */
class NonceMemory {
  private readonly seen = new Map<string, number>();

  /** Returns false when the nonce was already used within the window. */
  remember(nonce: string, now: number): boolean {
    for (const [oldNonce, expiresAt] of this.seen) {
      if (expiresAt > now) break;
      this.seen.delete(oldNonce);
    }
    if (this.seen.has(nonce)) return false;
    this.seen.set(nonce, now + FRESHNESS_WINDOW_MS);
    return true;
  }

  clear(): void {
    this.seen.clear();
  }
}

const sameText = (a: string, b: string): boolean => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

export class RequestAuthenticator {
  private readonly nonces = new NonceMemory();

  constructor(
    private readonly secretFor: (accessKeyId: string) => string | undefined,
    private readonly freshnessChecked: () => boolean,
  ) {}

  reset(): void {
    this.nonces.clear();
  }

  authenticate(request: SignedRequest, now: number): AuthenticatedCaller {
    const authorization = request.headers.authorization;
    if (authorization !== undefined) return this.authenticateV3(request, authorization, now);
    if (request.query.Signature !== undefined) return this.authenticateV2(request, now);
    throw new ApiError(
      400,
      'IncompleteSignature',
      'The request signature does not conform to Aliyun standards: the Authorization header is missing.',
    );
  }

  private authenticateV3(request: SignedRequest, authorization: string, now: number): AuthenticatedCaller {
    const parsed = parseAuthorization(authorization);
    if (!parsed) {
      throw new ApiError(
        400,
        'IncompleteSignature',
        'The request signature does not conform to Aliyun standards: the Authorization header cannot be parsed.',
      );
    }
    if (parsed.algorithm !== V3_ALGORITHM) {
      throw new ApiError(
        400,
        'InvalidSignatureMethod',
        `The signature algorithm ${parsed.algorithm} is not supported; use ${V3_ALGORITHM}.`,
      );
    }
    const secret = this.secretFor(parsed.accessKeyId);
    if (secret === undefined) throw unknownAccessKey(parsed.accessKeyId);
    const unsigned = ['host', 'x-acs-action', 'x-acs-version', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256'].filter(
      (name) => request.headers[name] !== undefined && !parsed.signedHeaders.includes(name),
    );
    if (unsigned.length > 0) {
      throw new ApiError(
        400,
        'IncompleteSignature',
        `The request signature does not conform to Aliyun standards: header(s) ${unsigned.join(', ')} must be signed.`,
      );
    }
    const date = request.headers['x-acs-date'];
    const nonce = request.headers['x-acs-signature-nonce'];
    const payloadHash = request.headers['x-acs-content-sha256'];
    if (!date || !nonce || !payloadHash) {
      throw new ApiError(
        400,
        'IncompleteSignature',
        'The request signature does not conform to Aliyun standards: x-acs-date, x-acs-signature-nonce and x-acs-content-sha256 are required.',
      );
    }
    if (payloadHash !== sha256Hex(request.body)) {
      throw new ApiError(400, 'SignatureDoesNotMatch', 'The x-acs-content-sha256 header does not match the SHA-256 of the request body.');
    }
    const input = {
      method: request.method,
      path: request.path,
      query: request.query,
      headers: request.headers,
      signedHeaders: parsed.signedHeaders,
      payloadHash,
    };
    if (!sameText(v3Signature(input, secret), parsed.signature)) {
      throw new ApiError(
        400,
        'SignatureDoesNotMatch',
        `Specified signature does not match our calculation. server StringToSign is [${v3StringToSign(input)}]`,
      );
    }
    this.checkFreshness(date, nonce, now);
    return { accessKeyId: parsed.accessKeyId, scheme: 'v3' };
  }

  private authenticateV2(request: SignedRequest, now: number): AuthenticatedCaller {
    const { query } = request;
    const accessKeyId = query.AccessKeyId;
    if (!accessKeyId) throw new ApiError(400, 'MissingAccessKeyId', 'AccessKeyId is mandatory for this action.');
    if (query.SignatureMethod !== undefined && query.SignatureMethod !== 'HMAC-SHA1') {
      throw new ApiError(400, 'InvalidSignatureMethod', `The signature method ${query.SignatureMethod} is not supported; use HMAC-SHA1.`);
    }
    const secret = this.secretFor(accessKeyId);
    if (secret === undefined) throw unknownAccessKey(accessKeyId);
    if (!query.Timestamp || !query.SignatureNonce) {
      throw new ApiError(
        400,
        'IncompleteSignature',
        'The request signature does not conform to Aliyun standards: Timestamp and SignatureNonce are required.',
      );
    }
    if (!sameText(v2Signature(request.method, query, secret), query.Signature)) {
      throw new ApiError(
        400,
        'SignatureDoesNotMatch',
        `Specified signature is not matched with our calculation. server string to sign is:${v2StringToSign(request.method, query)}`,
      );
    }
    this.checkFreshness(query.Timestamp, query.SignatureNonce, now);
    return { accessKeyId, scheme: 'v2' };
  }

  private checkFreshness(timestamp: string, nonce: string, now: number): void {
    if (!this.freshnessChecked()) return;
    const signedAt = Date.parse(timestamp);
    if (Number.isNaN(signedAt) || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(timestamp)) {
      throw new ApiError(
        400,
        'InvalidTimeStamp.Format',
        `The specified timestamp "${timestamp}" is not in the format YYYY-MM-DDThh:mm:ssZ.`,
      );
    }
    if (Math.abs(now - signedAt) > FRESHNESS_WINDOW_MS) {
      throw new ApiError(
        400,
        'InvalidTimeStamp.Expired',
        `The specified timestamp or date "${timestamp}" is more than 15 minutes away from the server time.`,
      );
    }
    if (!this.nonces.remember(nonce, now)) {
      throw new ApiError(400, 'SignatureNonceUsed', 'The request signature nonce has been used within the last 15 minutes.');
    }
  }
}

function unknownAccessKey(accessKeyId: string): ApiError {
  return new ApiError(404, 'InvalidAccessKeyId.NotFound', `Specified access key is not found: ${accessKeyId}`);
}
