import { z } from 'zod';

const rate = z.number().min(0).max(1);
const durationMs = z.number().min(0);

export const instanceOverrideSchema = z
  .object({
    /** Force the outcome of every recovery task on this instance. */
    taskFailure: z.enum(['always', 'never']).optional(),
    /** Error code used when a recovery task on this instance fails (default `RecoverTimeout`). */
    failureCode: z.string().min(1).optional(),
    /** Recovery tasks on this instance stay `Processing` forever. */
    stuck: z.boolean().optional(),
    /** Successful recoveries on this instance corrupt one restored data file. */
    corrupt: z.boolean().optional(),
    /** Recovery duration for this instance, in emulated ms. */
    recoverDurationMs: durationMs.optional(),
  })
  .strict();

export type InstanceOverride = z.infer<typeof instanceOverrideSchema>;

export const emulatorConfigSchema = z
  .object({
    /** Real ms per emulated ms: 0.001 makes a 60 s task take 60 ms. */
    timeScale: z.number().positive(),
    recoverDurationMs: durationMs,
    backupDurationMs: durationMs,
    commandDurationMs: durationMs,
    startStopDurationMs: durationMs,
    deleteDelayMs: durationMs,
    /** Token-bucket limit per action per AccessKey, in real requests per second; 0 = unlimited. */
    qpsPerAction: z.number().min(0),
    qpsOverrides: z.record(z.string(), z.number().min(0)),
    throttleStatus: z.union([z.literal(400), z.literal(429)]),
    checkFreshness: z.boolean(),
    repeatDelete: z.enum(['error', 'succeed']),
    /** Backup status once its last recovery ends in failure. */
    backupStatusAfterFailedRecovery: z.enum(['AVAILABLE', 'RECOVERY_FAILED']),
    throttleRate: rate,
    serverErrorRate: rate,
    htmlErrorRate: rate,
    slowReplyRate: rate,
    /** Real ms (not scaled): slow replies exist to exercise client timeouts. */
    slowReplyMs: durationMs,
    lostResponseRate: rate,
    taskFailureRate: rate,
    stuckTaskRate: rate,
    corruptionRate: rate,
    /** Request-level faults hit only these actions; empty = every action. */
    faultActions: z.array(z.string()),
    instanceOverrides: z.record(z.string(), instanceOverrideSchema),
    randomSeed: z.number().int(),
    /** Oldest call-log entries are dropped beyond this many. */
    callLogLimit: z.number().int().min(1000),
    /**
     * Preset: `'unfamiliar'` turns every dialect variant below to its unfamiliar side (fields given in
     * the same patch win). Setting it back to `'familiar'` restores the familiar side.
     */
    dialect: z.enum(['familiar', 'unfamiliar']),
    /** Picks the unfamiliar names (error codes, messages, task failure codes); same seed, same names. */
    dialectSeed: z.number().int(),
    /** Operation-specific error codes and messages are replaced; gateway common codes stay. */
    renameErrorCodes: z.boolean(),
    /** Task failures carry codes the product does not know, some permanent (tied to the instance), some transient. */
    unknownTaskFailureCodes: z.boolean(),
    /** Instance status shown for the first 30 % of a recovery instead of RECOVERING; null = none. */
    transientInstanceStatus: z
      .string()
      .regex(/^[A-Z][A-Z_]*$/)
      .nullable(),
    /** Instance status after a failed recovery. */
    failedRecoveryInstanceStatus: z.enum(['RECOVER_FAILED', 'RUNNING']),
    /** Whether the backup shows RECOVERING while restores from it run. */
    backupStatusDuringRecovery: z.enum(['RECOVERING', 'unchanged']),
    /** `Retry-After` header on Throttling replies: never, always, or on every other throttled reply. */
    throttleRetryAfter: z.enum(['none', 'always', 'mixed']),
    /** The emulator's clock as clients see it (HTTP `Date`, signature freshness) is shifted by this many ms. */
    clockSkewMs: z.number().int(),
  })
  .strict();

export type EmulatorConfig = z.infer<typeof emulatorConfigSchema>;
export const emulatorConfigPatchSchema = emulatorConfigSchema.partial().strict();
export type EmulatorConfigPatch = z.infer<typeof emulatorConfigPatchSchema>;

export const DEFAULT_CONFIG: EmulatorConfig = Object.freeze({
  timeScale: 1,
  recoverDurationMs: 30_000,
  backupDurationMs: 20_000,
  commandDurationMs: 1_000,
  startStopDurationMs: 5_000,
  deleteDelayMs: 2_000,
  qpsPerAction: 20,
  qpsOverrides: {},
  throttleStatus: 400,
  checkFreshness: true,
  repeatDelete: 'error',
  backupStatusAfterFailedRecovery: 'AVAILABLE',
  throttleRate: 0,
  serverErrorRate: 0,
  htmlErrorRate: 0,
  slowReplyRate: 0,
  slowReplyMs: 5_000,
  lostResponseRate: 0,
  taskFailureRate: 0,
  stuckTaskRate: 0,
  corruptionRate: 0,
  faultActions: [],
  instanceOverrides: {},
  randomSeed: 1,
  callLogLimit: 200_000,
  dialect: 'familiar',
  dialectSeed: 1,
  renameErrorCodes: false,
  unknownTaskFailureCodes: false,
  transientInstanceStatus: null,
  failedRecoveryInstanceStatus: 'RECOVER_FAILED',
  backupStatusDuringRecovery: 'RECOVERING',
  throttleRetryAfter: 'none',
  clockSkewMs: 0,
}) as EmulatorConfig;

type DialectVariants = Pick<
  EmulatorConfig,
  | 'renameErrorCodes'
  | 'unknownTaskFailureCodes'
  | 'transientInstanceStatus'
  | 'failedRecoveryInstanceStatus'
  | 'backupStatusDuringRecovery'
  | 'throttleRetryAfter'
>;

/** What each `dialect` preset sets; the familiar side is the emulator's default behaviour. */
export const DIALECT_PRESETS: Readonly<Record<EmulatorConfig['dialect'], DialectVariants>> = Object.freeze({
  familiar: {
    renameErrorCodes: false,
    unknownTaskFailureCodes: false,
    transientInstanceStatus: null,
    failedRecoveryInstanceStatus: 'RECOVER_FAILED',
    backupStatusDuringRecovery: 'RECOVERING',
    throttleRetryAfter: 'none',
  },
  unfamiliar: {
    renameErrorCodes: true,
    unknownTaskFailureCodes: true,
    transientInstanceStatus: 'RESTORING_APP',
    failedRecoveryInstanceStatus: 'RUNNING',
    backupStatusDuringRecovery: 'unchanged',
    throttleRetryAfter: 'mixed',
  },
});

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Validates a partial config and returns the merged result; throws ConfigError naming each bad field. */
export function mergeConfig(base: EmulatorConfig, patch: unknown): EmulatorConfig {
  const parsed = emulatorConfigPatchSchema.safeParse(patch ?? {});
  if (!parsed.success) throw new ConfigError(`invalid emulator config: ${z.prettifyError(parsed.error)}`);
  const preset = parsed.data.dialect === undefined ? {} : DIALECT_PRESETS[parsed.data.dialect];
  return { ...base, ...preset, ...parsed.data };
}
