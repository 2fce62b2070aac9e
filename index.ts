// cloudphone-recovery as a library: the workflow-safe entry point (see workflows/library.ts). Client
// helpers (starting migrations, schedules, reports) live in client/service and are imported from there.
export * from './workflows/library';
