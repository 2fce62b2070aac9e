// Custom verification checks come from worker configuration, never from callers: callers only name them.
// A check is a command template of supported segments with `{package}` placeholders and a regular
// expression its output must match. Validated once at worker start, so a bad config stops the worker
// instead of failing recoveries later.
import { z } from 'zod';
import { CHECK_NAME } from '../../workflows/input';
import { isSupportedSegment, SEGMENT_SEPARATOR } from './grammar';

export const PACKAGE_PLACEHOLDER = '{package}';
// Substituted while validating; any valid package name gives the same verdict.
const SAMPLE_PACKAGE = 'com.example.sample';

export interface CustomCheck {
  description: string;
  /** Segments joined by '; ', e.g. `ls /data/data/{package}/shared_prefs`. */
  command: string;
  /** Regular expression the check's output must match; `{package}` is replaced by the escaped name. */
  expect: string;
}

export type CustomChecks = Record<string, CustomCheck>;

function templateSegments(command: string): string[] {
  return command.split(';').map((s) => s.trim());
}

const customCheckSchema = z.strictObject({
  description: z.string().min(1).max(500),
  command: z
    .string()
    .min(1)
    .max(1000)
    .superRefine((command, ctx) => {
      const withSample = command.split(PACKAGE_PLACEHOLDER).join(SAMPLE_PACKAGE);
      for (const segment of templateSegments(withSample)) {
        if (!isSupportedSegment(segment)) {
          ctx.addIssue({
            code: 'custom',
            message: `segment "${segment}" is not one of the supported verification segments (docs/verification-commands.md)`,
          });
        }
      }
    }),
  expect: z
    .string()
    .min(1)
    .max(1000)
    .superRefine((expect, ctx) => {
      try {
        new RegExp(expandExpect(expect, SAMPLE_PACKAGE), 'm');
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(err as Error).message}` });
      }
    }),
});

export const customChecksSchema = z.record(z.string().regex(CHECK_NAME, 'check names look like app-launchable'), customCheckSchema);

export class CustomChecksConfigError extends Error {
  override readonly name = 'CustomChecksConfigError';
}

/** Parses worker configuration; throws naming every bad field. Call at worker start. */
export function parseCustomChecks(raw: unknown): CustomChecks {
  const parsed = customChecksSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `customChecks.${i.path.join('.')}: ${i.message}`);
    throw new CustomChecksConfigError(`invalid custom checks configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function expandExpect(expect: string, packageName: string): string {
  return expect.split(PACKAGE_PLACEHOLDER).join(escapeRegExp(packageName));
}

/** Segments of a check for one package; `packageName` must already be validated. */
export function expandCheckSegments(check: CustomCheck, packageName: string): string[] {
  return templateSegments(check.command.split(PACKAGE_PLACEHOLDER).join(packageName)).filter((s) => s !== '');
}

/** Names the caller asked for that this worker does not define. */
export function unknownCheckNames(requested: readonly string[], checks: CustomChecks): string[] {
  return requested.filter((name) => !Object.prototype.hasOwnProperty.call(checks, name));
}

export { SEGMENT_SEPARATOR };
