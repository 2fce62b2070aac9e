// A fleet larger than one migration holds is benchmarked as several migrations sharing the window.
import { splitPlan } from '../../bench/bench';
import type { MigrationPlanInput } from '../../workflows/plan';

const plan = (backups: number, perBackup: number): MigrationPlanInput => ({
  items: Array.from({ length: backups }, (_, b) => ({
    backupFileId: `bf-${String(b).padStart(17, '0')}`,
    instanceIds: Array.from({ length: perBackup }, (_, i) => `acp-${String(b * perBackup + i).padStart(17, '0')}`),
  })),
  options: { maxConcurrentChildren: 20 },
});

it('splits into plans of at most the limit, keeping items whole and every target once', () => {
  const parts = splitPlan(plan(10_000, 10), 20_000);
  expect(parts.map((p) => p.items.reduce((n, i) => n + i.instanceIds.length, 0))).toEqual([20_000, 20_000, 20_000, 20_000, 20_000]);
  expect(new Set(parts.flatMap((p) => p.items.flatMap((i) => i.instanceIds))).size).toBe(100_000);
  expect(parts.map((p) => p.options?.maxConcurrentChildren)).toEqual([4, 4, 4, 4, 4]);
});

it('leaves a plan within the limit as it is', () => {
  const parts = splitPlan(plan(100, 10), 20_000);
  expect(parts).toHaveLength(1);
  expect(parts[0]!.items).toHaveLength(100);
  expect(parts[0]!.options?.maxConcurrentChildren).toBe(20);
});
