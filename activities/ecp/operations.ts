import { createCallApi, type CallApi, type EcpHooks, type WireBody } from './call';
import type { EcpConfig } from './config';
import { EcpError } from './errors';
import { toBackupFile, toInstance, toInvocation, toPage, toTask } from './mappers';
import type {
  BackupAppRequest,
  BackupAppResponse,
  DescribeTasksRequest,
  EcpClient,
  InstanceTaskRef,
  RecoverAppRequest,
  RecoverAppResponse,
  RunCommandRequest,
  RunCommandResponse,
} from './types';
import { invalid, optionalPageSize, requireIdList, requireString } from './validate';
import { MAX_BACKUP_FILES_PER_CALL, MAX_INSTANCES_PER_CALL, MAX_PACKAGES_PER_CALL, MAX_TASK_IDS_PER_CALL } from './vendor-facts';
import { compact, nonEmpty, num, records } from './wire';

/** Builds the typed client over real signed HTTP (`config` from loadEcpConfig). */
export function createEcpClient(config: EcpConfig, hooks?: EcpHooks): EcpClient {
  return createEcpClientFromCall(createCallApi(config, hooks));
}

/**
 * A successful mutating call whose reply lacks the IDs we must track is not retryable: the work may
 * have started, and re-issuing would break "one recovery task per target".
 */
function malformed(action: string, requestId: string, what: string): EcpError {
  return new EcpError({
    action,
    code: 'MalformedResponse',
    kind: 'unknown',
    vendorMessage: `reply has no ${what}`,
    requestId: requestId || undefined,
    mayHaveSucceeded: true,
  });
}

function instanceTaskRefs(body: WireBody): InstanceTaskRef[] {
  const out: InstanceTaskRef[] = [];
  for (const r of records(body.Data)) {
    const instanceId = nonEmpty(r.AndroidInstanceId);
    const taskId = nonEmpty(r.TaskId);
    if (instanceId && taskId) out.push({ instanceId, taskId });
  }
  return out;
}

