// How the budget is divided: pure functions of the vendorBudget workflow, no server.
import { grantFor, waterFill, type BudgetMember } from '../../workflows/vendor-budget-shares';

const limits = { defaultQps: 9, perActionQps: { RecoverApp: 3 } };
const member = (demand: BudgetMember['demand'], held: Record<string, number> = {}): BudgetMember => ({ limits, demand, grants: held, held, expiresAt: 0 });

describe('vendor budget shares', () => {
  it('divides max-min fairly: small wants are met, the rest is split evenly', () => {
    expect(waterFill(9, [1, Infinity, Infinity])).toEqual([1, 4, 4]);
    expect(waterFill(9, [Infinity, Infinity, Infinity])).toEqual([3, 3, 3]);
    expect(waterFill(9, [1, 2, 3]).reduce((a, b) => a + b)).toBe(6);
  });

  it('gives a member only the headroom the others still hold, never more than its fair target', () => {
    const members = new Map([
      ['a', member({ DescribeTasks: null }, { DescribeTasks: 4.5 })],
      ['b', member({ DescribeTasks: null }, { DescribeTasks: 4.5 })],
      ['c', member({ DescribeTasks: null })],
    ]);
    expect(grantFor('c', members, ['DescribeTasks']).DescribeTasks).toBe(0); // a and b hold everything until they renew
    members.get('a')!.held = { DescribeTasks: 3 };
    expect(grantFor('c', members, ['DescribeTasks']).DescribeTasks).toBe(1.5);
    members.get('b')!.held = { DescribeTasks: 3 };
    expect(grantFor('c', members, ['DescribeTasks']).DescribeTasks).toBe(3);
  });

  it('keeps an idle member small and lets the busy ones use the rest; per-action limits apply', () => {
    const members = new Map([
      ['busy', member({ RecoverApp: null, DescribeTasks: null })],
      ['idle', member({ RecoverApp: 0, DescribeTasks: 0 })],
    ]);
    const busy = grantFor('busy', members, ['RecoverApp', 'DescribeTasks']);
    expect(busy.RecoverApp).toBeCloseTo(3 - 0.75, 5); // idle keeps half an equal share
    expect(busy.DescribeTasks).toBeCloseTo(9 - 2.25, 5);
  });

  it('uses the strictest limit while members are configured differently', () => {
    const members = new Map([
      ['old', { ...member({ X: null }), limits: { defaultQps: 20, perActionQps: {} } }],
      ['new', member({ X: null })],
    ]);
    expect(grantFor('new', members, ['X']).X).toBe(4.5);
  });
});

describe('CPR_VENDOR_BUDGET', () => {
  it('is shared by default, local on request, and names the rule for anything else', async () => {
    const { loadWorkerConfig } = await import('../../worker/config');
    const noFiles = (): string => '';
    expect(loadWorkerConfig({}, noFiles).vendorBudget).toBe('shared');
    expect(loadWorkerConfig({ CPR_VENDOR_BUDGET: 'local' }, noFiles).vendorBudget).toBe('local');
    expect(() => loadWorkerConfig({ CPR_VENDOR_BUDGET: 'global' }, noFiles)).toThrow(/vendorBudget: .*"shared"/);
  });
});
