import type { BackupFile, Instance, Invocation, Task } from '../state/model';
import type { EmulatorWorld } from '../state/world';
import { isoSeconds, spacedDateTime } from '../time-format';

/** Wire shapes of the vendor responses. Absent optional values are omitted, as the gateway does. */

const withoutUndefined = <T extends Record<string, unknown>>(object: T): T => {
  for (const key of Object.keys(object)) if (object[key] === undefined) delete object[key];
  return object;
};

const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;

export function instanceView(world: EmulatorWorld, instance: Instance, now: number): Record<string, unknown> {
  const seq = instance.seq;
  return withoutUndefined({
    AndroidInstanceId: instance.id,
    AndroidInstanceName: instance.name,
    AndroidInstanceStatus: world.displayedStatus(instance, now),
    AndroidInstanceGroupId: instance.instanceGroupId,
    AndroidInstanceGroupName: `group-${instance.instanceGroupId.slice(3, 11)}`,
    ErrorCode: instance.errorCode,
    Rate: instance.status === 'RECOVER_FAILED' ? 0 : world.recoveryRate(instance, now),
    ImageId: `imgc-${instance.imageVersion.replace(/\D/g, '').padEnd(17, '0').slice(0, 17)}`,
    ImageVersion: instance.imageVersion,
    SystemVersion: instance.systemVersion,
    BizImageType: 'System',
    InstanceType: instance.instanceType,
    ServerType: instance.serverType,
    Cpu: '4',
    Memory: 8192,
    RegionId: instance.regionId,
    ZoneId: instance.zoneId,
    ChargeType: 'PostPaid',
    GmtCreate: spacedDateTime(instance.gmtCreate),
    GmtModified: spacedDateTime(instance.gmtModified),
    GmtExpired: isoSeconds(instance.gmtCreate + TEN_YEARS_MS),
    SessionStatus: 'disConnect',
    InternetStatus: 'AVAILABLE',
    NetworkInterfaceIp: `10.${(seq >> 16) & 255}.${(seq >> 8) & 255}.${seq & 255}`,
    Tags: [],
    BizTags: [],
    Disks: [{ DiskSize: 32, DiskType: 'DATA' }],
    DisplayConfig: { Dpi: 320, Fps: 30, LockResolution: 'off', ResolutionHeight: 1920, ResolutionWidth: 1080 },
  });
}

export function backupView(backup: BackupFile): Record<string, unknown> {
  return {
    BackupFileId: backup.id,
    BackupFileName: backup.name,
    BackupFilePath: backup.path,
    Status: backup.status,
    AndroidInstanceId: backup.sourceInstanceId,
    AndroidInstanceName: backup.sourceInstanceName,
    InstanceGroupId: backup.instanceGroupId,
    SourceAppInfoList: [...backup.sourceAppInfoList],
    SourceFilePathList: [],
    BackupAll: false,
    FileSize: backup.fileSize,
    UploadType: backup.uploadType,
    UploadEndpoint: backup.uploadEndpoint,
    Description: backup.description,
    EndUserId: '',
    RegionId: backup.regionId,
    TaskId: backup.taskId ?? '',
    GmtCreated: spacedDateTime(backup.gmtCreated),
    GmtModified: spacedDateTime(backup.gmtModified),
    Channel: 'console',
    SystemVersion: backup.systemVersion,
  };
}

export function taskView(world: EmulatorWorld, task: Task, now: number): Record<string, unknown> {
  const instance = task.instanceId ? world.instances.get(task.instanceId) : undefined;
  const finishedAt = task.level === 2 ? task.finishedAt : world.batchFinishedAt(task);
  const counts = task.level === 1 ? world.childCounts(task, now) : undefined;
  return withoutUndefined({
    TaskId: task.id,
    ParentTaskId: task.parentId,
    Level: task.level,
    TaskType: task.type,
    TaskStatus: world.taskStatus(task, now),
    InvokeId: task.invokeId,
    ResourceId: task.instanceId,
    InstanceId: task.instanceId,
    InstanceName: task.instanceName,
    InstanceStatus: instance ? world.displayedStatus(instance, now) : undefined,
    RegionId: task.regionId,
    StartTime: isoSeconds(task.createdAt),
    FinishTime: finishedAt === undefined ? undefined : isoSeconds(finishedAt),
    ErrorCode: task.errorCode,
    ErrorMsg: task.errorMsg,
    Result: task.result,
    Operator: 'api',
    TotalChildCount: counts?.total,
    SuccessChildCount: counts?.success,
    FailedChildCount: counts?.failed,
    RunningChildCount: counts?.running,
  });
}

export function invocationView(world: EmulatorWorld, invocation: Invocation, now: number): Record<string, unknown> {
  const task = world.tasks.get(invocation.taskId);
  const pendingStatus = task && world.childStatus(task, now) === 'Waiting' ? 'PENDING' : 'RUNNING';
  return withoutUndefined({
    InvocationId: invocation.invokeId,
    InstanceId: invocation.instanceId,
    InvocationStatus: invocation.status ?? pendingStatus,
    Output: invocation.output,
    StartTime: spacedDateTime(invocation.startedAt),
    FinishTime: invocation.finishedAt === undefined ? undefined : spacedDateTime(invocation.finishedAt),
  });
}
