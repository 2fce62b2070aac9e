// The set-up most emulator test files share: one emulator for the file on a fast clock, reset to the
// demo fleet with the default faults before each test, and a signed vendor client and admin for it.
import { EmulatorAdmin } from '../../../emulator/admin-client';
import { DEFAULT_CONFIG } from '../../../emulator/config';
import { startEmulator, type RunningEmulator } from '../../../emulator/server';
import { vendorClient, type VendorClient } from './vendor-client';

export interface EmulatorLab {
  emulator: RunningEmulator;
  client: VendorClient;
  admin: EmulatorAdmin;
}

/** Registers the file's hooks; the returned fields are set once `beforeAll` has run. */
export function useEmulatorLab(): EmulatorLab {
  const lab = {} as EmulatorLab;
  beforeAll(async () => {
    lab.emulator = await startEmulator({ port: 0, config: { timeScale: 0.001 } });
    lab.client = vendorClient(lab.emulator);
    lab.admin = new EmulatorAdmin(lab.emulator.url);
  });
  beforeEach(async () => {
    await lab.admin.patchConfig({ ...DEFAULT_CONFIG, timeScale: 0.001, qpsPerAction: 0 });
    await lab.admin.reset('demo');
  });
  afterAll(() => lab.emulator.close());
  return lab;
}
