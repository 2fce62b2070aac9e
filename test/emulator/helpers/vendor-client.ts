import OpenApi, { Config, OpenApiRequest, Params } from '@alicloud/openapi-client';
import OpenApiUtil from '@alicloud/openapi-util';
import { RuntimeOptions } from '@alicloud/tea-util';
import type { RunningEmulator } from '../../../emulator/server';

export const TEST_ACCESS_KEY_ID = 'cpr-emulator-id';
export const TEST_ACCESS_KEY_SECRET = 'cpr-emulator-secret';

export type ResponseBody = Record<string, unknown>;

export interface VendorError extends Error {
  code?: string;
  statusCode?: number;
  data?: Record<string, unknown>;
}

export interface VendorClient {
  call(action: string, query?: Record<string, unknown>): Promise<ResponseBody>;
  /** Resolves with the thrown error; fails the test if the call succeeded. */
  fail(action: string, query?: Record<string, unknown>): Promise<VendorError>;
}

/** The real @alicloud/openapi-client, configured the way the product configures it. */
export function vendorClient(
  emulator: RunningEmulator,
  options: { accessKeyId?: string; accessKeySecret?: string; signatureAlgorithm?: string } = {},
): VendorClient {
  const client = new OpenApi(
    new Config({
      accessKeyId: options.accessKeyId ?? TEST_ACCESS_KEY_ID,
      accessKeySecret: options.accessKeySecret ?? TEST_ACCESS_KEY_SECRET,
      endpoint: emulator.endpoint,
      protocol: 'http',
      regionId: 'cn-shanghai',
      readTimeout: 10_000,
      connectTimeout: 10_000,
      signatureAlgorithm: options.signatureAlgorithm,
    }),
  );
  const call = async (action: string, query: Record<string, unknown> = {}): Promise<ResponseBody> => {
    const params = new Params({
      action,
      version: '2023-09-30',
      protocol: 'HTTPS',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    });
    const response = await client.callApi(params, new OpenApiRequest({ query: OpenApiUtil.query(query) }), new RuntimeOptions({}));
    return response.body as ResponseBody;
  };
  return {
    call,
    async fail(action, query) {
      try {
        await call(action, query);
      } catch (error) {
        return error as VendorError;
      }
      throw new Error(`${action} unexpectedly succeeded`);
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
