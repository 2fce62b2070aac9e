// Typed, camelCase view of the eds-aic 2023-09-30 operations this product uses.
// Wire names are PascalCase; the mapping lives in operations.ts. Numbers and times are parsed leniently
// because the vendor types some counters as strings and uses two time formats.
import type { KnownBackupFileStatus, KnownInstanceStatus, KnownInvocationStatus, KnownTaskStatus } from './vendor-facts';

// Known values live in vendor-facts.ts; any other string the vendor sends passes through unchanged.
export type InstanceStatus = KnownInstanceStatus | (string & {});
export type BackupFileStatus = KnownBackupFileStatus | (string & {});
export type TaskStatus = KnownTaskStatus | (string & {});
export type InvocationStatus = KnownInvocationStatus;

export interface AndroidInstance {
  instanceId: string;
  instanceName?: string;
  status: InstanceStatus;
  imageId?: string;
  imageVersion?: string;
  systemVersion?: string;
  instanceType?: string;
  serverType?: string;
  regionId?: string;
  errorCode?: string;
  rate?: number;
}

export interface BackupFile {
  backupFileId: string;
  backupFileName?: string;
  backupFilePath: string;
  status: BackupFileStatus;
  sourceInstanceId?: string;
  sourceInstanceName?: string;
  sourceAppList: string[];
  uploadType?: string;
  uploadEndpoint?: string;
  systemVersion?: string;
  fileSize?: number;
  taskId?: string;
  createdAt?: string;
}

export interface Task {
  taskId: string;
  parentTaskId?: string;
  level?: number;
  taskType?: string;
  status: TaskStatus;
  invokeId?: string;
  instanceId?: string;
  instanceStatus?: string;
  startTime?: string;
  finishTime?: string;
  errorCode?: string;
  errorMessage?: string;
  result?: string;
}

export interface Invocation {
  invocationId: string;
  instanceId: string;
  status: InvocationStatus;
  /** Set only when the vendor sent a status we do not recognise (then `status` is 'RUNNING'). */
  rawStatus?: string;
  output: string;
  startTime?: string;
  finishTime?: string;
}

export interface RecoverAppRequest {
  instanceIds: string[];
  backupFileId: string;
  backupFilePath: string;
  uploadType: string;
  uploadEndpoint?: string;
}

export interface InstanceTaskRef {
  instanceId: string;
  taskId: string;
}

export interface RecoverAppResponse {
  requestId: string;
  batchTaskId: string;
  count: number;
  tasks: InstanceTaskRef[];
}

export interface BackupAppRequest {
  instanceIds: string[];
  packages: string[];
  backupFilePath: string;
  uploadEndpoint: string;
  backupFileName?: string;
  description?: string;
}

export interface BackupAppResponse {
  requestId: string;
  batchTaskId: string;
  backups: { instanceId: string; backupFileId: string; backupFileName?: string; taskId: string }[];
}

export interface DescribeTasksRequest {
  taskIds?: string[];
  parentTaskId?: string;
  invokeId?: string;
  instanceId?: string;
  taskType?: string;
  level?: 1 | 2;
  maxResults?: number;
  nextToken?: string;
}

export interface Page<T> {
  requestId: string;
  items: T[];
  nextToken?: string;
  totalCount?: number;
}

export interface RunCommandRequest {
  instanceIds: string[];
  command: string;
  timeoutSeconds?: number;
}

export interface RunCommandResponse {
  requestId: string;
  invokeId: string;
  batchTaskId?: string;
}

/** One classification for every failure of a vendor call; the orchestrator decides retries from `kind`. */
export type EcpErrorKind = 'throttled' | 'transient' | 'auth' | 'invalid' | 'notFound' | 'unknown';

/** Everything the product does with the Cloud Phone API goes through this interface. */
export interface EcpClient {
  recoverApp(req: RecoverAppRequest): Promise<RecoverAppResponse>;
  backupApp(req: BackupAppRequest): Promise<BackupAppResponse>;
  describeBackupFiles(req: { backupFileId?: string; maxResults?: number; nextToken?: string }): Promise<Page<BackupFile>>;
  deleteBackupFiles(backupFileIds: string[]): Promise<{ requestId: string }>;
  describeTasks(req: DescribeTasksRequest): Promise<Page<Task>>;
  describeAndroidInstances(req: { instanceIds?: string[]; maxResults?: number; nextToken?: string }): Promise<Page<AndroidInstance>>;
  runCommand(req: RunCommandRequest): Promise<RunCommandResponse>;
  describeInvocations(req: { invocationId: string; instanceIds: string[] }): Promise<{ requestId: string; items: Invocation[] }>;
  startAndroidInstances(instanceIds: string[]): Promise<{ requestId: string }>;
  stopAndroidInstances(instanceIds: string[], force?: boolean): Promise<{ requestId: string }>;
}
