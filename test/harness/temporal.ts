// Per-file helpers around the shared dev server: a client, a native connection for workers, one
// workflow bundle per file, and unique task queues.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { installQuietRuntime } from './quiet-runtime';
import { productBundleOptions } from '../../worker/workflow-bundle';
import { LEASE_REGISTRY_ID_PREFIX, leaseRegistryWorkflowId } from '../../workflows/lease-registry';
import { LEASE_SHARDS } from '../../workflows/types';

export interface TestTemporal {
  address: string;
  namespace: string;
  client: Client;
  nativeConnection: NativeConnection;
  close(): Promise<void>;
}

export async function connectTestTemporal(): Promise<TestTemporal> {
  const address = process.env.CPR_TEST_TEMPORAL_ADDRESS;
  if (!address) throw new Error('CPR_TEST_TEMPORAL_ADDRESS is not set: run tests through jest (global setup starts the dev server)');
  installQuietRuntime();
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  const namespace = 'default';
  return {
    address,
    namespace,
    client: new Client({ connection, namespace }),
    nativeConnection,
    async close() {
      await connection.close();
      await nativeConnection.close();
    },
  };
}

let cachedBundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The product's workflow bundle (workflows/index.ts), built once per test file. */
export function productWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  cachedBundle ??= bundleWorkflowCode(productBundleOptions({ logger: quietBundlerLogger }));
  return cachedBundle;
}

export function uniqueTaskQueue(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 12)}`;
}

const noop = (): void => undefined;
const quietBundlerLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: (msg: string) => console.error(msg), log: noop };

/** Ends the lease registries a test's recoveries started (never started or already closed: nothing to do). */
export async function terminateLeaseRegistries(client: Client, prefix: string = LEASE_REGISTRY_ID_PREFIX): Promise<void> {
  await Promise.all(
    Array.from({ length: LEASE_SHARDS }, (_, shard) =>
      client.workflow
        .getHandle(leaseRegistryWorkflowId(shard, prefix))
        .terminate('test finished')
        .catch(() => undefined),
    ),
  );
}
