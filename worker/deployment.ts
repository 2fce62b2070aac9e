// Worker Deployments (docs/versioning.md): a versioned worker is one build of a named deployment. Runs
// are routed to the deployment's current version when they start; a PINNED run then stays on the build
// that started it, so a release never replays a running history through changed workflow code.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { WorkerDeploymentOptions, WorkflowBundleOption } from '@temporalio/worker';

export const DEFAULT_DEPLOYMENT_NAME = 'cloudphone-recovery';

export interface DeploymentSettings {
  /** Default cloudphone-recovery. */
  deploymentName?: string;
  /** Default: defaultBuildId() of the worker's workflow bundle. */
  buildId?: string;
}

/**
 * `bundle-<first 16 hex of sha256(workflow bundle code)>`. The same workflow code gives the same build ID
 * on every worker (the bundle holds no absolute paths), and any change to the workflow code gives a new
 * one. A release that changes only activities keeps the ID: set CPR_BUILD_ID from the release to
 * version activities too.
 */
export function defaultBuildId(bundleCode: string): string {
  return `bundle-${createHash('sha256').update(bundleCode).digest('hex').slice(0, 16)}`;
}

/**
 * The SDK's deployment options for a versioned worker. Workflows without their own declaration
 * (workflows/index.ts) are PINNED: a run finishes on the build that started it.
 */
export async function versionedDeploymentOptions(
  settings: DeploymentSettings,
  workflowBundle: WorkflowBundleOption,
): Promise<WorkerDeploymentOptions> {
  const buildId = settings.buildId ?? defaultBuildId(await bundleCode(workflowBundle));
  return {
    version: { deploymentName: settings.deploymentName ?? DEFAULT_DEPLOYMENT_NAME, buildId },
    useWorkerVersioning: true,
    defaultVersioningBehavior: 'PINNED',
  };
}

async function bundleCode(bundle: WorkflowBundleOption): Promise<string> {
  return 'code' in bundle ? bundle.code : readFile(bundle.codePath, 'utf8');
}
