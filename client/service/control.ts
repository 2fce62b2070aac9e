// Arguments of the operator's control requests, one schema each: the HTTP routes take them as their
// bodies, and the service functions apply them for every other caller (CLI, library users).
import { z } from 'zod';
import type { ApproveReleaseRequest, PauseRequest } from '../../workflows/types';

/** Approving the release of a recovery's backups (releaseBackup: on-approval). */
export const approveRequestSchema = z.strictObject({
  approvedBy: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
  note: z.string().max(1000, 'must be at most 1000 characters').optional(),
}) satisfies z.ZodType<ApproveReleaseRequest>;

/** Pausing a recovery or a migration, or cancelling a migration: an optional reason for the record. */
export const reasonRequestSchema = z.strictObject({ reason: z.string().max(500, 'must be at most 500 characters').optional() }) satisfies z.ZodType<PauseRequest>;

/** Pausing or unpausing a schedule: the note Temporal keeps on it. */
export const scheduleNoteSchema = z.strictObject({ note: z.string().max(500, 'must be at most 500 characters').optional() });
