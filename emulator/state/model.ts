/** In-memory state of the emulated Cloud Phone account. Plain objects so the admin dump is plain JSON. */

export const INSTANCE_STATUSES = [
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
] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

export const BACKUP_FILE_STATUSES = [
  'AVAILABLE',
  'BACKUPING',
  'RECOVERING',
  'DELETING',
  'BACKUP_FAILED',
  'RECOVERY_FAILED',
  'PART_BACKUP_FINISHED',
] as const;
export type BackupFileStatus = (typeof BACKUP_FILE_STATUSES)[number];

export interface InstalledPackage {
  packageName: string;
  versionName: string;
  versionCode: number;
  /** Files under `/data/data/<packageName>/`, keyed by relative path. */
  data: Record<string, string>;
}

export interface Instance {
  seq: number;
  id: string;
  name: string;
  status: InstanceStatus;
  imageVersion: string;
  systemVersion: string;
  instanceType: string;
  /** Architecture; backups do not restore across it. */
  serverType: string;
  regionId: string;
  zoneId: string;
  instanceGroupId: string;
  gmtCreate: number;
  gmtModified: number;
  errorCode?: string;
  packages: Record<string, InstalledPackage>;
  activeRecoveryTaskId?: string;
  /** Unfamiliar dialect: a permanent failure tied to this instance; every later recovery fails with it. */
  permanentFailure?: { code: string; message: string };
}

export interface BackupFile {
  seq: number;
  id: string;
  name: string;
  path: string;
  status: BackupFileStatus;
  sourceInstanceId: string;
  sourceInstanceName: string;
  instanceGroupId: string;
  /** Package names requested or captured; what DescribeBackupFiles reports as SourceAppInfoList. */
  sourceAppInfoList: string[];
  /** Frozen deep copies taken when the backup completed. */
  packages: InstalledPackage[];
  sourceImageVersion: string;
  sourceServerType: string;
  systemVersion: string;
  fileSize: number;
  uploadType: 'OSS';
  uploadEndpoint: string;
  description: string;
  regionId: string;
  gmtCreated: number;
  gmtModified: number;
  taskId?: string;
  activeRecoveries: number;
}

export const TASK_TYPES = ['RecoverApp', 'BackupApp', 'RunCommand', 'StartInstance', 'StopInstance'] as const;
export type TaskType = (typeof TASK_TYPES)[number];
export type TaskStatus = 'Waiting' | 'Processing' | 'Finished' | 'PartFinished' | 'Failed' | 'Skipped';
export type TerminalChildStatus = 'Finished' | 'Failed';

export interface TaskFailure {
  code: string;
  message: string;
  /** Whether the failure happens after the existing app was uninstalled. */
  afterUninstall: boolean;
  /** Sticks to the instance: later recoveries there fail the same way. */
  permanent?: boolean;
}

export type TaskPlan =
  | { kind: 'batch' }
  | { kind: 'recover'; backupFileId: string; failure?: TaskFailure; corrupt: boolean }
  | { kind: 'backup'; backupFileId: string; packageNames: string[]; statusBefore: InstanceStatus }
  | { kind: 'command'; invokeId: string; commandText: string; timesOut: boolean }
  | { kind: 'start' }
  | { kind: 'stop' };

export interface Task {
  seq: number;
  id: string;
  level: 1 | 2;
  type: TaskType;
  parentId?: string;
  childIds: string[];
  /** RequestId of the creating call, or RunCommand's InvokeId for command tasks. */
  invokeId: string;
  requestId: string;
  instanceId?: string;
  instanceName?: string;
  regionId: string;
  createdAt: number;
  /** Real epoch ms when the task leaves `Waiting`. */
  processingAt: number;
  /** Real epoch ms when it would end; `Infinity` for a stuck task. */
  dueAt: number;
  /** Nominal end, also for stuck tasks: drives the progress `Rate`. */
  nominalEndAt: number;
  outcome?: TerminalChildStatus;
  finishedAt?: number;
  errorCode?: string;
  errorMsg?: string;
  result?: string;
  plan: TaskPlan;
}

export type InvocationStatus = 'PENDING' | 'RUNNING' | 'SUCCESS' | 'FAILED' | 'TIMEOUT';

export interface Invocation {
  invokeId: string;
  instanceId: string;
  taskId: string;
  status?: Extract<InvocationStatus, 'SUCCESS' | 'FAILED' | 'TIMEOUT'>;
  output: string;
  exitCode?: number;
  startedAt: number;
  finishedAt?: number;
}
