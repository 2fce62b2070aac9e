// Keep worker logs to warnings so test output stays readable. Installed only by files that use Temporal:
// an installed Runtime that never gets a connection keeps jest from exiting.
import { DefaultLogger, Runtime, makeTelemetryFilterString } from '@temporalio/worker';

let installed = false;

export function installQuietRuntime(): void {
  if (installed) return;
  installed = true;
  try {
    Runtime.install({
      logger: new DefaultLogger('WARN'),
      telemetryOptions: { logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN' }) } },
    });
  } catch {
    // A Runtime already exists in this process (an earlier file in the same jest worker): keep it.
  }
}
