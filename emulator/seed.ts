import { z } from 'zod';
import { BACKUP_FILE_ID_PATTERN, INSTANCE_ID_PATTERN } from './ids';
import { BACKUP_FILE_STATUSES, INSTANCE_STATUSES, type BackupFile, type InstalledPackage, type Instance } from './state/model';
import { deepCopyPackage, packagesSize, type EmulatorWorld } from './state/world';

/** JSON fleet format accepted by `--seed <file>`, `POST /__emulator/reset` and `POST /__emulator/fleet`. */

const packageSeedSchema = z
  .object({
    packageName: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]*(\.[a-zA-Z0-9_]+)+$/, 'must be an Android package name'),
    versionName: z.string().min(1),
    versionCode: z.number().int().nonnegative(),
    /** Relative path under /data/data/<packageName>/ → file content (UTF-8 text). */
    data: z.record(z.string().regex(/^[^/].*[^/]$|^[^/]$/, 'must be a relative file path'), z.string()).default({}),
  })
  .strict();

const instanceSeedSchema = z
  .object({
    id: z.string().regex(INSTANCE_ID_PATTERN, 'must look like acp-<lowercase alphanumerics>'),
    name: z.string().optional(),
    status: z.enum(INSTANCE_STATUSES).default('RUNNING'),
    imageVersion: z.string().default('3.5.3.867'),
    systemVersion: z.string().default('Android 11'),
    instanceType: z.string().default('acp.basic.small'),
    serverType: z.string().default('cpm.gx7.10xlarge'),
    regionId: z.string().default('cn-shanghai'),
    zoneId: z.string().default('cn-shanghai-g'),
    instanceGroupId: z.string().default('ag-emulatorgroup00001'),
    errorCode: z.string().optional(),
    packages: z.array(packageSeedSchema).default([]),
  })
  .strict();

const backupSeedSchema = z
  .object({
    id: z.string().regex(BACKUP_FILE_ID_PATTERN, 'must look like bf-<lowercase alphanumerics>'),
    sourceInstanceId: z.string(),
    name: z.string().optional(),
    status: z.enum(BACKUP_FILE_STATUSES).default('AVAILABLE'),
    /** Packages copied from the source instance (default: all of them)... */
    packageNames: z.array(z.string()).optional(),
    /** ...or explicit frozen contents, which win over packageNames. */
    packages: z.array(packageSeedSchema).optional(),
    path: z.string().startsWith('oss://cloudphone-saved-bucket-').optional(),
    uploadEndpoint: z.string().default('oss-cn-shanghai-internal.aliyuncs.com'),
    description: z.string().default(''),
  })
  .strict();

const generateSpecSchema = z
  .object({
    sources: z.number().int().min(1).max(100_000),
    targetsPerSource: z.number().int().min(0).max(1_000),
    packages: z.array(packageSeedSchema.omit({ data: true }).strict()).min(1),
    filesPerApp: z.number().int().min(0).max(100).default(3),
    imageVersion: z.string().default('3.5.3.867'),
    serverType: z.string().default('cpm.gx7.10xlarge'),
  })
  .strict();

export const emulatorSeedSchema = z
  .object({
    instances: z.array(instanceSeedSchema).default([]),
    backups: z.array(backupSeedSchema).default([]),
    generate: generateSpecSchema.optional(),
  })
  .strict();

export type PackageSeed = z.input<typeof packageSeedSchema>;
export type InstanceSeed = z.input<typeof instanceSeedSchema>;
export type BackupSeed = z.input<typeof backupSeedSchema>;
export type GenerateSpec = z.input<typeof generateSpecSchema>;
export type EmulatorSeed = z.input<typeof emulatorSeedSchema>;
export const instanceSeedListSchema = z.array(instanceSeedSchema);
export const backupSeedListSchema = z.array(backupSeedSchema);
export const packageSeedListSchema = z.array(packageSeedSchema);

export class SeedError extends Error {
  override name = 'SeedError';
}

