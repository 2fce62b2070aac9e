// The migration options every benchmark plan uses, from the bench's flags.
import type { MigrationPlanInput } from '../workflows/plan';

export interface PlanOptionFlags {
  itemsPerChild: number;
  window: number;
  recoverChunkSize: number;
  verifyChunkSize: number;
  pollChunkSize: number;
  pollIntervalMinMs: number;
  pollIntervalMaxMs: number;
  recoverDurationMs: number;
  timeScale: number;
}

export function benchMigrationOptions(config: PlanOptionFlags): NonNullable<MigrationPlanInput['options']> {
  return {
    itemsPerChild: config.itemsPerChild,
    maxConcurrentChildren: config.window,
    limits: {
      recoverChunkSize: config.recoverChunkSize,
      verifyChunkSize: config.verifyChunkSize,
      pollChunkSize: config.pollChunkSize,
      pollIntervalMinMs: config.pollIntervalMinMs,
      pollIntervalMaxMs: config.pollIntervalMaxMs,
      // Generous: a task is late only at 20 times its emulated duration.
      taskTimeoutMs: Math.max(60_000, Math.ceil(config.recoverDurationMs * config.timeScale * 20)),
    },
  };
}
