// Workflow bundle entry for the API tests: the product's workflows plus the dry run (until
// workflows/index.ts exports it, re-exporting here keeps these tests independent of that change).
export * from '../../workflows/index';
export { recoveryDryRun } from '../../workflows/dry-run';
