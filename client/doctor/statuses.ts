// Compares what the account shows with the statuses and codes the product knows
// (activities/ecp/vendor-facts.ts, docs/vendor-facts.md). An unknown value is not an error of the
// account, but the product has no rule for it: the operator should know before the first run.
import {
  isKnownBackupFileStatus,
  isKnownErrorCode,
  isKnownInstanceStatus,
  isKnownInvocationStatus,
  isKnownTaskFailureCode,
  isKnownTaskStatus,
  TASK_STATUSES_FAILED,
} from '../../activities/ecp';
import type { Observations } from './actions';
import { observe, type DoctorCheck, type DoctorReport } from './report';

const failed = new Set<string>(TASK_STATUSES_FAILED);

// Codes of the doctor's own probes that are refusals of a made-up parameter, not vendor behaviour to learn.
const isGenericRefusal = (code: string): boolean => code.startsWith('InvalidParameter') || code.startsWith('MissingParameter');

export function observeValues(o: Observations): DoctorReport['observed'] {
  return {
    instanceStatuses: observe(
      o.instances.map((i) => i.status),
      isKnownInstanceStatus,
    ),
    backupStatuses: observe(
      o.backups.map((b) => b.status),
      isKnownBackupFileStatus,
    ),
    taskStatuses: observe(
      o.tasks.map((t) => t.status),
      isKnownTaskStatus,
    ),
    taskErrorCodes: observe(
      o.tasks.filter((t) => failed.has(t.status) && t.errorCode).map((t) => t.errorCode as string),
      isKnownTaskFailureCode,
    ),
    invocationStatuses: observe(
      o.invocations.map((i) => i.rawStatus ?? i.status),
      isKnownInvocationStatus,
    ),
    errorCodes: observe(o.errorCodes, (c) => isKnownErrorCode(c) || isGenericRefusal(c)),
  };
}

const LABELS: Record<keyof DoctorReport['observed'], string> = {
  instanceStatuses: 'instance statuses',
  backupStatuses: 'backup statuses',
  taskStatuses: 'task statuses',
  taskErrorCodes: 'failed-task codes',
  invocationStatuses: 'command statuses',
  errorCodes: 'error codes',
};

export function statusChecks(observed: DoctorReport['observed']): DoctorCheck[] {
  return (Object.keys(LABELS) as (keyof DoctorReport['observed'])[]).map((key) => {
    const values = observed[key];
    const seen = Object.keys(values.seen).sort();
    const id = `known:${key}`;
    if (values.unknown.length > 0) {
      return {
        id,
        level: 'warn',
        summary: `unknown ${LABELS[key]}: ${values.unknown.join(', ')} (the product has no rule for them; see docs/vendor-facts.md)`,
      };
    }
    if (seen.length === 0) return { id, level: 'skip', summary: `no ${LABELS[key]} seen` };
    return { id, level: 'ok', summary: `all known: ${seen.join(', ')}` };
  });
}
