// The bulk-migration plan: many recovery items plus the recovery options every child shares and the
// options of the migration itself (chunking, window, waves). Pure zod, so it is validated at the edge
// (CLI, HTTP, schedule) and again inside the workflow bundle with the same rules.
import { z } from 'zod';
import { MAX_TARGETS_PER_RUN, describeIssues, recoverAppInputSchema, recoveryItemSchema, type InputIssue } from './input';

/** Targets in one migration. Bounded by the 2 MB workflow payload limit long before the server limits. */
export const MAX_MIGRATION_TARGETS = 20_000;
/** The plan travels as one workflow input (2 MB payload limit); leave headroom for the envelope. */
export const MAX_PLAN_BYTES = 1_500_000;
/** Children in flight at once (Temporal advises well under 2,000 pending children per execution). */
export const MAX_WINDOW = 200;

// The recovery options are recoverApp's own schema minus the items, so a plan can never carry an option
// the child would reject. Reaching into the union is type-checked: a reshaped input.ts fails tsc here.
const recoveryOptionsSchema = recoverAppInputSchema.in.in.options[0].omit({ schemaVersion: true, items: true });

export const wavesSchema = z.strictObject({
  /** Targets in the first (canary) wave; whole items, so the canary may be a little larger. */
  canarySize: z.number().int().min(1).max(MAX_MIGRATION_TARGETS).optional(),
  /** Targets per later wave; absent: everything after the canary is one wave. */
  waveSize: z.number().int().min(1).max(MAX_MIGRATION_TARGETS).optional(),
  /** A finished wave whose failed/(finished) ratio exceeds this pauses the migration before the next wave. */
  pauseOnFailureRate: z.number().min(0).max(1).default(0.2),
});

export const migrationOptionsSchema = recoveryOptionsSchema.extend({
  /** Targets per child recoverApp run. Items are never split (a backup is released by the child that
   *  restored all of its targets), so an item larger than this gets a child of its own. Small children
   *  pipeline: one child's preflight overlaps another's RecoverApp calls (BENCHMARKS.md, before/after). */
  itemsPerChild: z.number().int().min(1).max(MAX_TARGETS_PER_RUN).default(50),
  /** Children running at once (sliding window); changeable at run time with the setWindow update. */
  maxConcurrentChildren: z.number().int().min(1).max(MAX_WINDOW).default(20),
  waves: wavesSchema.default(() => wavesSchema.parse({})),
  /** Test-only: continue-as-new after this many children in one run (production relies on the server's suggestion). */
  continueAsNewAfterChildren: z.number().int().min(1).optional(),
});

export const migrationPlanSchema = z
  .strictObject({
    schemaVersion: z.literal(1).default(1),
    items: z.array(recoveryItemSchema).min(1, 'needs at least one recovery item').max(MAX_MIGRATION_TARGETS),
    options: migrationOptionsSchema.default(() => migrationOptionsSchema.parse({})),
  })
  .superRefine((plan, ctx) => {
    const instanceOwner = new Map<string, number>();
    const backupOwner = new Map<string, number>();
    let total = 0;
    plan.items.forEach((item, itemIndex) => {
      const otherBackup = backupOwner.get(item.backupFileId);
      if (otherBackup !== undefined) {
        // Two items of one backup could land in different children, and the first child would release
        // the backup before the second restored it.
        ctx.addIssue({
          code: 'custom',
          path: ['items', itemIndex, 'backupFileId'],
          message: `backup ${item.backupFileId} is already used by items[${otherBackup}]; list all of its targets in one item`,
        });
      } else backupOwner.set(item.backupFileId, itemIndex);
      const seen = new Set<string>();
      item.instanceIds.forEach((id, i) => {
        if (seen.has(id)) return; // duplicates within one item are merged
        seen.add(id);
        total++;
        const other = instanceOwner.get(id);
        if (other !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['items', itemIndex, 'instanceIds', i],
            message: `instance ${id} is already the target of items[${other}]; an instance may be the target of only one item`,
          });
        } else instanceOwner.set(id, itemIndex);
      });
    });
    if (total > MAX_MIGRATION_TARGETS) {
      ctx.addIssue({ code: 'custom', path: ['items'], message: `at most ${MAX_MIGRATION_TARGETS} targets per migration; split the plan` });
    }
    const { limits } = plan.options;
    if (limits.pollIntervalMinMs > limits.pollIntervalMaxMs) {
      ctx.addIssue({ code: 'custom', path: ['options', 'limits', 'pollIntervalMinMs'], message: 'must not exceed limits.pollIntervalMaxMs' });
    }
  })
  .transform((plan) => ({
    ...plan,
    items: plan.items.map((item) => ({ ...item, instanceIds: [...new Set(item.instanceIds)] })),
  }));

/** What callers send (defaults optional). */
export type MigrationPlanInput = z.input<typeof migrationPlanSchema>;
/** What the workflow works with after validation and defaults. */
export type MigrationPlan = z.output<typeof migrationPlanSchema>;
export type MigrationOptions = MigrationPlan['options'];
export type MigrationItem = MigrationPlan['items'][number];

export type PlanParseResult = { ok: true; plan: MigrationPlan } | { ok: false; issues: InputIssue[] };

export function parseMigrationPlan(raw: unknown): PlanParseResult {
  const parsed = migrationPlanSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, issues: describeIssues(parsed.error) };
  const bytes = JSON.stringify(parsed.data).length;
  if (bytes > MAX_PLAN_BYTES) {
    return { ok: false, issues: [{ field: 'items', rule: `the plan is ${bytes} bytes; at most ${MAX_PLAN_BYTES} fit in one workflow input, split it` }] };
  }
  return { ok: true, plan: parsed.data };
}

export function countTargets(plan: Pick<MigrationPlan, 'items'>): number {
  return plan.items.reduce((sum, item) => sum + item.instanceIds.length, 0);
}
