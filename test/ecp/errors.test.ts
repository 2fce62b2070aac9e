import { classifyError, EcpError, isRetryable, scrubMessage } from '../../activities/ecp/errors';
import type { EcpErrorKind } from '../../activities/ecp/types';
import {
  connectTimeoutError,
  emptySyntaxError,
  htmlSyntaxError,
  nodeSocketError,
  readTimeoutError,
  readTimeoutWhileReading,
  socketHangUp,
  vendorError,
} from './library-errors';

const RID = '6C8439B9-7DBF-57F4-92AE-55A9B9D31234';
const body = (Code: string, Message = 'some text') => ({
  RequestId: RID,
  HostId: 'eds-aic.cn-shanghai.aliyuncs.com',
  Code,
  Message,
  Recommend: 'https://api.aliyun.com/troubleshoot',
});

describe('classifyError: vendor codes and statuses (docs/vendor-facts.md and emulator choices)', () => {
  const table: Array<[string, number, EcpErrorKind]> = [
    ['MissingParameter', 400, 'invalid'],
    ['MissingBackupFileId', 400, 'invalid'],
    ['MissingParameter.InstanceIds', 400, 'invalid'],
    ['InvalidParameter', 400, 'invalid'],
    ['InvalidParameter.Format', 400, 'invalid'],
    ['InvalidParameter.NextToken', 400, 'invalid'],
    ['InvalidParameter.MaxResults', 400, 'invalid'],
    ['UnsupportedOperation', 400, 'invalid'],
    ['InvalidApi.NotFound', 404, 'invalid'],
    ['NoSuchVersion', 400, 'invalid'],
    ['IncorrectInstanceStatus', 400, 'invalid'],
    ['IncorrectBackupFileStatus', 400, 'invalid'],
    ['InvalidParameter.InstanceId', 400, 'notFound'],
    ['InvalidParameter.BackupFileId', 400, 'notFound'],
    ['InvalidBackupFile.NotFound', 400, 'notFound'],
    ['SomethingElse', 404, 'notFound'],
    ['InvalidAccessKeyId.NotFound', 404, 'auth'],
    ['InvalidAccessKeyId.NotFound', 400, 'auth'],
    ['InvalidAccessKeyId.Inactive', 400, 'auth'],
    ['IncompleteSignature', 400, 'auth'],
    ['SignatureDoesNotMatch', 400, 'auth'],
    ['SignatureDoesNotMatch', 403, 'auth'],
    ['InvalidTimeStamp.Format', 400, 'auth'],
    ['InvalidTimeStamp.Expired', 400, 'auth'],
    ['SignatureNonceUsed', 400, 'transient'],
    ['InvalidSignatureMethod', 400, 'auth'],
    ['Forbidden', 403, 'auth'],
    ['Forbidden.RAM', 403, 'auth'],
    ['Forbidden.RiskControl', 403, 'auth'],
    ['MissingAccessKeyId', 400, 'auth'],
    ['Throttling', 400, 'throttled'],
    ['Throttling.User', 400, 'throttled'],
    ['Throttling.User', 429, 'throttled'],
    ['Throttling.Api', 400, 'throttled'],
    ['Throttling.Api', 429, 'throttled'],
    ['Rejected.Throttling', 400, 'throttled'],
    ['TooMany', 429, 'throttled'],
    ['InternalError', 500, 'transient'],
    ['ServiceUnavailable', 503, 'transient'],
    ['SomeGatewayThing', 502, 'transient'],
    ['InvalidParameter', 500, 'transient'],
    ['WeirdCode', 400, 'unknown'],
    ['OperationDenied', 409, 'unknown'],
  ];

  it.each(table)('%s with HTTP %i → %s', (code, status, kind) => {
    const e = classifyError('RecoverApp', vendorError(status, body(code)));
    expect(e).toBeInstanceOf(EcpError);
    expect(e.kind).toBe(kind);
    expect(e.code).toBe(code);
    expect(e.httpStatus).toBe(status);
    expect(e.requestId).toBe(RID);
    expect(e.action).toBe('RecoverApp');
    expect(e.vendorMessage).toBe('some text');
    expect(e.message).toContain(code);
    expect(e.message).toContain(RID);
  });

  it('accepts lower-case body keys', () => {
    const e = classifyError('DescribeTasks', vendorError(400, { code: 'InvalidParameter', message: 'bad', requestId: 'r-1' }));
    expect(e).toMatchObject({ kind: 'invalid', code: 'InvalidParameter', vendorMessage: 'bad', requestId: 'r-1' });
  });

  it('handles an error body without Code (literal "undefined" from the library)', () => {
    expect(classifyError('DescribeTasks', vendorError(503, { Message: 'x' }))).toMatchObject({ kind: 'transient', code: 'HTTP503' });
    expect(classifyError('DescribeTasks', vendorError(400, { Message: 'x' }))).toMatchObject({ kind: 'unknown', code: 'HTTP400' });
    expect(classifyError('DescribeTasks', vendorError(404, {}))).toMatchObject({ kind: 'notFound', code: 'HTTP404' });
  });

  it('client-side InvalidCredentials (no credential configured) is auth', () => {
    const err = Object.assign(new Error('InvalidCredentials: Please set up the credentials correctly.'), { code: 'InvalidCredentials' });
    expect(classifyError('DescribeTasks', err)).toMatchObject({ kind: 'auth', code: 'InvalidCredentials' });
  });

  it('default credential chain exhaustion is auth', () => {
    const err = new Error('unable to get credentials from any of the providers in the chain: env not set');
    expect(classifyError('DescribeTasks', err)).toMatchObject({ kind: 'auth', code: 'CredentialsUnavailable' });
  });
});

