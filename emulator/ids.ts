import { randomBytes, randomUUID } from 'node:crypto';

const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Lower-case alphanumerics, the character set of every vendor resource ID suffix. */
export function randomLowerAlnum(length: number): string {
  const bytes = randomBytes(length);
  let text = '';
  for (const byte of bytes) text += LOWER_ALNUM[byte % LOWER_ALNUM.length];
  return text;
}

export const newInstanceId = (): string => `acp-${randomLowerAlnum(17)}`;
export const newBackupFileId = (): string => `bf-${randomLowerAlnum(17)}`;
export const newTaskId = (): string => `t-${randomLowerAlnum(15)}`;
export const newRequestId = (): string => randomUUID().toUpperCase();

export const INSTANCE_ID_PATTERN = /^acp-[a-z0-9]+$/;
export const BACKUP_FILE_ID_PATTERN = /^bf-[a-z0-9]+$/;
