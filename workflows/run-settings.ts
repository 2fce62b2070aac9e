// Values that shape the commands a recovery issues (how targets are batched into activities, how many
// run at once, how long one poll round lasts, how leases are sharded), fixed for the life of one run.
//
// A run lasts hours to days and must replay identically after any release (docs/design.md, invariant 10;
// docs/versioning.md). So these values are not read from code while a run goes: the edge (client
// service, schedules, the library's freeze functions) records the current table entry in the input as
// `runSettings`, and the run uses what its input says. An input without them (a raw start by another
// team's workflow, or a run started before they were recorded) gets an entry of the versioned table,
// chosen in the workflow behind patched() (runSettingsForUnfrozenInput in freeze.ts).
//
// Never edit an entry of RUN_SETTINGS: add a new version and point CURRENT_RUN_SETTINGS at it.
import { z } from 'zod';

export const runSettingsSchema = z.strictObject({
  /** The table entry these values were taken from (for operators and for the upgrade discipline). */
  version: z.number().int().min(1),
  /** Targets per activity call of submit / verify / snapshot. */
  targetsPerActivity: z.number().int().min(1).max(5000),
  /** Activity calls of one phase in flight at once (well under the server's pending-activity limit). */
  activityWindow: z.number().int().min(1).max(100),
  /** Poll activities in flight at once. */
  pollWindow: z.number().int().min(1).max(500),
  /** How long one polling activity watches its tasks before handing partial results back. */
  pollRoundMs: z.number().int().min(1_000).max(3_600_000),
  /** How long a cancelled run waits for vendor tasks already running before it lets go of its targets. */
  cancelSettleMs: z.number().int().min(0).max(3_600_000),
  /** Lease registry shards the run's instances are routed over (acquire and release must agree). */
  leaseShards: z.number().int().min(1).max(64),
});

export type RunSettings = z.infer<typeof runSettingsSchema>;

/** Version 1: the values every run used before run settings were recorded. */
export const RUN_SETTINGS_V1: Readonly<RunSettings> = Object.freeze({
  version: 1,
  targetsPerActivity: 500,
  activityWindow: 8,
  pollWindow: 50,
  pollRoundMs: 10 * 60_000,
  cancelSettleMs: 2 * 60_000,
  // Few shards: every recovery pays ~10 history events per shard it touches (acquire + release), and
  // one registry handles thousands of leases easily.
  leaseShards: 4,
});

/** Every version ever released, by number. Entries are immutable: replays depend on them. */
export const RUN_SETTINGS: Readonly<Record<number, Readonly<RunSettings>>> = Object.freeze({ 1: RUN_SETTINGS_V1 });

/** What the edge records in new runs. */
export const CURRENT_RUN_SETTINGS: Readonly<RunSettings> = RUN_SETTINGS_V1;
