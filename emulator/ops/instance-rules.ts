import { ApiError } from '../wire/errors';
import type { Instance } from '../state/model';
import type { OperationContext } from './context';

export function lookupInstances(context: OperationContext, ids: string[], listName: string): Instance[] {
  if (new Set(ids).size !== ids.length) {
    throw new ApiError(400, `InvalidParameter.${listName}`, `The parameter "${listName}" contains duplicate instance IDs.`);
  }
  return ids.map((id) => {
    const instance = context.world.instances.get(id);
    if (!instance) throw new ApiError(400, 'InvalidParameter.InstanceId', `The specified instance ${id} does not exist.`);
    return instance;
  });
}

/**
 * Touching an instance whose app recovery is running makes that recovery fail (the vendor says not to
 * operate on it meanwhile), and the touching call itself is rejected.
 */
export function rejectIfRecovering(context: OperationContext, instances: Instance[]): void {
  const recovering = instances.filter((instance) => instance.status === 'RECOVERING');
  if (recovering.length === 0) return;
  for (const instance of recovering) {
    const interrupted = context.world.interruptRecovery(instance, context.now);
    if (interrupted) {
      (context.effects.interruptedRecoveries ??= []).push({ instanceId: instance.id, taskId: interrupted.id });
    }
  }
  throw incorrectStatus(recovering[0], 'RECOVERING');
}

export function requireStatus(instances: Instance[], allowed: readonly string[]): void {
  for (const instance of instances) {
    if (!allowed.includes(instance.status)) throw incorrectStatus(instance, instance.status);
  }
}

export function rejectIfTaskRunning(context: OperationContext, instances: Instance[]): void {
  for (const instance of instances) {
    const running = context.world.runningTask(instance.id);
    if (running) {
      throw new ApiError(400, 'IncorrectInstanceStatus', `The instance ${instance.id} has a running task ${running.id} (${running.type}).`);
    }
  }
}

function incorrectStatus(instance: Instance, status: string): ApiError {
  return new ApiError(
    400,
    'IncorrectInstanceStatus',
    `The current status of instance ${instance.id} is ${status}, which does not support this operation.`,
  );
}
