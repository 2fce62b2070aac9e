// Builds error objects exactly the way @alicloud/openapi-client 0.4.15 / httpx / Node do
// (the failure shapes are described in docs/vendor-facts.md), so classification tests do not need a server.

export function vendorError(
  status: number,
  body: Record<string, unknown>,
): Error & { code: string; statusCode: number; data: Record<string, unknown> } {
  const data: Record<string, unknown> = { ...body, statusCode: status };
  const code = `${body.Code ?? body.code}`;
  const message = `code: ${status}, ${String(body.Message ?? body.message)} request id: ${String(body.RequestId ?? body.requestId)}`;
  const err = new Error(`${code}: ${message}`) as Error & {
    code: string;
    statusCode: number;
    data: Record<string, unknown>;
    description: string;
    accessDeniedDetail: unknown;
  };
  err.code = code;
  err.data = data;
  err.description = `${body.Description ?? body.description}`;
  err.accessDeniedDetail = body.AccessDeniedDetail;
  err.statusCode = status;
  return err;
}

export function readTimeoutError(ms: number, host = '127.0.0.1:1'): Error {
  const err = new Error();
  err.name = 'RequestTimeoutError';
  err.message = `ReadTimeout(${ms}). POST http://${host}/ failed.`;
  return err;
}

export function readTimeoutWhileReading(ms: number): Error {
  const err = new Error();
  err.name = 'RequestTimeoutError';
  err.message = `ReadTimeout: ${ms}. POST /?A=1 failed.`;
  return err;
}

export function connectTimeoutError(host = '127.0.0.1:1'): Error {
  const err = new Error();
  err.name = 'RequestTimeoutError';
  err.message = `ConnectTimeout: Connect http://${host}/ failed.`;
  return err;
}

export function nodeSocketError(code: string, message: string, host = '127.0.0.1:1'): Error {
  const err = new Error(`${message}POST http://${host}/ failed.`) as Error & { code: string; syscall?: string };
  err.code = code;
  return err;
}

export function socketHangUp(): Error {
  const err = new Error('socket hang upPOST http://127.0.0.1:1/ failed.') as Error & { code: string };
  err.code = 'ECONNRESET';
  return err;
}

export function htmlSyntaxError(): SyntaxError {
  return new SyntaxError(`Unexpected token '<', "<html><bod"... is not valid JSON`);
}

export function emptySyntaxError(): SyntaxError {
  return new SyntaxError('Unexpected end of JSON input');
}
