// Every ApplicationFailure type the product throws, in one place. Workflows, activities and clients all
// match on these strings, so they are defined once here; the module imports nothing but the failure
// class, which keeps it safe for the workflow bundle and for activities alike.
//
// The strings are part of recorded histories and of the HTTP API's error mapping: never rename one.
import { ApplicationFailure } from '@temporalio/common';
import type { InputIssue } from './input';

export const FailureType = {
  /** A recovery input, migration plan or dry-run input broke a rule of its schema. */
  InvalidInput: 'InvalidInput',
  /** A lease request the registry refused (malformed, or routed to the wrong shard). */
  InvalidLeaseRequest: 'InvalidLeaseRequest',
  /** An activity request it cannot act on (a bug in the caller). */
  InvalidActivityRequest: 'InvalidActivityRequest',
  /** A value that is not safe to put into command text (docs/design.md, invariant 5). */
  UnsafeCommandInput: 'UnsafeCommandInput',
  /** The vendor refused our credentials or signature. */
  VendorAuthError: 'VendorAuthError',
  /** The vendor refused the request as malformed. */
  VendorInvalidRequest: 'VendorInvalidRequest',
  /** The vendor does not know the resource. */
  VendorNotFound: 'VendorNotFound',
  /** The vendor throttled the call (it was not applied). */
  VendorThrottled: 'VendorThrottled',
  /** A vendor outage or network error; the call may be retried. */
  VendorTransientError: 'VendorTransientError',
  /** A vendor answer we could not classify. */
  VendorUnknownError: 'VendorUnknownError',
  /** A webhook receiver did not accept a delivery. */
  WebhookDeliveryFailed: 'WebhookDeliveryFailed',
} as const;

export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** The failure type of each kind of vendor error (activities/ecp/errors.ts EcpErrorKind). */
export const VENDOR_FAILURE_TYPES = {
  auth: FailureType.VendorAuthError,
  invalid: FailureType.VendorInvalidRequest,
  notFound: FailureType.VendorNotFound,
  throttled: FailureType.VendorThrottled,
  transient: FailureType.VendorTransientError,
  unknown: FailureType.VendorUnknownError,
} as const;

/** Failures a retry cannot fix: bad input, unsafe command text, requests or credentials the vendor refuses. */
const NEVER_RETRIED: ReadonlySet<FailureType> = new Set([
  FailureType.InvalidInput,
  FailureType.InvalidLeaseRequest,
  FailureType.InvalidActivityRequest,
  FailureType.UnsafeCommandInput,
  FailureType.VendorAuthError,
  FailureType.VendorInvalidRequest,
  FailureType.VendorNotFound,
]);

export function isRetryableFailureType(type: FailureType): boolean {
  return !NEVER_RETRIED.has(type);
}

/** Every non-retryable failure type, for activity retry policies (nonRetryableErrorTypes). */
export const NON_RETRYABLE_FAILURE_TYPES: string[] = Object.values(FailureType).filter((type) => !isRetryableFailureType(type));

/**
 * The failure a workflow throws for input that broke its schema: names every field and rule in the
 * message and carries the issues as details (the client turns them back into a 400 / CLI error).
 */
export function invalidInputFailure(what: string, issues: InputIssue[]): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureType.InvalidInput,
    nonRetryable: true,
    category: 'BENIGN', // the caller's mistake, not an incident of ours
    message: `${what}: ${issues.map((i) => `${i.field}: ${i.rule}`).join('; ')}`,
    details: [issues],
  });
}