describe('classifyError: transport failures (shapes per docs/vendor-facts.md)', () => {
  const cases: Array<[string, () => unknown, string, boolean]> = [
    ['read timeout before the response', () => readTimeoutError(15000), 'ReadTimeout', true],
    ['read timeout while reading the body', () => readTimeoutWhileReading(15000), 'ReadTimeout', true],
    ['connect / idle timeout', () => connectTimeoutError(), 'ConnectTimeout', true],
    ['ECONNREFUSED', () => nodeSocketError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'), 'ECONNREFUSED', false],
    ['ECONNRESET', () => nodeSocketError('ECONNRESET', 'read ECONNRESET'), 'ECONNRESET', true],
    ['EPIPE', () => nodeSocketError('EPIPE', 'write EPIPE'), 'EPIPE', true],
    ['socket hang up', () => socketHangUp(), 'ECONNRESET', true],
    ['socket hang up without code', () => new Error('socket hang up'), 'SocketHangUp', true],
    ['HTML body (SyntaxError)', () => htmlSyntaxError(), 'MalformedResponse', true],
    ['empty body (SyntaxError)', () => emptySyntaxError(), 'MalformedResponse', true],
  ];
  it.each(cases)('%s → transient', (_label, make, code, mayHaveSucceeded) => {
    const e = classifyError('RecoverApp', make());
    expect(e.kind).toBe('transient');
    expect(e.code).toBe(code);
    expect(e.httpStatus).toBeUndefined();
    expect(e.mayHaveSucceeded).toBe(mayHaveSucceeded);
  });

  it('ENOTFOUND (bad endpoint) is not retried forever', () => {
    const e = classifyError('RecoverApp', nodeSocketError('ENOTFOUND', 'getaddrinfo ENOTFOUND nowhere'));
    expect(e).toMatchObject({ kind: 'unknown', code: 'ENOTFOUND', mayHaveSucceeded: false });
  });

  it('non-Error throwables do not crash classification', () => {
    expect(classifyError('X', 'boom')).toMatchObject({ kind: 'unknown' });
    expect(classifyError('X', undefined)).toMatchObject({ kind: 'unknown' });
    expect(classifyError('X', null)).toMatchObject({ kind: 'unknown' });
  });

  it('an EcpError passes through unchanged', () => {
    const e = new EcpError({ action: 'A', code: 'C', kind: 'invalid', vendorMessage: 'm' });
    expect(classifyError('B', e)).toBe(e);
  });
});

describe('mayHaveSucceeded guards non-idempotent calls', () => {
  it('is false for rejections and true for ambiguous server failures', () => {
    expect(classifyError('RecoverApp', vendorError(400, body('Throttling.User'))).mayHaveSucceeded).toBe(false);
    expect(classifyError('RecoverApp', vendorError(400, body('InvalidParameter'))).mayHaveSucceeded).toBe(false);
    expect(classifyError('RecoverApp', vendorError(400, body('SignatureNonceUsed'))).mayHaveSucceeded).toBe(false);
    expect(classifyError('RecoverApp', vendorError(500, body('InternalError'))).mayHaveSucceeded).toBe(true);
  });
});

describe('isRetryable', () => {
  it.each<[EcpErrorKind, boolean]>([
    ['throttled', true],
    ['transient', true],
    ['auth', false],
    ['invalid', false],
    ['notFound', false],
    ['unknown', false],
  ])('%s → %s', (kind, expected) => expect(isRetryable(kind)).toBe(expected));
});

describe('secret scrubbing', () => {
  const SECRET = 'verySecretKey/With+Base64=';

  it('drops everything after StringToSign', () => {
    const msg = 'Specified signature does not match our calculation. server StringToSign is [ACS3-HMAC-SHA256\nabc]';
    expect(scrubMessage(msg)).toBe('Specified signature does not match our calculation. [signing details redacted]');
    expect(scrubMessage('StringToSign: POST&%2F&x')).toBe('[signing details redacted]');
  });

  it('removes a known secret wherever it appears', () => {
    expect(scrubMessage(`key ${SECRET} leaked twice ${SECRET}`, [SECRET])).toBe('key [redacted] leaked twice [redacted]');
  });

  it('redacts signatures and security tokens', () => {
    expect(scrubMessage('Signature=c2e0e3ab0123456789abcdef0123456789')).toBe('Signature=[redacted]');
    expect(scrubMessage('x-acs-security-token: CAIS123abc')).toBe('x-acs-security-token: [redacted]');
  });

  it('classifyError scrubs both vendorMessage and message', () => {
    const err = vendorError(
      400,
      body('SignatureDoesNotMatch', `mismatch for ${SECRET}. server StringToSign is [ACS3-HMAC-SHA256\n${SECRET}]`),
    );
    const e = classifyError('DescribeTasks', err, [SECRET]);
    expect(e.message).not.toContain(SECRET);
    expect(e.vendorMessage).not.toContain(SECRET);
    expect(e.message).not.toContain('ACS3-HMAC-SHA256');
    expect(JSON.stringify(e)).not.toContain(SECRET);
    expect(e.kind).toBe('auth');
  });

  it('has no cause that could carry the raw request', () => {
    const e = classifyError('DescribeTasks', vendorError(400, body('SignatureDoesNotMatch')));
    expect((e as Error & { cause?: unknown }).cause).toBeUndefined();
    expect(Object.keys(e.toJSON())).not.toContain('data');
  });

  it('caps very long messages', () => {
    expect(scrubMessage('x'.repeat(5000)).length).toBeLessThanOrEqual(501);
  });
});
