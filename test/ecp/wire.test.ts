import { normaliseInvocationStatus } from '../../activities/ecp/mappers';
import { nonEmpty, num, parseVendorTime, strings } from '../../activities/ecp/wire';

describe('lenient wire readers', () => {
  it.each<[unknown, number | undefined]>([
    [3, 3],
    ['3', 3],
    [' 42 ', 42],
    ['', undefined],
    ['abc', undefined],
    [null, undefined],
    [Number.NaN, undefined],
    [true, undefined],
  ])('num(%j) → %j', (v, expected) => expect(num(v)).toBe(expected));

  it('nonEmpty treats "" as absent and stringifies numbers', () => {
    expect(nonEmpty('')).toBeUndefined();
    expect(nonEmpty(10404)).toBe('10404');
    expect(nonEmpty({})).toBeUndefined();
  });

  it('strings keeps only scalar entries', () => {
    expect(strings(['a', 1, null, {}, 'b'])).toEqual(['a', '1', 'b']);
    expect(strings('a')).toEqual([]);
  });

  it('parses both vendor time formats, space form as UTC', () => {
    expect(parseVendorTime('2022-10-11T08:53:32Z')?.toISOString()).toBe('2022-10-11T08:53:32.000Z');
    expect(parseVendorTime('2024-05-20 14:03:09')?.toISOString()).toBe('2024-05-20T14:03:09.000Z');
    expect(parseVendorTime('2024-05-20T14:03:09+08:00')?.toISOString()).toBe('2024-05-20T06:03:09.000Z');
    expect(parseVendorTime('yesterday')).toBeUndefined();
    expect(parseVendorTime(undefined)).toBeUndefined();
  });

  it.each([
    ['SUCCESS', 'SUCCESS'],
    ['Success', 'SUCCESS'],
    ['running', 'RUNNING'],
    ['Timeout', 'TIMEOUT'],
    ['Pending', 'PENDING'],
    ['Failed', 'FAILED'],
  ])('InvocationStatus %s → %s', (raw, status) => expect(normaliseInvocationStatus(raw)).toEqual({ status }));

  it('unknown InvocationStatus stays non-terminal and keeps the raw value', () => {
    expect(normaliseInvocationStatus('Stopped')).toEqual({ status: 'RUNNING', raw: 'Stopped' });
    expect(normaliseInvocationStatus(undefined)).toEqual({ status: 'RUNNING', raw: '' });
  });
});
