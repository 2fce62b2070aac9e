import type { EmulatorConfig } from '../config';
import { dialectTaskCode } from '../dialect';
import { newTaskId } from '../ids';
import { SeededRandom } from '../random';
import { compileScript, runScript } from '../shell/android-shell';
import { EventQueue } from './event-queue';
import type { BackupFile, InstalledPackage, Instance, Invocation, Task, TaskFailure, TaskPlan, TaskStatus, TaskType } from './model';

/** Fraction of a task's duration spent `Waiting` before it turns `Processing`. */
const WAITING_FRACTION = 0.05;

export const deepCopyPackage = (pkg: InstalledPackage): InstalledPackage => ({
  packageName: pkg.packageName,
  versionName: pkg.versionName,
  versionCode: pkg.versionCode,
  data: { ...pkg.data },
});

/** Everything the world holds, as plain JSON (stuck tasks' `dueAt` is null). */
export interface WorldSnapshot {
  seq: number;
  instances: Instance[];
  /** In creation order. */
  tasks: (Omit<Task, 'dueAt'> & { dueAt: number | null })[];
  backups: BackupFile[];
  invocations: Invocation[];
  recoveriesByPair: [string, string[]][];
  recoveryTasksByInstance: [string, number][];
  duplicateRecoveryTasks: number;
  events: { at: number; kind: 'taskDue' | 'removeBackup'; id: string }[];
}

export interface NewChildTask {
  type: TaskType;
  instance: Instance;
  plan: TaskPlan;
  durationMs: number;
  stuck?: boolean;
  /** Fail at the end of `Waiting` instead of at the end of the duration (checks done before any work). */
  failEarly?: boolean;
}

/**
 * The emulated account: instances, backup files, tasks and invocations, plus the clock that moves
 * tasks forward. Work is applied lazily: every request first calls `advance(now)`, which fires all
 * events due by then in time order, so reads always see a consistent, up-to-date state.
 */
export class EmulatorWorld {
  readonly instances = new Map<string, Instance>();
  readonly backups = new Map<string, BackupFile>();
  readonly tasks = new Map<string, Task>();
  readonly taskOrder: Task[] = [];
  readonly tasksByInstance = new Map<string, Task[]>();
  readonly tasksByInvokeId = new Map<string, Task[]>();
  readonly invocations = new Map<string, Map<string, Invocation>>();
  /** `${instanceId}|${backupFileId}` → RecoverApp child task IDs, for duplicate detection. */
  private readonly recoveriesByPair = new Map<string, string[]>();
  readonly recoveryTasksByInstance = new Map<string, number>();
  duplicateRecoveryTasks = 0;
  private readonly events = new EventQueue();
  private seq = 0;
  taskRandom: SeededRandom;

  constructor(public config: EmulatorConfig) {
    this.taskRandom = new SeededRandom(config.randomSeed ^ 0x5eed);
  }

  nextSeq(): number {
    return ++this.seq;
  }

  /** Real milliseconds an emulated duration takes under the current time scale. */
  scaled(emulatedMs: number): number {
    return emulatedMs * this.config.timeScale;
  }

  reseed(seed: number): void {
    this.taskRandom = new SeededRandom(seed ^ 0x5eed);
  }

  clear(): void {
    this.instances.clear();
    this.backups.clear();
    this.tasks.clear();
    this.taskOrder.length = 0;
    this.tasksByInstance.clear();
    this.tasksByInvokeId.clear();
    this.invocations.clear();
    this.recoveriesByPair.clear();
    this.recoveryTasksByInstance.clear();
    this.duplicateRecoveryTasks = 0;
    this.events.clear();
  }

  // ---- state file ----------------------------------------------------------------------------

