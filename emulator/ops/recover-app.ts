import { dialectRecoveryFailure } from '../dialect';
import { ApiError } from '../wire/errors';
import type { BackupFile, Instance, Task, TaskFailure } from '../state/model';
import { OPERATION_LIST_CAP, type OperationContext, type ResponseBody } from './context';
import { lookupInstances, rejectIfRecovering, rejectIfTaskRunning, requireStatus } from './instance-rules';

const RECOVERABLE_BACKUP_STATUSES = ['AVAILABLE', 'RECOVERING', 'RECOVERY_FAILED'];

export function recoverApp(context: OperationContext): ResponseBody {
  const { params, world, now } = context;
  const instanceIds = params.requiredList('AndroidInstanceIdList', OPERATION_LIST_CAP);
  const backupFileId = params.requiredString('BackupFileId');
  const backupFilePath = params.requiredString('BackupFilePath');
  const uploadType = params.requiredString('UploadType');
  if (uploadType !== 'OSS') {
    throw new ApiError(400, 'InvalidParameter.UploadType', `The UploadType "${uploadType}" is not supported; use OSS.`);
  }
  const backup = world.backups.get(backupFileId);
  if (!backup) throw new ApiError(400, 'InvalidParameter.BackupFileId', `The specified backup file ${backupFileId} does not exist.`);
  if (!RECOVERABLE_BACKUP_STATUSES.includes(backup.status)) {
    throw new ApiError(
      400,
      'IncorrectBackupFileStatus',
      `The status of backup file ${backupFileId} is ${backup.status}; it must be AVAILABLE.`,
    );
  }
  if (backupFilePath !== backup.path) {
    throw new ApiError(400, 'InvalidParameter.BackupFilePath', `The BackupFilePath does not match backup file ${backupFileId}.`);
  }
  const instances = lookupInstances(context, instanceIds, 'AndroidInstanceIdList');
  rejectIfRecovering(context, instances);
  requireStatus(instances, ['RUNNING']);
  rejectIfTaskRunning(context, instances);

  const batch = world.createBatchTask('RecoverApp', context.requestId, context.requestId, now);
  const data = instances.map((instance) => {
    const task = startRecovery(context, batch, instance, backup);
    return { AndroidInstanceId: instance.id, TaskId: task.id };
  });
  context.effects.batchTaskId = batch.id;
  context.effects.recoveryTasks = data.map((d) => ({ instanceId: d.AndroidInstanceId, taskId: d.TaskId }));
  return { RequestId: context.requestId, TaskId: batch.id, Count: data.length, Data: data };
}

function startRecovery(context: OperationContext, batch: Task, instance: Instance, backup: BackupFile): Task {
  const { world, config, now } = context;
  const override = config.instanceOverrides[instance.id];
  // Three draws per task whatever the overrides, so one instance's override does not shift others' luck.
  const randomFailure = world.taskRandom.chance(config.taskFailureRate);
  const randomStuck = world.taskRandom.chance(config.stuckTaskRate);
  const randomCorrupt = world.taskRandom.chance(config.corruptionRate);

  let failure: TaskFailure | undefined;
  const mismatch = instance.imageVersion !== backup.sourceImageVersion || instance.serverType !== backup.sourceServerType;
  const permanent = config.unknownTaskFailureCodes ? instance.permanentFailure : undefined;
  if (permanent) {
    failure = { ...permanent, afterUninstall: false, permanent: true };
  } else if (mismatch) {
    failure = {
      code: 'ImageMismatch',
      message: `Instance ${instance.id} runs image ${instance.imageVersion} on ${instance.serverType}; the backup was taken on image ${backup.sourceImageVersion} on ${backup.sourceServerType}.`,
      afterUninstall: false,
    };
  } else if (override?.taskFailure === 'always' || (override?.taskFailure !== 'never' && randomFailure)) {
    failure = injectedFailure(context, instance, override?.failureCode);
  }
  const task = world.createChildTask(
    batch,
    {
      type: 'RecoverApp',
      instance,
      plan: { kind: 'recover', backupFileId: backup.id, failure, corrupt: override?.corrupt ?? randomCorrupt },
      durationMs: override?.recoverDurationMs ?? config.recoverDurationMs,
      stuck: !mismatch && !permanent && (override?.stuck ?? randomStuck),
      failEarly: mismatch || failure?.permanent === true,
    },
    now,
  );
  instance.status = 'RECOVERING';
  instance.errorCode = undefined;
  instance.activeRecoveryTaskId = task.id;
  instance.gmtModified = now;
  backup.activeRecoveries += 1;
  if (config.backupStatusDuringRecovery === 'RECOVERING') {
    backup.status = 'RECOVERING';
    backup.gmtModified = now;
  }
  return task;
}

/** An injected failure: `RecoverTimeout` (or the override's code), or in the unfamiliar dialect one of its unknown codes. */
function injectedFailure(context: OperationContext, instance: Instance, overrideCode: string | undefined): TaskFailure {
  const { config, world } = context;
  if (overrideCode !== undefined || !config.unknownTaskFailureCodes) {
    return { code: overrideCode ?? 'RecoverTimeout', message: 'The app recovery timed out. Try again later.', afterUninstall: true };
  }
  // Keyed by the attempt number on this instance, so the pick never consumes a fault PRNG draw.
  const attempt = world.recoveryTasksByInstance.get(instance.id) ?? 0;
  const chosen = dialectRecoveryFailure(config.dialectSeed, `${instance.id}#${attempt}`);
  // A permanent failure is found before any work (like an image mismatch), so it leaves the apps alone.
  return { code: chosen.code, message: chosen.message, afterUninstall: !chosen.permanent, permanent: chosen.permanent };
}
