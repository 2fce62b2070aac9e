// Every value that ends up inside a shell command passes through here first (docs/design.md, invariant 5). The input
// schema already validated caller values, but command text may also include names from the vendor
// (a backup's SourceAppInfoList) or from worker configuration, so the check is repeated at the point of use.
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../../workflows/failures';
import { CHECK_NAME, PACKAGE_NAME } from '../../workflows/input';

export function isPackageName(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 255 && PACKAGE_NAME.test(value);
}

export function isCheckName(value: unknown): value is string {
  return typeof value === 'string' && CHECK_NAME.test(value);
}

/** Throws a non-retryable failure: retrying cannot make an unsafe value safe. */
export function requirePackageName(value: unknown): string {
  if (isPackageName(value)) return value;
  throw ApplicationFailure.create({
    type: FailureType.UnsafeCommandInput,
    nonRetryable: true,
    // The value itself is not echoed: it is exactly the kind of string that must not travel further.
    message: 'refusing to build a command from a value that is not a valid Android package name',
  });
}

export function requireCheckName(value: unknown): string {
  if (isCheckName(value)) return value;
  throw ApplicationFailure.create({
    type: FailureType.UnsafeCommandInput,
    nonRetryable: true,
    message: 'refusing to build a command from a value that is not a valid custom check name',
  });
}