  snapshot(): WorldSnapshot {
    const invocations: Invocation[] = [];
    for (const byInstance of this.invocations.values()) invocations.push(...byInstance.values());
    return {
      seq: this.seq,
      instances: [...this.instances.values()],
      tasks: this.taskOrder.map((task) => ({ ...task, dueAt: Number.isFinite(task.dueAt) ? task.dueAt : null })),
      backups: [...this.backups.values()],
      invocations,
      recoveriesByPair: [...this.recoveriesByPair],
      recoveryTasksByInstance: [...this.recoveryTasksByInstance],
      duplicateRecoveryTasks: this.duplicateRecoveryTasks,
      events: this.events.toList(),
    };
  }

  /**
   * Replaces the world with a snapshot. Work still pending (unfinished tasks, scheduled removals) is moved
   * `pausedMs` later, so the time it still needs is measured on the emulated clock, which stood still while
   * no emulator ran. Finished history keeps its times.
   */
  restore(snapshot: WorldSnapshot, pausedMs: number): void {
    this.clear();
    this.seq = snapshot.seq;
    for (const instance of snapshot.instances) this.instances.set(instance.id, instance);
    for (const backup of snapshot.backups) this.backups.set(backup.id, backup);
    for (const stored of snapshot.tasks) {
      const task: Task = { ...stored, dueAt: stored.dueAt ?? Infinity };
      if (!task.outcome && task.level === 2) {
        task.createdAt += pausedMs;
        task.processingAt += pausedMs;
        task.dueAt += pausedMs;
        task.nominalEndAt += pausedMs;
      }
      this.registerTask(task);
      if (task.instanceId !== undefined && task.level === 2) {
        const forInstance = this.tasksByInstance.get(task.instanceId) ?? [];
        forInstance.push(task);
        this.tasksByInstance.set(task.instanceId, forInstance);
      }
    }
    for (const invocation of snapshot.invocations) {
      const byInstance = this.invocations.get(invocation.invokeId) ?? new Map<string, Invocation>();
      byInstance.set(invocation.instanceId, invocation);
      this.invocations.set(invocation.invokeId, byInstance);
    }
    for (const [key, ids] of snapshot.recoveriesByPair) this.recoveriesByPair.set(key, ids);
    for (const [id, count] of snapshot.recoveryTasksByInstance) this.recoveryTasksByInstance.set(id, count);
    this.duplicateRecoveryTasks = snapshot.duplicateRecoveryTasks;
    for (const event of snapshot.events) this.events.push(event.at + pausedMs, event.kind, event.id);
  }

  // ---- tasks ---------------------------------------------------------------------------------

  createBatchTask(type: TaskType, requestId: string, invokeId: string, now: number): Task {
    const task: Task = {
      seq: this.nextSeq(),
      id: newTaskId(),
      level: 1,
      type,
      childIds: [],
      invokeId,
      requestId,
      regionId: 'cn-shanghai',
      createdAt: now,
      processingAt: now,
      dueAt: now,
      nominalEndAt: now,
      plan: { kind: 'batch' },
    };
    this.registerTask(task);
    return task;
  }

  createChildTask(batch: Task, spec: NewChildTask, now: number): Task {
    const realDuration = this.scaled(spec.durationMs);
    const processingAt = now + realDuration * WAITING_FRACTION;
    const nominalEndAt = now + realDuration;
    const task: Task = {
      seq: this.nextSeq(),
      id: newTaskId(),
      level: 2,
      type: spec.type,
      parentId: batch.id,
      childIds: [],
      invokeId: batch.invokeId,
      requestId: batch.requestId,
      instanceId: spec.instance.id,
      instanceName: spec.instance.name,
      regionId: spec.instance.regionId,
      createdAt: now,
      processingAt,
      dueAt: spec.stuck ? Infinity : spec.failEarly ? processingAt : nominalEndAt,
      nominalEndAt,
      plan: spec.plan,
    };
    batch.childIds.push(task.id);
    this.registerTask(task);
    const forInstance = this.tasksByInstance.get(spec.instance.id) ?? [];
    forInstance.push(task);
    this.tasksByInstance.set(spec.instance.id, forInstance);
    this.events.push(task.dueAt, 'taskDue', task.id);
    if (spec.plan.kind === 'recover') this.countRecovery(spec.instance.id, spec.plan.backupFileId, task.id);
    return task;
  }

