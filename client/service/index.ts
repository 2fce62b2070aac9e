// The operator service layer: what the CLI and the HTTP API call.
export * from './control';
export * from './errors';
export * from './ids';
export * from './recoveries';
export * from './list';
export * from './migrations';
export * from './runs';
export * from './report';
export * from './watch';
export type { RunFailure } from './workflow-calls';
