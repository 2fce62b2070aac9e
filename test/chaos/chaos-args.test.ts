// The chaos variants are switched by flags; what each flag turns into is what the run (and its
// BENCHMARKS.md section and reproduce command) reports.
import { chaosCommand, parseChaosArgs, variantName } from '../../bench/chaos';

it('runs the baseline without variant flags', () => {
  const c = parseChaosArgs([]);
  expect({ dialect: c.dialect, vendorOutage: c.vendorOutage, emulatorRestarts: c.emulatorRestarts, temporalOutageS: c.temporalOutageS, variant: variantName(c) }).toEqual({
    dialect: 'familiar',
    vendorOutage: undefined,
    emulatorRestarts: 0,
    temporalOutageS: 0,
    variant: 'baseline',
  });
});

it('turns each variant flag into its disruption, with the documented defaults', () => {
  const c = parseChaosArgs(['--dialect', 'unfamiliar', '--vendor-outage', '--emulator-restart', '--temporal-outage', '--seed', '5']);
  expect(c.dialect).toBe('unfamiliar');
  expect(c.vendorOutage?.mode).toBe('5xx');
  expect(c.vendorOutage?.seconds).toBeGreaterThanOrEqual(60);
  expect(c.vendorOutage?.seconds).toBeLessThanOrEqual(120);
  expect(c.emulatorRestarts).toBe(1);
  expect(c.temporalOutageS).toBe(60);
  expect(variantName(c)).toBe('dialect-unfamiliar+vendor-outage-5xx+emulator-restart+temporal-outage');
  // The outage length is seeded: the same seed replays the same run.
  expect(parseChaosArgs(['--vendor-outage', '--seed', '5']).vendorOutage).toEqual(c.vendorOutage);
});

it('takes explicit values and prints a command that reproduces the configuration', () => {
  const c = parseChaosArgs(['--instances', '150', '--vendor-outage', 'refuse', '--outage-s', '90', '--temporal-outage', '75', '--emulator-restart', '2']);
  expect(c.vendorOutage).toEqual({ mode: 'refuse', seconds: 90 });
  expect(c.temporalOutageS).toBe(75);
  expect(c.emulatorRestarts).toBe(2);
  const again = parseChaosArgs(chaosCommand(c).replace('npm run chaos -- ', '').split(' '));
  expect({ ...again, write: c.write }).toEqual(c);
});

it('refuses a value outside the rule, naming the flag', () => {
  expect(() => parseChaosArgs(['--dialect', 'strange'])).toThrow(/--dialect/);
  expect(() => parseChaosArgs(['--vendor-outage', 'flaky'])).toThrow(/--vendor-outage/);
  expect(() => parseChaosArgs(['--temporal-outage', '0'])).toThrow(/--temporal-outage must be a number from 1/);
});