  private registerTask(task: Task): void {
    this.tasks.set(task.id, task);
    this.taskOrder.push(task);
    const sameInvoke = this.tasksByInvokeId.get(task.invokeId) ?? [];
    sameInvoke.push(task);
    this.tasksByInvokeId.set(task.invokeId, sameInvoke);
    if (task.requestId !== task.invokeId) {
      const sameRequest = this.tasksByInvokeId.get(task.requestId) ?? [];
      sameRequest.push(task);
      this.tasksByInvokeId.set(task.requestId, sameRequest);
    }
  }

  private countRecovery(instanceId: string, backupFileId: string, taskId: string): void {
    const key = `${instanceId}|${backupFileId}`;
    const earlier = this.recoveriesByPair.get(key) ?? [];
    const liveOrSucceeded = earlier.some((id) => this.tasks.get(id)?.outcome !== 'Failed');
    if (liveOrSucceeded) this.duplicateRecoveryTasks += 1;
    earlier.push(taskId);
    this.recoveriesByPair.set(key, earlier);
    this.recoveryTasksByInstance.set(instanceId, (this.recoveryTasksByInstance.get(instanceId) ?? 0) + 1);
  }

  childStatus(task: Task, now: number): TaskStatus {
    if (task.outcome) return task.outcome;
    return now < task.processingAt ? 'Waiting' : 'Processing';
  }

  taskStatus(task: Task, now: number): TaskStatus {
    if (task.level === 2) return this.childStatus(task, now);
    const counts = this.childCounts(task, now);
    if (counts.running > 0) {
      const allWaiting = task.childIds.every((id) => this.childStatus(this.tasks.get(id) as Task, now) === 'Waiting');
      return allWaiting ? 'Waiting' : 'Processing';
    }
    if (counts.failed === 0) return 'Finished';
    return counts.success === 0 ? 'Failed' : 'PartFinished';
  }

  childCounts(batch: Task, now: number): { total: number; success: number; failed: number; running: number } {
    let success = 0;
    let failed = 0;
    for (const id of batch.childIds) {
      const status = this.childStatus(this.tasks.get(id) as Task, now);
      if (status === 'Finished') success += 1;
      else if (status === 'Failed') failed += 1;
    }
    const total = batch.childIds.length;
    return { total, success, failed, running: total - success - failed };
  }

  batchFinishedAt(batch: Task): number | undefined {
    let latest = batch.createdAt;
    for (const id of batch.childIds) {
      const child = this.tasks.get(id) as Task;
      if (child.finishedAt === undefined) return undefined;
      latest = Math.max(latest, child.finishedAt);
    }
    return latest;
  }

  runningTask(instanceId: string): Task | undefined {
    return (this.tasksByInstance.get(instanceId) ?? []).find((task) => !task.outcome);
  }

  /** Status as DescribeAndroidInstances shows it: the dialect's transient status covers the first 30 % of a recovery. */
  displayedStatus(instance: Instance, now: number): string {
    const transient = this.config.transientInstanceStatus;
    if (transient !== null && instance.status === 'RECOVERING' && this.recoveryRate(instance, now) < 30) return transient;
    return instance.status;
  }

  /** Recovery progress as the vendor's `Rate`, 0–100. */
  recoveryRate(instance: Instance, now: number): number {
    if (!instance.activeRecoveryTaskId) return instance.status === 'RUNNING' ? 100 : 0;
    const task = this.tasks.get(instance.activeRecoveryTaskId);
    if (!task) return 0;
    const span = task.nominalEndAt - task.createdAt;
    const fraction = span <= 0 ? 1 : (now - task.createdAt) / span;
    return Math.max(0, Math.min(99, Math.floor(fraction * 100)));
  }

  // ---- the clock -----------------------------------------------------------------------------

  scheduleBackupRemoval(backupFileId: string, at: number): void {
    this.events.push(at, 'removeBackup', backupFileId);
  }

