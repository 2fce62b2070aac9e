// Worker Deployment settings (docs/versioning.md): how a worker is configured as a version of a
// deployment, the default build ID, and a versioning behaviour declared for every workflow it runs.
import { bundleWorkflowCode } from '@temporalio/worker';
import { loadWorkerConfig } from '../../worker/config';
import { productBundleOptions } from '../../worker/workflow-bundle';
import { defaultBuildId, versionedDeploymentOptions } from '../../worker/deployment';
import { optionsFromConfig } from '../../worker/observed-worker';
import * as workflows from '../../workflows';
import { WORKFLOW_VERSIONING } from '../../workflows/versioning';

const noFiles = (path: string): string => {
  throw Object.assign(new Error(`no ${path}`), { code: 'ENOENT' });
};

describe('Worker Deployment configuration', () => {
  it('is off by default: an unversioned worker, as before', () => {
    const config = loadWorkerConfig({}, noFiles);
    expect(config.workerVersioning).toBe('off');
    expect(config.deploymentName).toBeUndefined();
    expect(config.buildId).toBeUndefined();
  });

  it('reads CPR_WORKER_VERSIONING, CPR_DEPLOYMENT_NAME and CPR_BUILD_ID', () => {
    const config = loadWorkerConfig({ CPR_WORKER_VERSIONING: 'on', CPR_DEPLOYMENT_NAME: 'cpr-eu', CPR_BUILD_ID: '1.4.0-9f3c2e1' }, noFiles);
    expect(config).toMatchObject({ workerVersioning: 'on', deploymentName: 'cpr-eu', buildId: '1.4.0-9f3c2e1' });
  });

  it('reaches the worker only when on: the production worker (worker/run.ts) gets a deployment from the configuration', () => {
    expect(optionsFromConfig(loadWorkerConfig({}, noFiles)).deployment).toBeUndefined();
    expect(optionsFromConfig(loadWorkerConfig({ CPR_WORKER_VERSIONING: 'on' }, noFiles)).deployment).toEqual({ deploymentName: undefined, buildId: undefined });
    expect(optionsFromConfig(loadWorkerConfig({ CPR_WORKER_VERSIONING: 'on', CPR_BUILD_ID: '1.5.0' }, noFiles)).deployment).toMatchObject({ buildId: '1.5.0' });
  });

  it('names the field and the rule for a bad value', () => {
    expect(() => loadWorkerConfig({ CPR_WORKER_VERSIONING: 'yes' }, noFiles)).toThrow(/workerVersioning: .*"on"/);
    expect(() => loadWorkerConfig({ CPR_WORKER_VERSIONING: 'on', CPR_BUILD_ID: 'v1.4.0' }, noFiles)).not.toThrow();
    expect(() => loadWorkerConfig({ CPR_WORKER_VERSIONING: 'on', CPR_DEPLOYMENT_NAME: 'cpr.eu' }, noFiles)).toThrow(/deploymentName: must be .*no dots/);
    // A build ID without versioning is a mistake, not something to ignore.
    expect(() => loadWorkerConfig({ CPR_BUILD_ID: '1.4.0' }, noFiles)).toThrow(/buildId: is only used with workerVersioning on/);
  });

  it('defaults the build ID to a hash of the workflow bundle: the same code gives the same ID, changed code a new one', async () => {
    expect(defaultBuildId('code of release A')).toBe(defaultBuildId('code of release A'));
    expect(defaultBuildId('code of release A')).not.toBe(defaultBuildId('code of release B'));
    expect(defaultBuildId('x')).toMatch(/^bundle-[0-9a-f]{16}$/);
    const options = await versionedDeploymentOptions({}, { code: 'code of release A' });
    expect(options).toEqual({
      version: { deploymentName: 'cloudphone-recovery', buildId: defaultBuildId('code of release A') },
      useWorkerVersioning: true,
      defaultVersioningBehavior: 'PINNED',
    });
  });

  it('two bundles of the same workflow code get the same default build ID (no machine-specific paths)', async () => {
    const bundle = () => bundleWorkflowCode(productBundleOptions({ logger: quiet }));
    const [a, b] = await Promise.all([bundle(), bundle()]);
    expect(defaultBuildId(a.code)).toBe(defaultBuildId(b.code));
  }, 120_000);
});

describe('versioning behaviour of the workflows', () => {
  it('declares one for every workflow the worker runs: runs PINNED, the long-lived lease registry and vendor budget AUTO_UPGRADE', () => {
    expect(Object.keys(WORKFLOW_VERSIONING).sort()).toEqual(Object.keys(workflows).sort());
    expect(WORKFLOW_VERSIONING).toEqual({ recoverApp: 'PINNED', recoveryDryRun: 'PINNED', bulkMigration: 'PINNED', leaseRegistry: 'AUTO_UPGRADE', vendorBudget: 'AUTO_UPGRADE' });
    for (const fn of Object.values(workflows)) expect(typeof (fn as { workflowDefinitionOptions?: unknown }).workflowDefinitionOptions).toBe('function');
  });
});

const noop = (): void => undefined;
const quiet = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };
