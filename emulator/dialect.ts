/**
 * The "unfamiliar cloud" dialect: the same behaviour under names the product has never seen. Every
 * choice is a pure function of `dialectSeed` and the familiar name, so a seed always gives the same
 * dialect, and different seeds give different (but equally plausible) ones.
 */

/** Gateway-level codes the vendor documents for every API; the dialect never renames them. */
export const COMMON_GATEWAY_CODES: ReadonlySet<string> = new Set([
  'Throttling',
  'Throttling.User',
  'Throttling.Api',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'InvalidAccessKeyId.NotFound',
  'InvalidAccessKeyId.Inactive',
  'MissingAccessKeyId',
  'InvalidSignatureMethod',
  'InvalidTimeStamp.Format',
  'InvalidTimeStamp.Expired',
  'SignatureNonceUsed',
  'MissingParameter',
  'InvalidApi.NotFound',
  'NoSuchVersion',
  'ServiceUnavailable',
  'InternalError',
  'InvalidRequest',
  'InvalidParameter.Format',
]);

/** Familiar operation code → plausible alternatives; one is picked per seed. */
const ERROR_CODE_ALTERNATIVES: Readonly<Record<string, readonly string[]>> = {
  'InvalidParameter.BackupFileId': ['InvalidBackupFile.NotFound', 'BackupFile.NotExist', 'EntityNotExist.BackupFile'],
  'InvalidParameter.BackupFilePath': ['InvalidBackupFilePath.Mismatch', 'IllegalParameter.BackupFilePath', 'BackupFilePath.Invalid'],
  'InvalidParameter.UploadType': ['InvalidUploadType.Unsupported', 'IllegalParameter.UploadType', 'UploadType.NotSupported'],
  IncorrectBackupFileStatus: ['OperationDenied.BackupFileStatus', 'InvalidBackupFile.Status', 'BackupFile.StatusNotSupport'],
  IncorrectInstanceStatus: ['OperationDenied.InstanceStatus', 'InvalidInstance.Status', 'Instance.StatusNotSupport'],
  'InvalidParameter.InstanceId': ['InvalidInstance.NotFound', 'InstanceId.NotExist', 'EntityNotExist.AndroidInstance'],
  InvalidParameter: ['InvalidParam', 'IllegalParameter', 'Parameter.Invalid'],
};

/** Reworded messages; `{ids}` becomes the resource IDs and statuses found in the familiar message. */
const MESSAGE_TEMPLATES: readonly string[] = [
  'The request cannot be processed for the given resource state. {ids}',
  'Operation rejected by the service. Related: {ids}',
  'Unable to complete the operation; check the resource and try again. {ids}',
];

/** Task failure codes of the unfamiliar dialect. Which are permanent is an emulator fact, documented in README. */
export interface DialectTaskFailure {
  code: string;
  message: string;
  /** Permanent: every later recovery on the same instance fails with it again (tied to the instance). */
  permanent: boolean;
}

/** Pool for injected recovery failures (`taskFailureRate`, `taskFailure: 'always'`) in the unfamiliar dialect. */
export const UNFAMILIAR_RECOVERY_FAILURES: readonly DialectTaskFailure[] = [
  { code: 'AppRestoreAborted', message: 'The app restore was aborted by the agent.', permanent: false },
  { code: 'RestoreWorkerLost', message: 'The restore worker went away; the job did not complete.', permanent: false },
  { code: 'StorageQuotaExceeded', message: 'The data partition of the instance has no room for the app.', permanent: true },
  { code: 'DataPartitionReadOnly', message: 'The data partition of the instance is read-only.', permanent: true },
];

/** Familiar task failure code → unfamiliar alternatives (same permanence as the familiar code). */
const TASK_CODE_ALTERNATIVES: Readonly<Record<string, readonly string[]>> = {
  ImageMismatch: ['AppRestoreIncompatible', 'ImageVersion.NotMatch'],
  InstanceBusy: ['RestoreInterrupted', 'InstanceOperationConflict'],
  CommandFailed: ['ShellCommandFailed', 'CommandExitNonZero'],
  CommandTimeout: ['ShellCommandTimeout', 'CommandExecTimeout'],
  InstanceNotRunning: ['InstanceNotReady', 'Instance.NotAvailable'],
  AppNotFound: ['PackageMissing', 'App.NotInstalled'],
  BackupFileNotFound: ['BackupObjectMissing', 'BackupFile.Lost'],
  InstanceStatusChanged: ['RestoreCancelled', 'InstanceStateConflict'],
};

/** FNV-1a over the seed and a name: a stable pick without consuming any fault PRNG draws. */
export function stableHash(seed: number, text: string): number {
  let hash = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

const pick = <T>(seed: number, key: string, options: readonly T[]): T => options[stableHash(seed, key) % options.length];

function renamedCode(code: string, seed: number): string {
  const alternatives = ERROR_CODE_ALTERNATIVES[code];
  if (alternatives) return pick(seed, code, alternatives);
  const dot = code.indexOf('.');
  if (dot > 0 && code.slice(0, dot) === 'InvalidParameter') {
    return `${pick(seed, 'InvalidParameter', ['InvalidParam', 'IllegalParameter', 'Parameter.Invalid'])}.${code.slice(dot + 1)}`;
  }
  return `${code}.${pick(seed, code, ['Denied', 'Rejected', 'Failed'])}`;
}

/** The unfamiliar name and wording of an API error; gateway common codes come back unchanged. */
export function dialectError(code: string, message: string, seed: number): { code: string; message: string } {
  if (COMMON_GATEWAY_CODES.has(code)) return { code, message };
  const ids = message.match(/\b(?:acp|bf|t)-[a-z0-9]+\b|\b[A-Z]{3,}(?:_[A-Z]+)*\b|oss:\/\/\S+/g) ?? [];
  const template = pick(seed, `message:${code}`, MESSAGE_TEMPLATES);
  return { code: renamedCode(code, seed), message: template.replace('{ids}', ids.join(', ')).trim() };
}

/** The unfamiliar name of a task failure code the familiar dialect produces; other codes come back unchanged. */
export function dialectTaskCode(code: string, seed: number): string {
  const alternatives = TASK_CODE_ALTERNATIVES[code];
  return alternatives ? pick(seed, `task:${code}`, alternatives) : code;
}

/** The injected recovery failure for one attempt (`<instanceId>#<attempt>`), from the seed. */
export function dialectRecoveryFailure(seed: number, attemptKey: string): DialectTaskFailure {
  return pick(seed, `recovery:${attemptKey}`, UNFAMILIAR_RECOVERY_FAILURES);
}
