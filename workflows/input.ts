// The recovery input: one versioned schema, validated at every edge (CLI, HTTP, schedule, parent workflow)
// and again at workflow start. Pure zod, so it is safe inside the workflow bundle.
//
// The `.default()` values below are the defaults of run settings version 1 as far as an input that
// omits them is concerned: a run started without them applies them in the workflow, on every replay.
// Never change one in place; see docs/versioning.md.
import { z } from 'zod';
import { runSettingsSchema } from './run-settings';

export const INSTANCE_ID = /^(acp|aic)-[a-z0-9]{6,32}$/;
export const BACKUP_FILE_ID = /^bf-[a-z0-9]{6,32}$/;
export const PACKAGE_NAME = /^[a-zA-Z][a-zA-Z0-9_]*(\.[a-zA-Z][a-zA-Z0-9_]*)+$/;
export const CHECK_NAME = /^[a-z][a-z0-9-]{0,62}$/;
/** One object-key segment: no empty, `.` or `..` segments (no traversal, no `//`). */
const OSS_SEGMENT = '(?!\\.{1,2}(?:/|$))[A-Za-z0-9._-]{1,255}';
export const OSS_FILE_PATH = new RegExp(`^oss://cloudphone-saved-bucket-[a-z0-9-]{1,40}/(?:${OSS_SEGMENT}/){0,20}${OSS_SEGMENT}$`);
export const OSS_DIRECTORY = new RegExp(`^oss://cloudphone-saved-bucket-[a-z0-9-]{1,40}/(?:${OSS_SEGMENT}/){0,20}$`);
export const OSS_ENDPOINT = /^oss-[a-z0-9-]{2,40}\.aliyuncs\.com$/;
export const REGION_ID = /^[a-z]{2,4}(-[a-z0-9]{1,20}){1,3}$/;
/** A credentials profile name of the worker's region configuration (a name, never a secret). */
export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export const MAX_TARGETS_PER_RUN = 5000;

const instanceId = z.string().regex(INSTANCE_ID, 'must be a Cloud Phone instance ID like acp-xxxxxxxxxxxxxxxxx');
const durationMs = (min: number, max: number) =>
  z.number().int('must be whole milliseconds').min(min).max(max);

export const backupRefSchema = z.strictObject({
  backupFileId: z.string().regex(BACKUP_FILE_ID, 'must be a backup file ID like bf-xxxxxxxxxxxxxxxxx'),
  /** Checked against the vendor's record in preflight; taken from it when omitted. */
  backupFilePath: z.string().max(1000).regex(OSS_FILE_PATH, 'must be oss://cloudphone-saved-bucket-<name>/<object>, without empty, . or .. segments').optional(),
  uploadType: z.literal('OSS').default('OSS'),
  uploadEndpoint: z.string().regex(OSS_ENDPOINT, 'must be an OSS endpoint like oss-cn-shanghai-internal.aliyuncs.com').optional(),
  /** Region of the target instances; their vendor calls go to the worker lane of that region (docs: README "Several regions"). */
  region: z.string().regex(REGION_ID, 'must be a region ID like cn-shanghai').optional(),
  /** Region the backup lives in; default: `region`. A different one needs an uploadEndpoint reachable from `region`. */
  backupRegion: z.string().regex(REGION_ID, 'must be a region ID like cn-shanghai').optional(),
  /** Which of the region's accounts (credentials profiles in the worker's regions file) owns the targets. */
  credentialsProfile: z.string().regex(PROFILE_NAME, 'must be a profile name like prod-b').optional(),
});

export const recoveryItemSchema = backupRefSchema.extend({
  instanceIds: z.array(instanceId).min(1, 'needs at least one target instance').max(MAX_TARGETS_PER_RUN),
});

export const verificationSchema = z.strictObject({
  /** Packages that must be present after recovery; default: the backup's SourceAppInfoList. */
  packages: z.array(z.string().regex(PACKAGE_NAME, 'must be an Android package name like com.example.app')).min(1).max(20).optional(),
  /** 'source': the version the source instance runs now; 'any': presence only. */
  version: z.enum(['source', 'any']).default('source'),
  /** 'source': every file of the app's data dir equals the source's (path, size, sha256); 'none': skip. */
  data: z.enum(['source', 'none']).default('source'),
  /** Names of checks defined in the worker's configuration; never command text. */
  customChecks: z.array(z.string().regex(CHECK_NAME, 'must be a check name like app-launchable')).max(10).default([]),
});