  advance(now: number): void {
    for (let event = this.events.popDue(now); event; event = this.events.popDue(now)) {
      if (event.kind === 'removeBackup') {
        if (this.backups.get(event.id)?.status === 'DELETING') this.backups.delete(event.id);
        continue;
      }
      const task = this.tasks.get(event.id);
      if (task && !task.outcome) this.completeTask(task, event.at);
    }
  }

  private finish(task: Task, outcome: 'Finished' | 'Failed', at: number, failure?: { code: string; message: string }): void {
    task.outcome = outcome;
    task.finishedAt = at;
    if (failure) {
      task.errorCode = this.taskCode(failure.code);
      task.errorMsg = failure.message;
    }
  }

  private taskCode(code: string): string {
    return this.config.unknownTaskFailureCodes ? dialectTaskCode(code, this.config.dialectSeed) : code;
  }

  private completeTask(task: Task, at: number): void {
    const instance = task.instanceId ? this.instances.get(task.instanceId) : undefined;
    const plan = task.plan;
    if (!instance) {
      this.finish(task, 'Failed', at, { code: 'InstanceNotFound', message: 'The instance no longer exists.' });
      return;
    }
    switch (plan.kind) {
      case 'recover':
        this.completeRecovery(task, plan, instance, at);
        return;
      case 'backup':
        this.completeBackup(task, plan, instance, at);
        return;
      case 'command':
        this.completeCommand(task, plan, instance, at);
        return;
      case 'start':
      case 'stop':
        instance.status = plan.kind === 'start' ? 'RUNNING' : 'STOPPED';
        if (plan.kind === 'start') instance.errorCode = undefined;
        instance.gmtModified = at;
        this.finish(task, 'Finished', at);
        return;
      case 'batch':
        return;
    }
  }

  private completeRecovery(task: Task, plan: Extract<TaskPlan, { kind: 'recover' }>, instance: Instance, at: number): void {
    const backup = this.backups.get(plan.backupFileId);
    if (instance.activeRecoveryTaskId !== task.id) {
      // Someone (admin) took the instance out of this recovery; report it rather than touch the instance.
      this.finish(task, 'Failed', at, { code: 'InstanceBusy', message: 'The instance state changed during recovery.' });
      this.releaseBackup(backup, true);
      return;
    }
    if (plan.failure || !backup) {
      const failure = plan.failure ?? { code: 'BackupFileNotFound', message: 'The backup file no longer exists.', afterUninstall: false };
      this.failRecovery(task, instance, backup, failure, at);
      return;
    }
    for (const pkg of backup.packages) {
      delete instance.packages[pkg.packageName]; // uninstall first: the old data does not survive
      instance.packages[pkg.packageName] = deepCopyPackage(pkg);
    }
    if (plan.corrupt) this.corruptOneFile(instance, backup);
    instance.status = 'RUNNING';
    instance.errorCode = undefined;
    instance.activeRecoveryTaskId = undefined;
    instance.gmtModified = at;
    this.finish(task, 'Finished', at);
    this.releaseBackup(backup, false);
  }

  private corruptOneFile(instance: Instance, backup: BackupFile): void {
    const candidates: [InstalledPackage, string][] = [];
    for (const pkg of backup.packages) {
      for (const path of Object.keys(pkg.data).sort()) candidates.push([instance.packages[pkg.packageName], path]);
    }
    if (candidates.length === 0) return;
    const [pkg, path] = candidates[this.taskRandom.index(candidates.length)];
    pkg.data[path] = `${pkg.data[path]}\n#corrupted-by-emulator`;
  }

  private failRecovery(task: Task, instance: Instance, backup: BackupFile | undefined, failure: TaskFailure, at: number): void {
    if (failure.afterUninstall && backup) {
      for (const pkg of backup.packages) delete instance.packages[pkg.packageName];
    }
    const failedStatus = this.config.failedRecoveryInstanceStatus;
    instance.status = failedStatus;
    instance.errorCode = failedStatus === 'RECOVER_FAILED' ? this.taskCode(failure.code) : undefined;
    if (failure.permanent) instance.permanentFailure = { code: this.taskCode(failure.code), message: failure.message };
    instance.activeRecoveryTaskId = undefined;
    instance.gmtModified = at;
    this.finish(task, 'Failed', at, failure);
    this.releaseBackup(backup, true);
  }

