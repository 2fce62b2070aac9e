// The chaos harness in its small configuration (npm test): 30 targets, one worker SIGKILL, one Temporal
// dev-server restart, the emulator's throttling / 5xx / task failures / corruption on. Every invariant
// the harness checks must hold; the full run (200 targets, 3 kills) is `npm run chaos`.
import { DEFAULT_CHAOS, chaosTables, runChaos } from '../../bench/chaos';
import { textTable } from '../../bench/report';

// A SIGKILLed worker's activities are retried only after their heartbeat timeout (1 minute).
jest.setTimeout(240_000);

it('keeps every invariant through a worker SIGKILL, a dev-server restart and injected vendor faults', async () => {
  const report = await runChaos({ ...DEFAULT_CHAOS, instances: 30, targetsPerBackup: 5, occupiedFraction: 0.2, workerKills: 1, temporalRestarts: 1, timeoutS: 200, seed: 11 }, () => undefined);
  const t = chaosTables(report);
  const explain = `${textTable(...t.faults)}\n\n${textTable(...t.invariants)}\n\n${report.events.join('\n')}`;
  expect({ ok: report.ok, explain }).toEqual({ ok: true, explain });
  // The faults really happened (a run without them would prove nothing).
  const injected = Object.fromEntries(report.faults.map((f) => [f.fault, f.injected]));
  expect(injected['worker SIGKILL + restart']).toBe(1);
  expect(injected['Temporal dev server restart (same SQLite file)']).toBe(1);
  expect(injected['throttled responses (Throttling.User)']).toBeGreaterThan(0);
  expect(report.invariants.every((i) => i.checked > 0)).toBe(true);
});
