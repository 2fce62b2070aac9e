import { z } from 'zod';

/** Response contracts: field names and types as docs/vendor-facts.md and the SDK models give them. */

const requestId = z.string().regex(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
const taskId = z.string().regex(/^t-[a-z0-9]{15}$/);
const instanceId = z.string().regex(/^acp-[a-z0-9]+$/);
const backupFileId = z.string().regex(/^bf-[a-z0-9]+$/);
const isoTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
const spacedTime = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

export const errorBodySchema = z
  .object({
    RequestId: requestId,
    HostId: z.string(),
    Code: z.string(),
    Message: z.string(),
    Recommend: z.string(),
  })
  .strict();

export const recoverAppSchema = z
  .object({
    RequestId: requestId,
    TaskId: taskId,
    Count: z.number().int(),
    Data: z.array(z.object({ AndroidInstanceId: instanceId, TaskId: taskId }).strict()),
  })
  .strict();

export const backupAppSchema = z
  .object({
    RequestId: requestId,
    TaskId: taskId,
    Count: z.number().int(),
    Data: z.array(
      z.object({ AndroidInstanceId: instanceId, BackupFileId: backupFileId, BackupFileName: z.string(), TaskId: taskId }).strict(),
    ),
  })
  .strict();

export const backupFileItemSchema = z
  .object({
    BackupFileId: backupFileId,
    BackupFileName: z.string(),
    BackupFilePath: z.string().startsWith('oss://cloudphone-saved-bucket-'),
    Status: z.enum(['AVAILABLE', 'BACKUPING', 'RECOVERING', 'DELETING', 'BACKUP_FAILED', 'RECOVERY_FAILED', 'PART_BACKUP_FINISHED']),
    AndroidInstanceId: instanceId,
    AndroidInstanceName: z.string(),
    InstanceGroupId: z.string(),
    SourceAppInfoList: z.array(z.string()),
    SourceFilePathList: z.array(z.string()),
    BackupAll: z.boolean(),
    FileSize: z.number().int(),
    UploadType: z.literal('OSS'),
    UploadEndpoint: z.string(),
    Description: z.string(),
    EndUserId: z.string(),
    RegionId: z.string(),
    TaskId: z.string(),
    GmtCreated: spacedTime,
    GmtModified: spacedTime,
    Channel: z.string(),
    SystemVersion: z.string(),
  })
  .strict();

export const describeBackupFilesSchema = z
  .object({
    RequestId: requestId,
    TotalCount: z.number().int(),
    NextToken: z.string(),
    MaxResults: z.string().regex(/^\d+$/),
    Data: z.array(backupFileItemSchema),
  })
  .strict();

export const requestIdOnlySchema = z.object({ RequestId: requestId }).strict();

export const taskItemSchema = z
  .object({
    TaskId: taskId,
    ParentTaskId: taskId.optional(),
    Level: z.union([z.literal(1), z.literal(2)]),
    TaskType: z.enum(['RecoverApp', 'BackupApp', 'RunCommand', 'StartInstance', 'StopInstance']),
    TaskStatus: z.enum(['Waiting', 'Processing', 'Finished', 'PartFinished', 'Failed', 'Skipped']),
    InvokeId: z.string(),
    ResourceId: instanceId.optional(),
    InstanceId: instanceId.optional(),
    InstanceName: z.string().optional(),
    InstanceStatus: z.string().optional(),
    RegionId: z.string(),
    StartTime: isoTime,
    FinishTime: isoTime.optional(),
    ErrorCode: z.string().optional(),
    ErrorMsg: z.string().optional(),
    Result: z.string().optional(),
    Operator: z.string(),
    TotalChildCount: z.number().int().optional(),
    SuccessChildCount: z.number().int().optional(),
    FailedChildCount: z.number().int().optional(),
    RunningChildCount: z.number().int().optional(),
  })
  .strict();

export const describeTasksSchema = z
  .object({
    RequestId: requestId,
    TotalCount: z.number().int(),
    NextToken: z.string(),
    Data: z.array(taskItemSchema),
  })
  .strict();

export const instanceModelSchema = z
  .object({
    AndroidInstanceId: instanceId,
    AndroidInstanceName: z.string(),
    AndroidInstanceStatus: z.enum([
      'CREATING',
      'FAILED',
      'STARTING',
      'RUNNING',
      'STOPPING',
      'STOPPED',
      'REBOOTING',
      'RESETTING',
      'BACKUPING',
      'BACKUP_FAILED',
      'RECOVERING',
      'RECOVER_FAILED',
      'DELETING',
      'DELETED',
      'UNAVAILABLE',
    ]),
    AndroidInstanceGroupId: z.string(),
    AndroidInstanceGroupName: z.string(),
    ErrorCode: z.string().optional(),
    Rate: z.number().int().min(0).max(100),
    ImageId: z.string(),
    ImageVersion: z.string(),
    SystemVersion: z.string(),
    BizImageType: z.string(),
    InstanceType: z.string(),
    ServerType: z.string(),
    Cpu: z.string(),
    Memory: z.number().int(),
    RegionId: z.string(),
    ZoneId: z.string(),
    ChargeType: z.string(),
    GmtCreate: spacedTime,
    GmtModified: spacedTime,
    GmtExpired: isoTime,
    SessionStatus: z.string(),
    InternetStatus: z.string(),
    NetworkInterfaceIp: z.string(),
    Tags: z.array(z.object({ Key: z.string(), Value: z.string() })),
    BizTags: z.array(z.object({ Key: z.string(), Value: z.string() })),
    Disks: z.array(z.object({ DiskSize: z.number(), DiskType: z.string() })),
    DisplayConfig: z.object({
      Dpi: z.number(),
      Fps: z.number(),
      LockResolution: z.string(),
      ResolutionHeight: z.number(),
      ResolutionWidth: z.number(),
    }),
  })
  .strict();

export const describeAndroidInstancesSchema = z
  .object({
    RequestId: requestId,
    TotalCount: z.number().int(),
    NextToken: z.string(),
    InstanceModel: z.array(instanceModelSchema),
  })
  .strict();

export const runCommandSchema = z
  .object({
    RequestId: requestId,
    InvokeId: taskId,
    TaskId: taskId,
    RunCommandInfos: z.array(z.object({ InvokeId: taskId, InstanceId: instanceId, ChildTaskId: taskId }).strict()),
  })
  .strict();

export const invocationItemSchema = z
  .object({
    InvocationId: taskId,
    InstanceId: instanceId,
    InvocationStatus: z.enum(['PENDING', 'RUNNING', 'SUCCESS', 'FAILED', 'TIMEOUT']),
    Output: z.string(),
    StartTime: spacedTime,
    FinishTime: spacedTime.optional(),
  })
  .strict();

export const runSyncCommandSchema = z
  .object({
    RequestId: requestId,
    TotalCount: z.string().regex(/^\d+$/),
    Data: z.array(invocationItemSchema),
  })
  .strict();

export const describeInvocationsSchema = runSyncCommandSchema;