/** Exposed separately so tests can drive the mapping with a fake call primitive. */
export function createEcpClientFromCall(call: CallApi): EcpClient {
  return {
    async recoverApp(req: RecoverAppRequest): Promise<RecoverAppResponse> {
      const a = 'RecoverApp';
      const ids = requireIdList(a, 'AndroidInstanceIdList', req.instanceIds, MAX_INSTANCES_PER_CALL);
      const { body, requestId } = await call(a, {
        AndroidInstanceIdList: ids,
        BackupFileId: requireString(a, 'BackupFileId', req.backupFileId),
        BackupFilePath: requireString(a, 'BackupFilePath', req.backupFilePath),
        UploadType: requireString(a, 'UploadType', req.uploadType),
        UploadEndpoint: req.uploadEndpoint,
      });
      const batchTaskId = nonEmpty(body.TaskId);
      if (!batchTaskId) throw malformed(a, requestId, 'TaskId');
      const tasks = instanceTaskRefs(body);
      return { requestId, batchTaskId, count: num(body.Count) ?? tasks.length, tasks };
    },

    async backupApp(req: BackupAppRequest): Promise<BackupAppResponse> {
      const a = 'BackupApp';
      const ids = requireIdList(a, 'AndroidInstanceIdList', req.instanceIds, MAX_INSTANCES_PER_CALL);
      const packages = requireIdList(a, 'SourceAppList', req.packages, MAX_PACKAGES_PER_CALL);
      const { body, requestId } = await call(a, {
        AndroidInstanceIdList: ids,
        SourceAppList: packages,
        BackupFilePath: requireString(a, 'BackupFilePath', req.backupFilePath),
        UploadEndpoint: requireString(a, 'UploadEndpoint', req.uploadEndpoint),
        BackupFileName: req.backupFileName,
        Description: req.description,
      });
      const batchTaskId = nonEmpty(body.TaskId);
      if (!batchTaskId) throw malformed(a, requestId, 'TaskId');
      const backups: BackupAppResponse['backups'] = [];
      for (const r of records(body.Data)) {
        const instanceId = nonEmpty(r.AndroidInstanceId);
        const backupFileId = nonEmpty(r.BackupFileId);
        const taskId = nonEmpty(r.TaskId);
        if (!instanceId || !backupFileId || !taskId) continue;
        backups.push(compact({ instanceId, backupFileId, backupFileName: nonEmpty(r.BackupFileName), taskId }));
      }
      return { requestId, batchTaskId, backups };
    },

    async describeBackupFiles(req) {
      const a = 'DescribeBackupFiles';
      const { body, requestId } = await call(a, {
        BackupFileId: req.backupFileId,
        MaxResults: optionalPageSize(a, req.maxResults),
        NextToken: req.nextToken,
      });
      return toPage(body, requestId, 'Data', toBackupFile);
    },

    async deleteBackupFiles(backupFileIds) {
      const a = 'DeleteBackupFile';
      const ids = requireIdList(a, 'BackupFileIdList', backupFileIds, MAX_BACKUP_FILES_PER_CALL);
      const { requestId } = await call(a, { BackupFileIdList: ids });
      return { requestId };
    },

    async describeTasks(req: DescribeTasksRequest) {
      const a = 'DescribeTasks';
      const { body, requestId } = await call(a, {
        TaskIds: requireIdList(a, 'TaskIds', req.taskIds, MAX_TASK_IDS_PER_CALL, { optional: true }),
        ParentTaskId: req.parentTaskId,
        InvokeId: req.invokeId,
        InstanceId: req.instanceId,
        TaskType: req.taskType,
        Level: req.level,
        MaxResults: optionalPageSize(a, req.maxResults),
        NextToken: req.nextToken,
      });
      return toPage(body, requestId, 'Data', toTask);
    },

    async describeAndroidInstances(req) {
      const a = 'DescribeAndroidInstances';
      const { body, requestId } = await call(a, {
        AndroidInstanceIds: requireIdList(a, 'AndroidInstanceIds', req.instanceIds, MAX_INSTANCES_PER_CALL, {
          optional: true,
        }),
        MaxResults: optionalPageSize(a, req.maxResults),
        NextToken: req.nextToken,
      });
      return toPage(body, requestId, 'InstanceModel', toInstance);
    },

    async runCommand(req: RunCommandRequest): Promise<RunCommandResponse> {
      const a = 'RunCommand';
      const ids = requireIdList(a, 'InstanceIds', req.instanceIds, MAX_INSTANCES_PER_CALL);
      const t = req.timeoutSeconds;
      if (t !== undefined && (!Number.isInteger(t) || t < 1)) {
        throw invalid(a, 'InvalidParameter.Timeout', 'Timeout must be a positive whole number of seconds');
      }
      const { body, requestId } = await call(a, {
        InstanceIds: ids,
        CommandContent: requireString(a, 'CommandContent', req.command),
        Timeout: t,
      });
      const invokeId = nonEmpty(body.InvokeId);
      if (!invokeId) throw malformed(a, requestId, 'InvokeId');
      return compact({ requestId, invokeId, batchTaskId: nonEmpty(body.TaskId) });
    },

    async describeInvocations(req) {
      const a = 'DescribeInvocations';
      const { body, requestId } = await call(a, {
        InstanceIds: requireIdList(a, 'InstanceIds', req.instanceIds, MAX_INSTANCES_PER_CALL),
        InvocationId: requireString(a, 'InvocationId', req.invocationId),
      });
      return { requestId, items: toPage(body, requestId, 'Data', toInvocation).items };
    },

    async startAndroidInstances(instanceIds) {
      const a = 'StartAndroidInstance';
      const ids = requireIdList(a, 'AndroidInstanceIds', instanceIds, MAX_INSTANCES_PER_CALL);
      const { requestId } = await call(a, { AndroidInstanceIds: ids });
      return { requestId };
    },

    async stopAndroidInstances(instanceIds, force) {
      const a = 'StopAndroidInstance';
      const ids = requireIdList(a, 'AndroidInstanceIds', instanceIds, MAX_INSTANCES_PER_CALL);
      const { requestId } = await call(a, { AndroidInstanceIds: ids, ForceStop: force });
      return { requestId };
    },
  };
}
