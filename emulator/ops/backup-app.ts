import { newBackupFileId } from '../ids';
import { ApiError } from '../wire/errors';
import { OPERATION_LIST_CAP, type OperationContext, type ResponseBody } from './context';
import { lookupInstances, rejectIfRecovering, rejectIfTaskRunning, requireStatus } from './instance-rules';

export const OSS_BUCKET_PREFIX = 'oss://cloudphone-saved-bucket-';

export function backupApp(context: OperationContext): ResponseBody {
  const { params, world, config, now } = context;
  const instanceIds = params.requiredList('AndroidInstanceIdList', OPERATION_LIST_CAP);
  const packageNames = params.requiredList('SourceAppList', OPERATION_LIST_CAP);
  const directory = params.requiredString('BackupFilePath');
  const uploadEndpoint = params.requiredString('UploadEndpoint');
  const fileName = params.string('BackupFileName');
  const description = params.string('Description') ?? '';
  if (!directory.startsWith(OSS_BUCKET_PREFIX)) {
    throw new ApiError(
      400,
      'InvalidParameter.BackupFilePath',
      `The BackupFilePath must be an OSS URL in a bucket named cloudphone-saved-bucket-*.`,
    );
  }
  const instances = lookupInstances(context, instanceIds, 'AndroidInstanceIdList');
  rejectIfRecovering(context, instances);
  requireStatus(instances, ['RUNNING', 'STOPPED']);
  rejectIfTaskRunning(context, instances);

  const batch = world.createBatchTask('BackupApp', context.requestId, context.requestId, now);
  const folder = directory.endsWith('/') ? directory : `${directory}/`;
  const data = instances.map((instance) => {
    const backupFileId = newBackupFileId();
    const task = world.createChildTask(
      batch,
      {
        type: 'BackupApp',
        instance,
        plan: { kind: 'backup', backupFileId, packageNames: [...new Set(packageNames)], statusBefore: instance.status },
        durationMs: config.backupDurationMs,
      },
      now,
    );
    const name = fileName ?? `${instance.id}_${backupFileId}.ab`;
    world.backups.set(backupFileId, {
      seq: world.nextSeq(),
      id: backupFileId,
      name,
      path: `${folder}${backupFileId}.ab`,
      status: 'BACKUPING',
      sourceInstanceId: instance.id,
      sourceInstanceName: instance.name,
      instanceGroupId: instance.instanceGroupId,
      sourceAppInfoList: [...new Set(packageNames)],
      packages: [],
      sourceImageVersion: instance.imageVersion,
      sourceServerType: instance.serverType,
      systemVersion: instance.systemVersion,
      fileSize: 0,
      uploadType: 'OSS',
      uploadEndpoint,
      description,
      regionId: instance.regionId,
      gmtCreated: now,
      gmtModified: now,
      taskId: task.id,
      activeRecoveries: 0,
    });
    instance.status = 'BACKUPING';
    instance.gmtModified = now;
    return { AndroidInstanceId: instance.id, BackupFileId: backupFileId, BackupFileName: name, TaskId: task.id };
  });
  context.effects.batchTaskId = batch.id;
  context.effects.backupTasks = data.map((d) => ({ instanceId: d.AndroidInstanceId, backupFileId: d.BackupFileId, taskId: d.TaskId }));
  return { RequestId: context.requestId, TaskId: batch.id, Count: data.length, Data: data };
}
