/** A vendor-style error: becomes the JSON body `{ RequestId, HostId, Code, Message, Recommend }`. */
export class ApiError extends Error {
  override name = 'ApiError';

  constructor(
    readonly httpStatus: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const missingParameter = (name: string): ApiError =>
  new ApiError(400, 'MissingParameter', `The input parameter "${name}" that is mandatory for processing this request is not supplied.`);

export function errorBody(requestId: string, hostId: string, code: string, message: string): Record<string, string> {
  return {
    RequestId: requestId,
    HostId: hostId,
    Code: code,
    Message: message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(code)}&product=eds-aic&requestId=${requestId}`,
  };
}
