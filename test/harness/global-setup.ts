// One real Temporal dev server (CLI, in-memory SQLite) for the whole jest run. Test files connect to it
// through CPR_TEST_TEMPORAL_ADDRESS and use their own task queues and workflow IDs.
import { freePort, startDevServer, type RunningDevServer } from '../../client/dev/dev-server';
import { SEARCH_ATTRIBUTES } from '../../workflows/types';

declare global {
  var __cprDevServer: RunningDevServer | undefined;
}

export default async function globalSetup(): Promise<void> {
  if (process.env.CPR_TEST_TEMPORAL_ADDRESS) return; // an externally provided server
  const server = await startDevServer({
    port: await freePort(),
    searchAttributes: SEARCH_ATTRIBUTES,
    // Slow CI machines: give workflow tasks more room than the 10 s default.
    extraArgs: ['--dynamic-config-value', 'history.defaultWorkflowTaskTimeout="30s"'],
  });
  globalThis.__cprDevServer = server;
  process.env.CPR_TEST_TEMPORAL_ADDRESS = server.address;
}
