// Every workflow the product's workers run. The bundle is built from this file.
import { recoverApp } from './recover-app';
import { recoveryDryRun } from './dry-run';
import { bulkMigration } from './bulk-migration';
import { leaseRegistry } from './lease-registry';
import { vendorBudget } from './vendor-budget';
import { declareVersioning } from './versioning';

export { recoverApp, recoveryDryRun, bulkMigration, leaseRegistry, vendorBudget };

declareVersioning({ recoverApp, recoveryDryRun, bulkMigration, leaseRegistry, vendorBudget });