export const limitsSchema = z.strictObject({
  maxAttemptsPerInstance: z.number().int().min(1).max(10).default(3),
  taskTimeoutMs: durationMs(1_000, 24 * 3_600_000).default(30 * 60_000),
  pollIntervalMinMs: durationMs(10, 600_000).default(2_000),
  pollIntervalMaxMs: durationMs(10, 3_600_000).default(30_000),
  /** Targets per RecoverApp / BackupApp call (vendor cap 50). */
  recoverChunkSize: z.number().int().min(1).max(50).default(50),
  /** Targets per verification RunCommand (vendor cap 50). */
  verifyChunkSize: z.number().int().min(1).max(50).default(50),
  /** Vendor tasks watched by one polling activity. */
  pollChunkSize: z.number().int().min(1).max(2000).default(1000),
  /** How long a busy target waits for another recovery's lease (onBusyInstance 'wait'). */
  busyWaitMs: durationMs(0, 24 * 3_600_000).default(10 * 60_000),
  /** How long release waits for approval (releaseBackup 'on-approval') before keeping the backup. */
  approvalTimeoutMs: durationMs(1_000, 30 * 24 * 3_600_000).default(24 * 3_600_000),
});

export const existingAppPolicy = z.enum(['refuse', 'overwrite', 'snapshot-then-overwrite']);
export const releasePolicy = z.enum(['after-all-verified', 'never', 'on-approval']);
export const busyPolicy = z.enum(['wait', 'fail']);

export const approvalSchema = z.strictObject({ distinctApprover: z.boolean('must be true or false').default(false) });

const commonOptions = {
  verification: verificationSchema.default({ version: 'source', data: 'source', customChecks: [] }),
  existingApp: existingAppPolicy.default('snapshot-then-overwrite'),
  releaseBackup: releasePolicy.default('after-all-verified'),
  onBusyInstance: busyPolicy.default('wait'),
  limits: limitsSchema.default(() => limitsSchema.parse({})),
  /** Where snapshots of existing apps go; default: the directory of the backup being restored. */
  snapshotDirectory: z.string().max(1000).regex(OSS_DIRECTORY, 'must be an OSS directory URL ending in /, without . or .. segments').optional(),
  /** Who asked for the run (the API stamps its caller's token name); audit only, never used in commands. */
  requestedBy: z.string().max(200).optional(),
  /**
   * Batching, polling and lease-shard values fixed for the life of the run (workflows/run-settings.ts).
   * Recorded by the edge (freezeRecoveryInput); callers normally leave it out.
   */
  runSettings: runSettingsSchema.optional(),
  /** Four-eyes release: with `distinctApprover`, only someone other than `requestedBy` may approve. */
  approval: approvalSchema.optional(),
};

const fullInputSchema = z.strictObject({
  schemaVersion: z.literal(1).default(1),
  items: z.array(recoveryItemSchema).min(1, 'needs at least one recovery item').max(MAX_TARGETS_PER_RUN),
  ...commonOptions,
});

/** Shorthand for the common case: one backup onto several instances. */
const shorthandInputSchema = backupRefSchema.extend({
  schemaVersion: z.literal(1).default(1),
  instanceIds: recoveryItemSchema.shape.instanceIds,
  ...commonOptions,
});

