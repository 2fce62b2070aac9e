// The library other teams import into THEIR workflow bundles (and clients): workflow functions, their
// input/result types, message definitions and constants. Everything here is workflow-safe: no Node
// built-ins and no @temporalio/client|worker|activity in the import graph (test/library checks by bundling).
//
// Running recoverApp from another workflow: executeChild<RecoverAppWorkflow>(RECOVER_APP_WORKFLOW,
// { taskQueue: TASK_QUEUE, workflowId, args: [input], parentClosePolicy: 'REQUEST_CANCEL' }) — see
// examples/parent-workflow.ts. Importing only types keeps the recovery code out of the caller's bundle.
import type { recoverApp } from './recover-app';
import type { bulkMigration } from './bulk-migration';

export { recoverApp } from './recover-app';
export { bulkMigration } from './bulk-migration';
export type { BulkMigrationInput, MigrationContinuation } from './bulk-migration';

/** Type of the recoverApp workflow, for executeChild/startChild by name. */
export type RecoverAppWorkflow = typeof recoverApp;
/** Type of the bulkMigration workflow, for executeChild/startChild by name. */
export type BulkMigrationWorkflow = typeof bulkMigration;

export {
  TASK_QUEUE,
  RECOVER_APP_WORKFLOW,
  BULK_MIGRATION_WORKFLOW,
  PHASES,
  progressQuery,
  approveReleaseUpdate,
  pauseUpdate,
  resumeUpdate,
} from './types';
export type {
  Phase,
  TargetStatus,
  TerminalStatus,
  ReasonCode,
  Evidence,
  TargetResult,
  BackupOutcome,
  StatusCounts,
  RunOutcome,
  RecoveryProgress,
  RecoveryResult,
} from './types';

export { parseRecoverAppInput, recoverAppInputSchema, MAX_TARGETS_PER_RUN } from './input';
// Start runs with frozen input, so they keep this release's defaults and run settings (docs/versioning.md).
export { freezeRecoveryInput, freezeRecoveryPlan, freezeMigrationInput, freezeMigrationPlan } from './freeze';
export type { FrozenRecoveryPlan } from './freeze';
export { CURRENT_RUN_SETTINGS, RUN_SETTINGS, runSettingsSchema } from './run-settings';
export type { RunSettings } from './run-settings';
export { FailureType, NON_RETRYABLE_FAILURE_TYPES } from './failures';
export type { RecoverAppInput, RecoverAppPlan, RecoveryItem, Verification, Limits, InputIssue, ParseResult } from './input';

export { parseMigrationPlan, migrationPlanSchema, countTargets, MAX_MIGRATION_TARGETS, MAX_WINDOW } from './plan';
export type { MigrationPlanInput, MigrationPlan, MigrationOptions, MigrationItem, PlanParseResult } from './plan';

export { migrationProgressQuery, setWindowUpdate, cancelMigrationUpdate } from './bulk/messages';
export { VERIFIED_ROW_LIMIT } from './bulk/types';
export type {
  MigrationProgress,
  MigrationResult,
  MigrationRow,
  MigrationReason,
  MigrationState,
  WaveProgress,
  ChildrenProgress,
} from './bulk/types';
