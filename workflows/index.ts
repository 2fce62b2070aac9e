// Every workflow the product's workers run. The bundle is built from this file.
export { recoverApp } from './recover-app';
export { recoveryDryRun } from './dry-run';
export { bulkMigration } from './bulk-migration';
export { leaseRegistry } from './lease-registry';
export { vendorBudget } from './vendor-budget';
