// Same-origin calls to /v1. After sign-in the session cookie authenticates (the token is sent once, to
// POST /v1/session, and never stored by the page); changes carry the header the API requires of
// cookie-authenticated requests. Errors keep the API's own words: the field and rule of each issue.
export interface Issue {
  field: string;
  rule: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: Issue[] = [],
  ) {
    super(message);
  }
}

export async function api<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(method === 'GET' ? {} : { 'x-cpr-console': '1' }), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const e = (json ?? {}) as { error?: string; message?: string; issues?: Issue[] };
    throw new ApiError(res.status, e.error ?? `http_${res.status}`, e.message ?? (e.issues ? 'invalid input' : res.statusText), e.issues ?? []);
  }
  return json as T;
}

export const enc = encodeURIComponent;
