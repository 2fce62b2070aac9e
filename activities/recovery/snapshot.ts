// snapshotApps: BackupApp of the apps a target already has, before RecoverApp overwrites them
// (docs/design.md, invariant 3). One call per ≤50 targets with the same package set; then the child
// tasks are polled until they end. Submitted instances are recorded in heartbeat details and skipped on a retry.
import { activityInfo, log } from '@temporalio/activity';
import { describeTasksByIds, isEcpError, MAX_INSTANCES_PER_CALL, type EcpError } from '../ecp';
import type { SnapshotOutcome, SnapshotRequest, TaskOutcome } from './contract';
import { outcomeOf } from './poll';
import { chunk, groupBy } from '../../workflows/collections';
import { activityHeartbeat, sleepWithHeartbeat, workflowIdOf } from '../activity-context';
import { mapBounded } from '../concurrency';
import { withThrottleRetry } from '../vendor-calls';
import type { RecoveryDeps } from './deps';

export interface SnapshotCheckpoint {
  v: 1;
  firstSubmittedAt?: number;
  submitted: Record<string, { backupFileId: string; taskId: string }>;
  failed: Record<string, { message: string; code?: string }>;
  outcomes: Record<string, TaskOutcome>;
}

function readCheckpoint(raw: unknown): SnapshotCheckpoint {
  const c = raw as Partial<SnapshotCheckpoint> | undefined;
  if (c && c.v === 1 && c.submitted && c.failed && c.outcomes) {
    return {
      v: 1,
      firstSubmittedAt: c.firstSubmittedAt,
      submitted: { ...c.submitted },
      failed: { ...c.failed },
      outcomes: { ...c.outcomes },
    };
  }
  return { v: 1, submitted: {}, failed: {}, outcomes: {} };
}

export async function snapshotApps(deps: RecoveryDeps, req: SnapshotRequest): Promise<SnapshotOutcome[]> {
  const state = readCheckpoint(activityInfo().heartbeatDetails);
  const beat = activityHeartbeat(() => state);
  const wf = workflowIdOf();

  const targets = new Map<string, string[]>();
  for (const t of req.targets)
    if (t.packages.length > 0 && !targets.has(t.instanceId)) targets.set(t.instanceId, [...new Set(t.packages)].sort());

  if (!req.uploadEndpoint) {
    for (const id of targets.keys()) state.failed[id] ??= { message: 'no OSS upload endpoint for the snapshot directory' };
  }
  const unsent = [...targets.keys()].filter((id) => !state.submitted[id] && !state.failed[id]);
  const groups = groupBy(unsent, (id) => (targets.get(id) ?? []).join(','));
  const work = [...groups.entries()].flatMap(([key, ids]) =>
    chunk(ids, MAX_INSTANCES_PER_CALL).map((c) => ({ packages: key.split(','), ids: c })),
  );

  const fail = (ids: string[], err: EcpError): void => {
    for (const id of ids) state.failed[id] = { message: `BackupApp rejected: ${err.code}: ${err.vendorMessage}`, code: err.code };
  };
  const send = async (packages: string[], ids: string[]): Promise<void> => {
    if (ids.length === 0) return;
    try {
      const res = await withThrottleRetry(
        deps,
        'BackupApp',
        () =>
          deps.ecp.backupApp({
            instanceIds: ids,
            packages,
            backupFilePath: req.directory,
            uploadEndpoint: req.uploadEndpoint as string,
            description: 'cloudphone-recovery snapshot before overwrite',
          }),
        beat,
      );
      state.firstSubmittedAt ??= deps.now();
      for (const b of res.backups)
        if (ids.includes(b.instanceId)) state.submitted[b.instanceId] = { backupFileId: b.backupFileId, taskId: b.taskId };
      for (const id of ids) if (!state.submitted[id]) state.failed[id] = { message: 'BackupApp returned no backup for this instance' };
      beat();
      log.info('snapshot started', { workflowId: wf, requestId: res.requestId, instances: ids.length });
    } catch (err) {
      if (!isEcpError(err) || !(err.kind === 'invalid' || err.kind === 'notFound')) throw err;
      if (ids.length === 1) return fail(ids, err);
      const named = ids.filter((id) => err.vendorMessage.includes(id));
      if (named.length === 1) {
        fail(named, err);
        return send(
          packages,
          ids.filter((id) => id !== named[0]),
        );
      }
      const mid = Math.ceil(ids.length / 2);
      await send(packages, ids.slice(0, mid));
      return send(packages, ids.slice(mid));
    }
  };
  await mapBounded(work, deps.concurrency, ({ packages, ids }) => send(packages, ids));
  beat();

  // Poll the backup tasks until they end or the snapshot timeout passes.
  const deadline = (state.firstSubmittedAt ?? deps.now()) + req.timeoutMs;
  for (;;) {
    const pending = Object.entries(state.submitted).filter(([, s]) => !state.outcomes[s.taskId]);
    if (pending.length === 0 || deps.now() >= deadline) break;
    try {
      const tasks = await withThrottleRetry(
        deps,
        'DescribeTasks',
        () =>
          describeTasksByIds(
            deps.ecp,
            pending.map(([, s]) => s.taskId),
          ),
        beat,
      );
      for (const task of tasks) {
        const entry = pending.find(([, s]) => s.taskId === task.taskId);
        const outcome = entry ? outcomeOf(task, { instanceId: entry[0], taskId: task.taskId }) : undefined;
        if (outcome) state.outcomes[task.taskId] = outcome;
      }
    } catch (err) {
      if (!(isEcpError(err) && err.kind === 'transient')) throw err;
    }
    beat();
    await sleepWithHeartbeat(Math.max(1, Math.min(req.pollIntervalMs, deadline - deps.now())), beat);
  }

  return [...targets.keys()].map((instanceId): SnapshotOutcome => {
    const failed = state.failed[instanceId];
    if (failed)
      return {
        instanceId,
        ok: false,
        reason: 'SnapshotFailed',
        message: failed.message,
        ...(failed.code ? { evidence: { detail: failed.code } } : {}),
      };
    const s = state.submitted[instanceId];
    const o = state.outcomes[s.taskId];
    if (!o)
      return {
        instanceId,
        ok: false,
        reason: 'SnapshotFailed',
        message: `snapshot ${s.backupFileId} did not finish within ${req.timeoutMs} ms`,
        evidence: { detail: s.taskId },
      };
    if (o.status !== 'finished') {
      return {
        instanceId,
        ok: false,
        reason: 'SnapshotFailed',
        message: `snapshot task ${s.taskId} ${o.status}: ${o.errorCode ?? ''} ${o.errorMessage ?? ''}`.trim(),
        evidence: { detail: o.errorCode ?? o.status },
      };
    }
    return { instanceId, ok: true, backupFileId: s.backupFileId };
  });
}
