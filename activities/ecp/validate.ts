// Client-side checks that fail before anything is sent, so a bad call never reaches the vendor and
// never costs a rate-limit token. All failures are EcpError kind 'invalid' (not retryable).
import { EcpError } from './errors';
import { MAX_PAGE_SIZE } from './vendor-facts';

export function invalid(action: string, code: string, message: string): EcpError {
  return new EcpError({ action, code, kind: 'invalid', vendorMessage: message, mayHaveSucceeded: false });
}

export function requireIdList(
  action: string,
  wireName: string,
  ids: readonly string[] | undefined,
  max: number,
  opts: { optional?: boolean } = {},
): string[] | undefined {
  if (ids === undefined || ids.length === 0) {
    if (opts.optional) return undefined;
    throw invalid(action, `MissingParameter.${wireName}`, `${wireName} must contain at least one ID`);
  }
  if (ids.length > max) {
    throw invalid(action, `InvalidParameter.${wireName}`, `${wireName} has ${ids.length} IDs; at most ${max} per call`);
  }
  for (const id of ids) {
    if (typeof id !== 'string' || id.trim() === '') {
      throw invalid(action, `InvalidParameter.${wireName}`, `${wireName} contains an empty ID`);
    }
  }
  return [...ids];
}

export function requireString(action: string, wireName: string, v: string | undefined): string {
  if (typeof v !== 'string' || v.trim() === '') {
    throw invalid(action, `MissingParameter.${wireName}`, `${wireName} is required`);
  }
  return v;
}

export function optionalPageSize(action: string, v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < 1 || v > MAX_PAGE_SIZE) {
    throw invalid(action, 'InvalidParameter.MaxResults', `MaxResults must be an integer 1..${MAX_PAGE_SIZE}`);
  }
  return v;
}