export const recoverAppInputSchema = z
  .union([fullInputSchema, shorthandInputSchema])
  .transform((input) => {
    if ('items' in input) return input;
    const { backupFileId, backupFilePath, uploadType, uploadEndpoint, region, backupRegion, credentialsProfile, instanceIds, ...rest } = input;
    const where = { ...(region ? { region } : {}), ...(backupRegion ? { backupRegion } : {}), ...(credentialsProfile ? { credentialsProfile } : {}) };
    return { ...rest, items: [{ backupFileId, backupFilePath, uploadType, uploadEndpoint, instanceIds, ...where }] };
  })
  .superRefine((input, ctx) => {
    const owner = new Map<string, number>();
    let total = 0;
    input.items.forEach((item, itemIndex) => {
      for (const field of ['backupRegion', 'credentialsProfile'] as const) {
        if (item[field] !== undefined && item.region === undefined) {
          ctx.addIssue({ code: 'custom', path: ['items', itemIndex, field], message: 'needs the item\'s region' });
        }
      }
      const seen = new Set<string>();
      item.instanceIds.forEach((id, i) => {
        total++;
        if (seen.has(id)) return; // duplicates within one item are merged, not an error
        seen.add(id);
        const other = owner.get(id);
        if (other !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['items', itemIndex, 'instanceIds', i],
            message: `instance ${id} is already the target of items[${other}]; an instance may be the target of only one item`,
          });
        }
        owner.set(id, itemIndex);
      });
    });
    if (total > MAX_TARGETS_PER_RUN) {
      ctx.addIssue({ code: 'custom', path: ['items'], message: `at most ${MAX_TARGETS_PER_RUN} targets per recovery; use a bulk migration for more` });
    }
    if (input.approval?.distinctApprover && input.releaseBackup !== 'on-approval') {
      ctx.addIssue({ code: 'custom', path: ['approval', 'distinctApprover'], message: "needs releaseBackup 'on-approval'" });
    }
    if (input.approval?.distinctApprover && !input.requestedBy) {
      ctx.addIssue({ code: 'custom', path: ['requestedBy'], message: 'is required when approval.distinctApprover is true (the approver must differ from it)' });
    }
    if (input.limits.pollIntervalMinMs > input.limits.pollIntervalMaxMs) {
      ctx.addIssue({ code: 'custom', path: ['limits', 'pollIntervalMinMs'], message: 'must not exceed limits.pollIntervalMaxMs' });
    }
  })
  .transform((input) => ({
    ...input,
    items: input.items.map((item) => ({ ...item, instanceIds: [...new Set(item.instanceIds)] })),
  }));

/** What callers send (defaults optional). */
export type RecoverAppInput = z.input<typeof recoverAppInputSchema>;
/** What the workflow works with after validation and defaults. */
export type RecoverAppPlan = z.output<typeof recoverAppInputSchema>;
export type RecoveryItem = RecoverAppPlan['items'][number];
export type Verification = RecoverAppPlan['verification'];
export type Limits = RecoverAppPlan['limits'];

export interface InputIssue {
  field: string;
  rule: string;
}

/**
 * Field paths like `items[0].instanceIds[2]` with the rule broken, for 400s and CLI errors.
 * A union mismatch is reported with the issues of the form the caller meant (`items` or the one-backup
 * shorthand), and unknown keys one by one, so an operator always sees the field and the rule.
 */
export function describeIssues(error: z.ZodError, raw?: unknown): InputIssue[] {
  return expandUnionIssues(error.issues, raw)
    .flatMap(perUnknownKey)
    .map((issue) => ({ field: formatPath(issue.path) || '(root)', rule: issue.message }));
}

function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), '');
}

function perUnknownKey(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'unrecognized_keys') return [issue];
  return issue.keys.map((key) => ({ code: 'custom', path: [...issue.path, key], message: 'is not a recognized field', input: undefined }) as z.core.$ZodIssue);
}

function expandUnionIssues(issues: z.core.$ZodIssue[], raw: unknown): z.core.$ZodIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'invalid_union' || issue.path.length > 0 || issue.errors.length !== 2) return [issue];
    const meantFullForm = typeof raw === 'object' && raw !== null && 'items' in raw;
    const branch = issue.errors[meantFullForm ? 0 : 1] ?? [];
    return branch.length > 0 ? branch : [issue];
  });
}

export type ParseResult = { ok: true; plan: RecoverAppPlan } | { ok: false; issues: InputIssue[] };

export function parseRecoverAppInput(raw: unknown): ParseResult {
  const parsed = recoverAppInputSchema.safeParse(raw);
  return parsed.success ? { ok: true, plan: parsed.data } : { ok: false, issues: describeIssues(parsed.error, raw) };
}
