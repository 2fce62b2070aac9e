import { BACKUP_FILE_STATUSES, type BackupFile } from '../state/model';
import { parseSpacedDateTime } from '../time-format';
import { ApiError } from '../wire/errors';
import { paginate } from '../wire/paging';
import { FILTER_LIST_CAP, OPERATION_LIST_CAP, type OperationContext, type ResponseBody } from './context';
import { backupView } from './views';

function optionalTime(context: OperationContext, name: string): number | undefined {
  const text = context.params.string(name);
  if (text === undefined) return undefined;
  const epochMs = parseSpacedDateTime(text);
  if (epochMs === undefined)
    throw new ApiError(400, `InvalidParameter.${name}`, `The parameter "${name}" must look like YYYY-MM-DD HH:mm:ss.`);
  return epochMs;
}

export function describeBackupFiles(context: OperationContext): ResponseBody {
  const { params, world } = context;
  const filter = {
    backupFileId: params.string('BackupFileId'),
    backupFileName: params.string('BackupFileName'),
    instanceId: params.string('AndroidInstanceId'),
    instanceName: params.string('AndroidInstanceName'),
    description: params.string('Description'),
    instanceGroupId: params.string('InstanceGroupId'),
    statuses: params.optionalList('StatusList', FILTER_LIST_CAP),
    startTime: optionalTime(context, 'StartTime'),
    endTime: optionalTime(context, 'EndTime'),
    backupAll: params.boolean('BackupAll'),
  };
  const unknownStatus = filter.statuses.find((s) => !(BACKUP_FILE_STATUSES as readonly string[]).includes(s));
  if (unknownStatus) throw new ApiError(400, 'InvalidParameter.StatusList', `Unknown backup file status ${unknownStatus}.`);
  const maxResults = params.integer('MaxResults', { min: 1, max: 100, fallback: 10 });

  const matches = (backup: BackupFile): boolean =>
    (filter.backupFileId === undefined || backup.id === filter.backupFileId) &&
    (filter.backupFileName === undefined || backup.name.includes(filter.backupFileName)) &&
    (filter.instanceId === undefined || backup.sourceInstanceId === filter.instanceId) &&
    (filter.instanceName === undefined || backup.sourceInstanceName.includes(filter.instanceName)) &&
    (filter.description === undefined || backup.description.includes(filter.description)) &&
    (filter.instanceGroupId === undefined || backup.instanceGroupId === filter.instanceGroupId) &&
    (filter.statuses.length === 0 || filter.statuses.includes(backup.status)) &&
    (filter.startTime === undefined || backup.gmtCreated >= filter.startTime) &&
    (filter.endTime === undefined || backup.gmtCreated <= filter.endTime) &&
    filter.backupAll !== true; // every emulated backup is an app backup, never a whole-device one

  const candidates =
    filter.backupFileId !== undefined
      ? [world.backups.get(filter.backupFileId)].filter((b): b is BackupFile => b !== undefined)
      : [...world.backups.values()];
  const page = paginate(candidates.filter(matches), { maxResults, nextToken: params.string('NextToken'), filter });
  return {
    RequestId: context.requestId,
    TotalCount: page.totalCount,
    NextToken: page.nextToken,
    MaxResults: String(maxResults),
    Data: page.items.map(backupView),
  };
}

const DELETABLE_STATUSES = ['AVAILABLE', 'BACKUP_FAILED', 'RECOVERY_FAILED', 'PART_BACKUP_FINISHED'];

export function deleteBackupFile(context: OperationContext): ResponseBody {
  const { params, world, config, now } = context;
  const ids = [...new Set(params.requiredList('BackupFileIdList', OPERATION_LIST_CAP))];
  const toDelete: BackupFile[] = [];
  for (const id of ids) {
    const backup = world.backups.get(id);
    const alreadyGone = !backup || backup.status === 'DELETING';
    if (alreadyGone) {
      if (config.repeatDelete === 'succeed') continue;
      throw new ApiError(400, 'InvalidParameter.BackupFileId', `The specified backup file ${id} does not exist.`);
    }
    if (!DELETABLE_STATUSES.includes(backup.status)) {
      throw new ApiError(
        400,
        'IncorrectBackupFileStatus',
        `The status of backup file ${id} is ${backup.status}; it cannot be deleted now.`,
      );
    }
    toDelete.push(backup);
  }
  for (const backup of toDelete) {
    backup.status = 'DELETING';
    backup.gmtModified = now;
    world.scheduleBackupRemoval(backup.id, now + world.scaled(config.deleteDelayMs));
  }
  context.effects.deletedBackupFileIds = toDelete.map((b) => b.id);
  return { RequestId: context.requestId };
}
