import { backupApp } from './backup-app';
import { deleteBackupFile, describeBackupFiles } from './backup-files';
import { describeInvocations, runCommand, runSyncCommand } from './commands';
import type { OperationHandler } from './context';
import { describeAndroidInstances } from './describe-instances';
import { describeTasks } from './describe-tasks';
import { startAndroidInstance, stopAndroidInstance } from './instance-power';
import { recoverApp } from './recover-app';

export const OPERATIONS: Readonly<Record<string, OperationHandler>> = Object.freeze({
  RecoverApp: recoverApp,
  BackupApp: backupApp,
  DescribeBackupFiles: describeBackupFiles,
  DeleteBackupFile: deleteBackupFile,
  DescribeTasks: describeTasks,
  DescribeAndroidInstances: describeAndroidInstances,
  RunCommand: runCommand,
  RunSyncCommand: runSyncCommand,
  DescribeInvocations: describeInvocations,
  StartAndroidInstance: startAndroidInstance,
  StopAndroidInstance: stopAndroidInstance,
});

export const API_VERSION = '2023-09-30';
