// Shared setup for client tests against the project's emulator (real HTTP, real V3 signing).
import { loadEcpConfig, type EcpConfig } from '../../activities/ecp/config';
import type { EcpHooks } from '../../activities/ecp/call';
import { EcpError } from '../../activities/ecp/errors';
import { createEcpClient } from '../../activities/ecp/operations';
import type { EcpClient } from '../../activities/ecp/types';
import type { EmulatorConfigPatch } from '../../emulator/admin-client';
import type { RunningEmulator } from '../../emulator/server';

export const AK_ID = 'ecp-test-id';
export const AK_SECRET = 'ecp-test-secret-Zx9+/=q';

/** Faults off, so a test that patches faults can put everything back in one call. */
export const NO_FAULTS: EmulatorConfigPatch = {
  throttleRate: 0,
  serverErrorRate: 0,
  htmlErrorRate: 0,
  slowReplyRate: 0,
  lostResponseRate: 0,
  faultActions: [],
  qpsPerAction: 0,
  qpsOverrides: {},
  throttleStatus: 400,
};

export function clientConfig(emulator: RunningEmulator, over: Partial<EcpConfig> = {}): EcpConfig {
  const base = loadEcpConfig(
    { CPR_ECP_ENDPOINT: emulator.endpoint, CPR_ECP_PROTOCOL: 'http', CPR_ECP_CONNECT_TIMEOUT_MS: '5000', CPR_ECP_READ_TIMEOUT_MS: '5000' },
    { credentials: { accessKeyId: AK_ID, accessKeySecret: AK_SECRET } },
  );
  return { ...base, ...over };
}

export function clientFor(emulator: RunningEmulator, over: Partial<EcpConfig> = {}, hooks?: EcpHooks): EcpClient {
  return createEcpClient(clientConfig(emulator, over), hooks);
}

/** Every EcpError a test saw; the suite checks at the end that none carries the secret. */
export const seenErrors: EcpError[] = [];

export async function expectEcpError(promise: Promise<unknown>): Promise<EcpError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof EcpError)) throw new Error(`expected an EcpError, got ${String(err)}`);
  seenErrors.push(err);
  return err;
}
