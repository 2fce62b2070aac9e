// `cpr dev` (= `npm start`): flag parsing for the embedded stack in client/dev/stack.ts.
import { InvalidInputError } from '../service/errors';
import { describeCliError } from './errors';
import { runDevStack, type StackPorts } from '../dev/stack';

export interface DevFlags {
  temporalPort: string;
  uiPort: string;
  emulatorPort: string;
  apiPort: string;
  metricsPort: string;
  sdkMetricsPort: string;
  dataDir: string;
  timeScale: string;
  demo: boolean;
  exitAfterDemo?: boolean;
}

export async function devCommand(flags: DevFlags): Promise<number> {
  const issues: { field: string; rule: string }[] = [];
  const port = (value: string, flag: string): number => {
    const n = Number(value);
    if (!/^\d{1,5}$/.test(value) || n < 1 || n > 65535) issues.push({ field: flag, rule: 'must be a port number from 1 to 65535' });
    return n;
  };
  const ports: StackPorts = {
    temporalPort: port(flags.temporalPort, '--temporal-port'),
    uiPort: port(flags.uiPort, '--ui-port'),
    emulatorPort: port(flags.emulatorPort, '--emulator-port'),
    apiPort: port(flags.apiPort, '--api-port'),
    metricsPort: port(flags.metricsPort, '--metrics-port'),
    sdkMetricsPort: port(flags.sdkMetricsPort, '--sdk-metrics-port'),
  };
  const timeScale = Number(flags.timeScale);
  if (!Number.isFinite(timeScale) || timeScale <= 0 || timeScale > 10) issues.push({ field: '--time-scale', rule: 'must be a number above 0 and at most 10' });
  if (issues.length) throw new InvalidInputError(issues);
  let code: number;
  try {
    code = await runDevStack({ ...ports, dataDir: flags.dataDir, timeScale, demo: flags.demo, exitAfterDemo: flags.exitAfterDemo === true });
  } catch (err) {
    const reported = describeCliError(err);
    process.stderr.write(`${reported.lines.join('\n')}\n`);
    code = reported.exitCode;
  }
  // The Temporal Runtime keeps native handles open; everything of ours is stopped, so leave now.
  process.exit(code);
}
