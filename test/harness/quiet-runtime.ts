// Keep worker logs to warnings so test output stays readable; one Runtime per jest module registry.
import { DefaultLogger, Runtime, makeTelemetryFilterString } from '@temporalio/worker';

try {
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN' }) } },
  });
} catch {
  // Already installed in this process by an earlier test file: the first install stays in force.
}
