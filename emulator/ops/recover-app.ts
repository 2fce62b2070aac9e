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
  if (mismatch) {
    failure = {
      code: 'ImageMismatch',
      message: `Instance ${instance.id} runs image ${instance.imageVersion} on ${instance.serverType}; the backup was taken on image ${backup.sourceImageVersion} on ${backup.sourceServerType}.`,
      afterUninstall: false,
    };
  } else if (override?.taskFailure === 'always' || (override?.taskFailure !== 'never' && randomFailure)) {
    failure = {
      code: override?.failureCode ?? 'RecoverTimeout',
      message: 'The app recovery timed out. Try again later.',
      afterUninstall: true,
    };
  }
  const task = world.createChildTask(
    batch,
    {
      type: 'RecoverApp',
      instance,
      plan: { kind: 'recover', backupFileId: backup.id, failure, corrupt: override?.corrupt ?? randomCorrupt },
      durationMs: override?.recoverDurationMs ?? config.recoverDurationMs,
      stuck: !mismatch && (override?.stuck ?? randomStuck),
      failEarly: mismatch,
    },
    now,
  );
  instance.status = 'RECOVERING';
  instance.errorCode = undefined;
  instance.activeRecoveryTaskId = task.id;
  instance.gmtModified = now;
  backup.activeRecoveries += 1;
  backup.status = 'RECOVERING';
  backup.gmtModified = now;
  return task;
}