export function parseSeed<T>(schema: z.ZodType<T>, input: unknown, what = 'seed'): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new SeedError(`invalid ${what}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

// ---- the generator -----------------------------------------------------------------------------

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Deterministic IDs of a generated fleet: 17 characters after the prefix, like the vendor's. */
export const generatedIds = {
  source: (i: number): string => `acp-gensrc${pad(i, 11)}`,
  target: (sourceIndex: number, j: number, targetsPerSource: number): string => `acp-gentgt${pad(sourceIndex * targetsPerSource + j, 11)}`,
  backup: (i: number): string => `bf-genbak${pad(i, 11)}`,
};

export interface GeneratedItem {
  backupFileId: string;
  sourceInstanceId: string;
  targetInstanceIds: string[];
}

export function generatedFleetLayout(spec: { sources: number; targetsPerSource: number }): GeneratedItem[] {
  const items: GeneratedItem[] = [];
  for (let i = 0; i < spec.sources; i++) {
    const targetInstanceIds: string[] = [];
    for (let j = 0; j < spec.targetsPerSource; j++) targetInstanceIds.push(generatedIds.target(i, j, spec.targetsPerSource));
    items.push({ backupFileId: generatedIds.backup(i), sourceInstanceId: generatedIds.source(i), targetInstanceIds });
  }
  return items;
}

function generatedPackage(
  pkg: { packageName: string; versionName: string; versionCode: number },
  sourceIndex: number,
  files: number,
): InstalledPackage {
  const data: Record<string, string> = {};
  const folders = ['shared_prefs', 'databases', 'files/state'];
  for (let f = 0; f < files; f++) {
    data[`${folders[f % folders.length]}/file${f}.dat`] = `${pkg.packageName} source ${sourceIndex} file ${f}\n`;
  }
  return { ...pkg, data };
}

// ---- applying ----------------------------------------------------------------------------------

export interface SeedSummary {
  instanceIds: string[];
  backupFileIds: string[];
  generated?: GeneratedItem[];
}

type ParsedSeed = z.output<typeof emulatorSeedSchema>;
type ParsedInstance = z.output<typeof instanceSeedSchema>;
type ParsedBackup = z.output<typeof backupSeedSchema>;

export function addInstances(world: EmulatorWorld, seeds: ParsedInstance[], now = Date.now()): string[] {
  for (const seed of seeds) {
    if (world.instances.has(seed.id)) throw new SeedError(`instance ${seed.id} already exists`);
  }
  return seeds.map((seed) => {
    const instance: Instance = {
      seq: world.nextSeq(),
      id: seed.id,
      name: seed.name ?? seed.id.replace(/^acp-/, 'phone-'),
      status: seed.status,
      imageVersion: seed.imageVersion,
      systemVersion: seed.systemVersion,
      instanceType: seed.instanceType,
      serverType: seed.serverType,
      regionId: seed.regionId,
      zoneId: seed.zoneId,
      instanceGroupId: seed.instanceGroupId,
      gmtCreate: now,
      gmtModified: now,
      errorCode: seed.errorCode,
      packages: packageRecord(seed.packages),
    };
    world.instances.set(instance.id, instance);
    return instance.id;
  });
}

export function packageRecord(packages: InstalledPackage[]): Record<string, InstalledPackage> {
  const record: Record<string, InstalledPackage> = {};
  for (const pkg of packages) record[pkg.packageName] = deepCopyPackage(pkg);
  return record;
}

export function addBackups(world: EmulatorWorld, seeds: ParsedBackup[], now = Date.now()): string[] {
  for (const seed of seeds) {
    if (world.backups.has(seed.id)) throw new SeedError(`backup file ${seed.id} already exists`);
    if (!world.instances.has(seed.sourceInstanceId)) {
      throw new SeedError(`backup file ${seed.id}: source instance ${seed.sourceInstanceId} does not exist`);
    }
  }
  return seeds.map((seed) => {
    const source = world.instances.get(seed.sourceInstanceId) as Instance;
    let packages: InstalledPackage[];
    if (seed.packages) packages = seed.packages.map(deepCopyPackage);
    else {
      const names = seed.packageNames ?? Object.keys(source.packages);
      const missing = names.filter((name) => !source.packages[name]);
      if (missing.length > 0) throw new SeedError(`backup file ${seed.id}: source ${source.id} lacks ${missing.join(', ')}`);
      packages = names.map((name) => deepCopyPackage(source.packages[name]));
    }
    const backup: BackupFile = {
      seq: world.nextSeq(),
      id: seed.id,
      name: seed.name ?? `${source.id}_${seed.id}.ab`,
      path: seed.path ?? `oss://cloudphone-saved-bucket-${source.regionId}-emulator/backups/${seed.id}.ab`,
      status: seed.status,
      sourceInstanceId: source.id,
      sourceInstanceName: source.name,
      instanceGroupId: source.instanceGroupId,
      sourceAppInfoList: packages.map((p) => p.packageName),
      packages,
      sourceImageVersion: source.imageVersion,
      sourceServerType: source.serverType,
      systemVersion: source.systemVersion,
      fileSize: packagesSize(packages),
      uploadType: 'OSS',
      uploadEndpoint: seed.uploadEndpoint,
      description: seed.description,
      regionId: source.regionId,
      gmtCreated: now,
      gmtModified: now,
      activeRecoveries: 0,
    };
    world.backups.set(backup.id, backup);
    return backup.id;
  });
}

function generateFleet(world: EmulatorWorld, spec: z.output<typeof generateSpecSchema>, now: number): GeneratedItem[] {
  const layout = generatedFleetLayout(spec);
  const instances: ParsedInstance[] = [];
  const common = {
    status: 'RUNNING' as const,
    imageVersion: spec.imageVersion,
    systemVersion: 'Android 11',
    instanceType: 'acp.basic.small',
    serverType: spec.serverType,
    regionId: 'cn-shanghai',
    zoneId: 'cn-shanghai-g',
    instanceGroupId: 'ag-emulatorgroup00001',
  };
  layout.forEach((item, i) => {
    instances.push({ ...common, id: item.sourceInstanceId, packages: spec.packages.map((p) => generatedPackage(p, i, spec.filesPerApp)) });
    for (const id of item.targetInstanceIds) instances.push({ ...common, id, packages: [] });
  });
  addInstances(world, instances, now);
  addBackups(
    world,
    layout.map((item) => ({
      id: item.backupFileId,
      sourceInstanceId: item.sourceInstanceId,
      status: 'AVAILABLE' as const,
      uploadEndpoint: 'oss-cn-shanghai-internal.aliyuncs.com',
      description: 'generated',
    })),
    now,
  );
  return layout;
}

/** Adds a seed to the current state (reset first for a clean fleet). */
export function applySeed(world: EmulatorWorld, input: unknown, now = Date.now()): SeedSummary {
  const seed: ParsedSeed = parseSeed(emulatorSeedSchema, input);
  const instanceIds = addInstances(world, seed.instances, now);
  const backupFileIds = addBackups(world, seed.backups, now);
  const generated = seed.generate ? generateFleet(world, seed.generate, now) : undefined;
  if (generated) {
    for (const item of generated) {
      instanceIds.push(item.sourceInstanceId, ...item.targetInstanceIds);
      backupFileIds.push(item.backupFileId);
    }
  }
  return { instanceIds, backupFileIds, generated };
}
