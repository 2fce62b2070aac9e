// Integration set-up: a real emulator over HTTP (real signing), the product's real activities through
// createWorker, and a lease registry private to the test (unique ID prefix).
import type { Worker } from '@temporalio/worker';
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, startEmulator, type RunningEmulator } from '../../emulator/server';
import { EmulatorAdmin } from '../../emulator/admin-client';
import type { EmulatorConfig } from '../../emulator/config';
import { loadEcpConfig } from '../../activities/ecp';
import type { RecoverAppInput } from '../../workflows/input';
import { DEMO_BACKUP_1 } from '../../emulator/demo-seed';
import { createWorker, type CreateWorkerOptions } from '../../worker';
import { productWorkflowBundle, terminateLeaseRegistries, uniqueId, uniqueTaskQueue, type TestTemporal } from '../harness/temporal';

/** A recovery task takes ~300 ms, a command ~10 ms, a snapshot ~200 ms. */
export const FAST_EMULATOR: Partial<EmulatorConfig> = { timeScale: 0.01, qpsPerAction: 0 };

export const EMULATOR_LIMITS = {
  maxAttemptsPerInstance: 3,
  taskTimeoutMs: 10_000,
  pollIntervalMinMs: 50,
  pollIntervalMaxMs: 200,
  busyWaitMs: 0,
  approvalTimeoutMs: 60_000,
} as const;

/** The demo backup onto the given demo targets, with fast limits; `extra` overrides any field. */
export function demoInput(instanceIds: readonly string[], extra: Partial<RecoverAppInput> = {}): RecoverAppInput {
  return {
    backupFileId: DEMO_BACKUP_1,
    instanceIds: [...instanceIds],
    onBusyInstance: 'fail',
    limits: { ...EMULATOR_LIMITS },
    ...extra,
  } as RecoverAppInput;
}

export interface Lab {
  emulator: RunningEmulator;
  admin: EmulatorAdmin;
  taskQueue: string;
  leasePrefix: string;
  /** A fresh Worker with the real activities on the lab's task queue; `overrides` replace createWorker options. */
  worker(overrides?: Partial<CreateWorkerOptions>): Promise<Worker>;
  close(): Promise<void>;
}

export async function openLab(temporal: TestTemporal, config: Partial<EmulatorConfig> = {}): Promise<Lab> {
  const emulator = await startEmulator({ seed: 'demo', config: { ...FAST_EMULATOR, ...config } });
  const admin = new EmulatorAdmin(emulator.url);
  const taskQueue = uniqueTaskQueue('recover-int');
  const leasePrefix = uniqueId('lease');
  const ecp = loadEcpConfig(
    { CPR_ECP_ENDPOINT: emulator.endpoint, CPR_ECP_PROTOCOL: 'http' },
    { credentials: { accessKeyId: DEFAULT_ACCESS_KEY_ID, accessKeySecret: DEFAULT_ACCESS_KEY_SECRET } },
  );
  return {
    emulator,
    admin,
    taskQueue,
    leasePrefix,
    async worker(overrides = {}) {
      return createWorker({
        connection: temporal.nativeConnection,
        namespace: temporal.namespace,
        taskQueue,
        ecp,
        workflowBundle: await productWorkflowBundle(),
        leases: { registryIdPrefix: leasePrefix },
        vendorQps: 1000,
        shutdownGraceTime: 0,
        ...overrides,
      });
    },
    async close() {
      // Lease registries are long-lived by design; a test's own are ended with it.
      await terminateLeaseRegistries(temporal.client, leasePrefix);
      await emulator.close();
    },
  };
}
