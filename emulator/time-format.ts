/** `YYYY-MM-DDTHH:mm:ssZ`, the format of DescribeTasks times and `x-acs-date`. */
export function isoSeconds(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `YYYY-MM-DD HH:mm:ss` in UTC, the format of backup-file, instance and invocation times. */
export function spacedDateTime(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 19).replace('T', ' ');
}

export function parseSpacedDateTime(text: string): number | undefined {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(text.trim());
  if (!match) return undefined;
  const epochMs = Date.parse(`${match[1]}T${match[2]}Z`);
  return Number.isNaN(epochMs) ? undefined : epochMs;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
