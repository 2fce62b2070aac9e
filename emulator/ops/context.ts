import type { EmulatorConfig } from '../config';
import type { EmulatorWorld } from '../state/world';
import type { RequestParams } from '../wire/query';

/** What a call changed, recorded in the call log so tests and the chaos harness can audit it. */
export interface CallEffects {
  batchTaskId?: string;
  recoveryTasks?: { instanceId: string; taskId: string }[];
  backupTasks?: { instanceId: string; backupFileId: string; taskId: string }[];
  commandTasks?: { instanceId: string; taskId: string }[];
  invokeId?: string;
  powerTasks?: { instanceId: string; taskId: string }[];
  deletedBackupFileIds?: string[];
  /** Recoveries that failed with `InstanceBusy` because this call touched their instance. */
  interruptedRecoveries?: { instanceId: string; taskId: string }[];
}

export type ResponseBody = Record<string, unknown>;

export interface OperationContext {
  world: EmulatorWorld;
  config: EmulatorConfig;
  params: RequestParams;
  requestId: string;
  now: number;
  effects: CallEffects;
}

export type OperationHandler = (context: OperationContext) => ResponseBody | Promise<ResponseBody>;

/** Caps the emulator applies to list parameters (docs/vendor-facts.md, list-limits): 50 for operations, 100 for filters. */
export const OPERATION_LIST_CAP = 50;
export const FILTER_LIST_CAP = 100;
