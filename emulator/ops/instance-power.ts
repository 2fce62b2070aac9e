import type { InstanceStatus } from '../state/model';
import { OPERATION_LIST_CAP, type OperationContext, type ResponseBody } from './context';
import { lookupInstances, rejectIfTaskRunning, requireStatus } from './instance-rules';

/** Start is allowed from these statuses per the StartAndroidInstance page; stop mirrors it. */
const STARTABLE: InstanceStatus[] = ['STOPPED', 'BACKUP_FAILED', 'RECOVER_FAILED'];
const STOPPABLE: InstanceStatus[] = ['RUNNING', 'BACKUP_FAILED', 'RECOVER_FAILED'];

function changePower(context: OperationContext, direction: 'start' | 'stop'): ResponseBody {
  const { params, world, config, now } = context;
  const instances = lookupInstances(context, params.requiredList('AndroidInstanceIds', OPERATION_LIST_CAP), 'AndroidInstanceIds');
  requireStatus(instances, direction === 'start' ? STARTABLE : STOPPABLE);
  rejectIfTaskRunning(context, instances);
  const batch = world.createBatchTask(direction === 'start' ? 'StartInstance' : 'StopInstance', context.requestId, context.requestId, now);
  context.effects.batchTaskId = batch.id;
  context.effects.powerTasks = instances.map((instance) => {
    const task = world.createChildTask(
      batch,
      {
        type: batch.type,
        instance,
        plan: { kind: direction },
        durationMs: config.startStopDurationMs,
      },
      now,
    );
    instance.status = direction === 'start' ? 'STARTING' : 'STOPPING';
    instance.gmtModified = now;
    return { instanceId: instance.id, taskId: task.id };
  });
  return { RequestId: context.requestId };
}

export const startAndroidInstance = (context: OperationContext): ResponseBody => changePower(context, 'start');
export const stopAndroidInstance = (context: OperationContext): ResponseBody => changePower(context, 'stop');
