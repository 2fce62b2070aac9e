// What leaves an activity when it fails: vendor errors become ApplicationFailures typed by kind (see
// workflows/failures.ts), so workflow retry policies can tell a refused request from an outage.
import { ApplicationFailure } from '@temporalio/common';
import { isEcpError } from './ecp';
import { VENDOR_FAILURE_TYPES, isRetryableFailureType } from '../workflows/failures';

/**
 * Maps anything thrown inside an activity to what Temporal should see. EcpError messages are already
 * scrubbed of signing material; the failure carries only the log-safe fields.
 */
export function toActivityFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (!isEcpError(err)) return err;
  const type = VENDOR_FAILURE_TYPES[err.kind];
  return ApplicationFailure.create({
    type,
    message: err.message,
    nonRetryable: !isRetryableFailureType(type),
    details: [{ action: err.action, code: err.code, kind: err.kind, httpStatus: err.httpStatus, requestId: err.requestId }],
  });
}

/** Wraps an activity body so vendor errors leave as typed failures. */
export async function asActivity<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw toActivityFailure(err);
  }
}
