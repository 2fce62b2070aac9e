// Every workflow the product's workers run. The bundle is built from this file.
import { setWorkflowOptions } from '@temporalio/workflow';
import { recoverApp } from './recover-app';
import { recoveryDryRun } from './dry-run';
import { bulkMigration } from './bulk-migration';
import { leaseRegistry } from './lease-registry';

export { recoverApp, recoveryDryRun, bulkMigration, leaseRegistry };

// How each workflow moves between builds on versioned workers (CPR_WORKER_VERSIONING=on;
// docs/versioning.md). Unversioned workers ignore it. A new workflow gets its own line here.
// PINNED: a run finishes on the build that started it; new runs go to the current build.
setWorkflowOptions({ versioningBehavior: 'PINNED' }, recoverApp);
setWorkflowOptions({ versioningBehavior: 'PINNED' }, recoveryDryRun);
setWorkflowOptions({ versioningBehavior: 'PINNED' }, bulkMigration);
// AUTO_UPGRADE: never ends (continues as new), so it must move to each new build; its code changes go
// behind patched() like any code that reaches running histories.
setWorkflowOptions({ versioningBehavior: 'AUTO_UPGRADE' }, leaseRegistry);
