// PascalCase wire items → camelCase contract types (field names as in the vendor SDK models, docs/wire-protocol.md).
import type { WireBody } from './call';
import type { AndroidInstance, BackupFile, Invocation, InvocationStatus, Page, Task } from './types';
import { isKnownInvocationStatus } from './vendor-facts';
import { compact, nonEmpty, num, records, str, strings } from './wire';

export function toTask(r: WireBody): Task | undefined {
  const taskId = nonEmpty(r.TaskId);
  if (!taskId) return undefined;
  return compact<Task>({
    taskId,
    parentTaskId: nonEmpty(r.ParentTaskId),
    level: num(r.Level),
    taskType: nonEmpty(r.TaskType),
    // Unknown statuses pass through; the poller treats anything unrecognised as non-terminal.
    status: str(r.TaskStatus) ?? '',
    invokeId: nonEmpty(r.InvokeId),
    instanceId: nonEmpty(r.InstanceId) ?? nonEmpty(r.ResourceId),
    instanceStatus: nonEmpty(r.InstanceStatus),
    startTime: nonEmpty(r.StartTime),
    finishTime: nonEmpty(r.FinishTime),
    errorCode: nonEmpty(r.ErrorCode),
    errorMessage: nonEmpty(r.ErrorMsg) ?? nonEmpty(r.ErrorMessage),
    result: str(r.Result),
  });
}

export function toInstance(r: WireBody): AndroidInstance | undefined {
  const instanceId = nonEmpty(r.AndroidInstanceId);
  if (!instanceId) return undefined;
  return compact<AndroidInstance>({
    instanceId,
    instanceName: nonEmpty(r.AndroidInstanceName),
    status: str(r.AndroidInstanceStatus) ?? '',
    imageId: nonEmpty(r.ImageId),
    imageVersion: nonEmpty(r.ImageVersion),
    systemVersion: nonEmpty(r.SystemVersion),
    instanceType: nonEmpty(r.InstanceType),
    serverType: nonEmpty(r.ServerType),
    regionId: nonEmpty(r.RegionId),
    errorCode: nonEmpty(r.ErrorCode),
    rate: num(r.Rate),
  });
}

export function toBackupFile(r: WireBody): BackupFile | undefined {
  const backupFileId = nonEmpty(r.BackupFileId);
  if (!backupFileId) return undefined;
  return compact<BackupFile>({
    backupFileId,
    backupFileName: nonEmpty(r.BackupFileName),
    backupFilePath: str(r.BackupFilePath) ?? '',
    status: str(r.Status) ?? '',
    sourceInstanceId: nonEmpty(r.AndroidInstanceId),
    sourceInstanceName: nonEmpty(r.AndroidInstanceName),
    sourceAppList: strings(r.SourceAppInfoList),
    uploadType: nonEmpty(r.UploadType),
    uploadEndpoint: nonEmpty(r.UploadEndpoint),
    systemVersion: nonEmpty(r.SystemVersion),
    fileSize: num(r.FileSize),
    taskId: nonEmpty(r.TaskId),
    createdAt: nonEmpty(r.GmtCreated) ?? nonEmpty(r.GmtCreate),
  });
}

/** Sources disagree on case (`Running` vs `RUNNING`); unknown values count as still running. */
export function normaliseInvocationStatus(v: unknown): { status: InvocationStatus; raw?: string } {
  const raw = str(v) ?? '';
  const upper = raw.trim().toUpperCase();
  if (isKnownInvocationStatus(upper)) return { status: upper as InvocationStatus };
  return { status: 'RUNNING', raw };
}

export function toInvocation(r: WireBody): Invocation | undefined {
  const instanceId = nonEmpty(r.InstanceId);
  if (!instanceId) return undefined;
  const s = normaliseInvocationStatus(r.InvocationStatus);
  return compact<Invocation>({
    invocationId: str(r.InvocationId) ?? '',
    instanceId,
    status: s.status,
    rawStatus: s.raw,
    output: str(r.Output) ?? '',
    startTime: nonEmpty(r.StartTime),
    finishTime: nonEmpty(r.FinishTime),
  });
}

export function toPage<T>(body: WireBody, requestId: string, listKey: string, map: (r: WireBody) => T | undefined): Page<T> {
  const items: T[] = [];
  for (const r of records(body[listKey])) {
    const item = map(r);
    if (item !== undefined) items.push(item);
  }
  return compact<Page<T>>({
    requestId,
    items,
    nextToken: nonEmpty(body.NextToken),
    totalCount: num(body.TotalCount),
  });
}
