// How each workflow moves between builds when workers run as versions of a Worker Deployment
// (CPR_WORKER_VERSIONING=on; docs/versioning.md).
import type { VersioningBehavior } from '@temporalio/common';
import { setWorkflowOptions, workflowInfo } from '@temporalio/workflow';

/**
 * PINNED: a run finishes on the build that started it; new runs go to the current build.
 * AUTO_UPGRADE: the lease registries and vendor budgets never end (they continue as new), so they must
 * move to each new build; their code changes reach running histories and go behind patched().
 * A new workflow gets a line here (the type makes workflows/index.ts name every one).
 */
export const WORKFLOW_VERSIONING = {
  recoverApp: 'PINNED',
  recoveryDryRun: 'PINNED',
  bulkMigration: 'PINNED',
  leaseRegistry: 'AUTO_UPGRADE',
  vendorBudget: 'AUTO_UPGRADE',
} as const satisfies Record<string, VersioningBehavior>;

type WorkflowFunction = (...args: never[]) => Promise<unknown>;

/**
 * Attaches each workflow's behaviour. It is declared only to a versioned worker: the server refuses a
 * versioning behaviour from an unversioned worker (CPR_WORKER_VERSIONING=off). A run tells them apart by
 * the deployment version of the worker processing its task (an unversioned worker reports a build ID
 * with an empty deployment name); the value is deterministic on replay.
 */
export function declareVersioning(workflows: Record<keyof typeof WORKFLOW_VERSIONING, WorkflowFunction>): void {
  for (const [name, workflow] of Object.entries(workflows)) {
    const versioningBehavior = WORKFLOW_VERSIONING[name as keyof typeof WORKFLOW_VERSIONING];
    setWorkflowOptions(() => (workflowInfo().currentDeploymentVersion?.deploymentName ? { versioningBehavior } : {}), workflow);
  }
}
