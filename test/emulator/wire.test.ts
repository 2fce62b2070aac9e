import { startEmulator, type RunningEmulator } from '../../emulator/server';
import { canonicalQueryV3, percentEncode } from '../../emulator/wire/signature';
import { DEMO_TARGETS } from '../../emulator/demo-seed';
import { errorBodySchema, describeAndroidInstancesSchema } from './helpers/contract';
import { rawRequest, signedV2, signedV3 } from './helpers/raw-request';
import { TEST_ACCESS_KEY_SECRET, vendorClient } from './helpers/vendor-client';

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, config: { qpsPerAction: 0 } });
});
afterAll(() => emulator.close());

const isoNow = (offsetMs = 0): string => new Date(Date.now() + offsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('wire protocol and signatures', () => {
  it('accepts the real client with default V3 signing, including awkward characters in values', async () => {
    const client = vendorClient(emulator);
    const body = await client.call('DescribeAndroidInstances', {
      AndroidInstanceIds: [DEMO_TARGETS[0]],
      AndroidInstanceName: "demo-target ~'x' (y) !* +/= 张",
    });
    expect(describeAndroidInstancesSchema.parse(body).TotalCount).toBe(0); // the fuzzy name does not match, but it was accepted
  });

  it('canonicalises values by decoding and re-encoding, not from the raw query', () => {
    expect(percentEncode("a b!'()*~")).toBe('a%20b%21%27%28%29%2A~');
    expect(canonicalQueryV3({ b: '1', a: 'x y', 'A.1': '*' })).toBe('A.1=%2A&a=x%20y&b=1');
  });

  it('rejects a wrong secret with 400 SignatureDoesNotMatch without echoing the secret', async () => {
    const error = await vendorClient(emulator, { accessKeySecret: 'wrong-secret' }).fail('DescribeTasks');
    expect(error.code).toBe('SignatureDoesNotMatch');
    expect(error.statusCode).toBe(400);
    expect(error.message).toContain('ACS3-HMAC-SHA256');
    expect(JSON.stringify(error.data)).not.toContain(TEST_ACCESS_KEY_SECRET);
    expect(JSON.stringify(error.data)).not.toContain('wrong-secret');
    const { statusCode, ...body } = error.data ?? {};
    expect(statusCode).toBe(400); // added by the client, not sent by the server
    expect(errorBodySchema.parse(body).Code).toBe('SignatureDoesNotMatch');
  });

  it('rejects an unknown AccessKey with 404 InvalidAccessKeyId.NotFound', async () => {
    const error = await vendorClient(emulator, { accessKeyId: 'nobody' }).fail('DescribeTasks');
    expect(error.code).toBe('InvalidAccessKeyId.NotFound');
    expect(error.statusCode).toBe(404);
  });

  it('works with the legacy V2 signature through the real client', async () => {
    const body = await vendorClient(emulator, { signatureAlgorithm: 'v2' }).call('DescribeAndroidInstances', {
      AndroidInstanceIds: [DEMO_TARGETS[0]],
    });
    expect(describeAndroidInstancesSchema.parse(body).InstanceModel[0].AndroidInstanceId).toBe(DEMO_TARGETS[0]);
  });

  it('rejects a bad V2 signature', async () => {
    const response = await signedV2(emulator, 'DescribeTasks', {}, { secret: 'nope' });
    expect(response.status).toBe(400);
    expect(response.json().Code).toBe('SignatureDoesNotMatch');
  });

  it('accepts a hand-signed V3 request and rejects a stale x-acs-date', async () => {
    expect((await signedV3(emulator, 'DescribeTasks', {})).status).toBe(200);
    const stale = await signedV3(emulator, 'DescribeTasks', {}, { date: isoNow(-16 * 60_000) });
    expect(stale.status).toBe(400);
    expect(errorBodySchema.parse(stale.json()).Code).toBe('InvalidTimeStamp.Expired');
  });

  it('rejects a replayed nonce, V3 and V2', async () => {
    const nonce = 'f'.repeat(32);
    expect((await signedV3(emulator, 'DescribeTasks', {}, { nonce })).status).toBe(200);
    const replay = await signedV3(emulator, 'DescribeTasks', {}, { nonce });
    expect(replay.status).toBe(400);
    expect(replay.json().Code).toBe('SignatureNonceUsed');
    expect((await signedV2(emulator, 'DescribeTasks', {}, { nonce: 'v2-nonce-1' })).status).toBe(200);
    expect((await signedV2(emulator, 'DescribeTasks', {}, { nonce: 'v2-nonce-1' })).json().Code).toBe('SignatureNonceUsed');
    const staleV2 = await signedV2(emulator, 'DescribeTasks', {}, { timestamp: isoNow(20 * 60_000) });
    expect(staleV2.json().Code).toBe('InvalidTimeStamp.Expired');
  });

  it('can switch the freshness checks off', async () => {
    const relaxed = await startEmulator({ port: 0, config: { checkFreshness: false } });
    try {
      expect((await signedV3(relaxed, 'DescribeTasks', {}, { date: isoNow(-3600_000), nonce: 'a'.repeat(32) })).status).toBe(200);
      expect((await signedV3(relaxed, 'DescribeTasks', {}, { date: isoNow(-3600_000), nonce: 'a'.repeat(32) })).status).toBe(200);
    } finally {
      await relaxed.close();
    }
  });

  it('rejects missing or malformed Authorization with IncompleteSignature', async () => {
    const missing = await rawRequest(emulator, { headers: { 'x-acs-action': 'DescribeTasks', 'x-acs-version': '2023-09-30' } });
    expect(missing.status).toBe(400);
    expect(missing.json().Code).toBe('IncompleteSignature');
    const garbled = await rawRequest(emulator, {
      headers: { 'x-acs-action': 'DescribeTasks', 'x-acs-version': '2023-09-30', authorization: 'ACS3-HMAC-SHA256 nonsense' },
    });
    expect(garbled.json().Code).toBe('IncompleteSignature');
  });

  it('rejects a body whose hash does not match x-acs-content-sha256', async () => {
    const { signV3Request } = await import('../../emulator/wire/signature');
    const headers = signV3Request({
      accessKeyId: 'cpr-emulator-id',
      accessKeySecret: TEST_ACCESS_KEY_SECRET,
      action: 'DescribeTasks',
      host: emulator.endpoint,
      query: {},
    });
    const response = await rawRequest(emulator, {
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'MaxResults=5',
    });
    expect(response.status).toBe(400);
    expect(response.json().Code).toBe('SignatureDoesNotMatch');
  });

  it('rejects another API version with 400 NoSuchVersion and an unknown action with JSON 404', async () => {
    const version = await signedV3(emulator, 'DescribeTasks', {}, { version: '2020-01-01' });
    expect(version.status).toBe(400);
    expect(version.json().Code).toBe('NoSuchVersion');
    const error = await vendorClient(emulator).fail('DescribeEverything');
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('InvalidApi.NotFound');
  });

  it('answers other paths and methods with a JSON 404', async () => {
    for (const [method, path] of [
      ['GET', '/'],
      ['POST', '/other'],
      ['PUT', '/'],
    ]) {
      const response = await rawRequest(emulator, { method, path });
      expect(response.status).toBe(404);
      expect(response.headers['content-type']).toContain('application/json');
      expect(errorBodySchema.parse(response.json()).Code).toBe('InvalidApi.NotFound');
    }
  });

  it('merges a form-urlencoded body with the query and rebuilds Name.N arrays in numeric order', async () => {
    const client = vendorClient(emulator);
    const ids = [...DEMO_TARGETS.slice(0, 3)].reverse();
    const query: Record<string, unknown> = {};
    ids.forEach((id, i) => {
      query[`AndroidInstanceIds.${i + 1}`] = id;
    });
    query['AndroidInstanceIds.10'] = DEMO_TARGETS[5];
    const body = describeAndroidInstancesSchema.parse(await client.call('DescribeAndroidInstances', query));
    expect(body.TotalCount).toBe(4);
  });
});