  private releaseBackup(backup: BackupFile | undefined, failed: boolean): void {
    if (!backup) return;
    backup.activeRecoveries = Math.max(0, backup.activeRecoveries - 1);
    if (backup.activeRecoveries === 0 && backup.status === 'RECOVERING') {
      backup.status = failed ? this.config.backupStatusAfterFailedRecovery : 'AVAILABLE';
      backup.gmtModified = Date.now();
    }
  }

  /** The vendor's "do not operate on the instance during recovery": the in-flight recovery fails. */
  interruptRecovery(instance: Instance, now: number, code = 'InstanceBusy'): Task | undefined {
    const task = instance.activeRecoveryTaskId ? this.tasks.get(instance.activeRecoveryTaskId) : undefined;
    if (!task || task.outcome || task.plan.kind !== 'recover') return undefined;
    const backup = this.backups.get(task.plan.backupFileId);
    this.failRecovery(
      task,
      instance,
      backup,
      {
        code,
        message: 'The instance was operated on while the app recovery was running.',
        afterUninstall: now >= task.processingAt,
      },
      now,
    );
    return task;
  }

  private completeBackup(task: Task, plan: Extract<TaskPlan, { kind: 'backup' }>, instance: Instance, at: number): void {
    const backup = this.backups.get(plan.backupFileId);
    if (instance.status === 'BACKUPING') instance.status = plan.statusBefore;
    instance.gmtModified = at;
    if (!backup) {
      this.finish(task, 'Failed', at, { code: 'BackupFileNotFound', message: 'The backup file was removed.' });
      return;
    }
    const missing = plan.packageNames.filter((name) => !instance.packages[name]);
    backup.gmtModified = at;
    if (missing.length > 0) {
      backup.status = 'BACKUP_FAILED';
      this.finish(task, 'Failed', at, { code: 'AppNotFound', message: `App not installed: ${missing.join(', ')}` });
      return;
    }
    backup.packages = plan.packageNames.map((name) => deepCopyPackage(instance.packages[name]));
    backup.sourceAppInfoList = [...plan.packageNames];
    backup.fileSize = packagesSize(backup.packages);
    backup.status = 'AVAILABLE';
    this.finish(task, 'Finished', at);
  }

  private completeCommand(task: Task, plan: Extract<TaskPlan, { kind: 'command' }>, instance: Instance, at: number): void {
    const invocation = this.invocations.get(plan.invokeId)?.get(instance.id);
    const record = (status: 'SUCCESS' | 'FAILED' | 'TIMEOUT', output: string, exitCode: number): void => {
      if (invocation) Object.assign(invocation, { status, output, exitCode, finishedAt: at });
      task.result = output;
    };
    if (instance.status !== 'RUNNING') {
      record('FAILED', '', -1);
      this.finish(task, 'Failed', at, { code: 'InstanceNotRunning', message: `The instance is ${instance.status}.` });
      return;
    }
    if (plan.timesOut) {
      record('TIMEOUT', '', -1);
      this.finish(task, 'Failed', at, { code: 'CommandTimeout', message: 'The command did not finish within Timeout.' });
      return;
    }
    const compiled = compileScript(plan.commandText);
    const result = compiled.ok ? runScript(compiled.segments, instance.packages) : compiled;
    if (result.exitCode === 0) {
      record('SUCCESS', result.output, 0);
      this.finish(task, 'Finished', at);
    } else {
      record('FAILED', result.output, result.exitCode);
      this.finish(task, 'Failed', at, { code: 'CommandFailed', message: `The command exited with code ${result.exitCode}.` });
    }
  }
}

export function packagesSize(packages: InstalledPackage[]): number {
  let size = 0;
  for (const pkg of packages) for (const content of Object.values(pkg.data)) size += Buffer.byteLength(content, 'utf8');
  return size;
}
