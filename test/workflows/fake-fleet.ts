// The in-memory stand-in for the vendor behind the recovery activities, for fast workflow-logic and API
// tests. It records every call so tests can assert what the workflow asked for (and what it never asked
// for); gates hold an activity until the test opens them.
import { heartbeat, sleep } from '@temporalio/activity';
import type { LeaseActivities, RecoveryActivities, TaskOutcome } from '../../activities/recovery/contract';
import type { LeaseRegistryActivities } from '../../workflows/lease-registry';
import type { WebhookActivities } from '../../activities/webhooks';
import type { LeaseHolder, ReasonCode } from '../../workflows/types';

/** The one app every fake backup holds. */
export const FAKE_PACKAGE = 'com.example.app';

export type FakeActivities = RecoveryActivities & LeaseActivities & LeaseRegistryActivities & WebhookActivities;

export interface TaskScript {
  /** Outcome per attempt (1-based index - 1); the last entry repeats. Default: finished. */
  attempts: ('finished' | 'failed-retryable' | 'failed-permanent' | 'timeout')[];
}

export interface FleetScenario {
  missingBackups?: string[];
  notRunning?: string[];
  /** Installed packages of the backup per target. */
  existing?: Record<string, string[]>;
  snapshotFails?: string[];
  tasks?: Record<string, TaskScript>;
  rejected?: string[];
  corrupt?: string[];
  releaseFails?: boolean;
  /** Leases held by other workflows at the start. */
  heldBy?: Record<string, string>;
}

export interface Gate {
  wait(): Promise<void>;
  open(): void;
  readonly reached: Promise<void>;
}

/** A gate an activity waits at (heartbeating, so cancellation reaches it) until the test opens it. */
export function gate(): Gate {
  let open!: () => void;
  let reached!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  const reachedP = new Promise<void>((r) => (reached = r));
  let isOpen = false;
  void opened.then(() => (isOpen = true));
  return {
    reached: reachedP,
    open: () => open(),
    async wait() {
      reached();
      while (!isOpen) {
        heartbeat();
        await sleep(50); // throws CancelledFailure once the workflow cancels the activity
      }
    },
  };
}

export interface FakeFleet {
  activities: FakeActivities;
  calls: { name: keyof FakeActivities; req: unknown }[];
  leases: Map<string, LeaseHolder>;
  gates: Partial<Record<'preflight' | 'poll' | 'verify', Gate>>;
  callsOf<K extends keyof FakeActivities>(name: K): Parameters<FakeActivities[K]>[0][];
}

export function fakeFleet(scenario: FleetScenario = {}): FakeFleet {
  const calls: FakeFleet['calls'] = [];
  const leases = new Map<string, LeaseHolder>();
  for (const [instanceId, holderWorkflowId] of Object.entries(scenario.heldBy ?? {})) {
    leases.set(instanceId, { instanceId, holderWorkflowId, since: '2026-01-01T00:00:00.000Z' });
  }
  const attemptOf = new Map<string, number>(); // taskId → attempt
  const gates: FakeFleet['gates'] = {};
  const record = (name: keyof FakeActivities, req: unknown) => calls.push({ name, req: structuredClone(req) });
  let snapshotSeq = 0;

  const activities: FakeActivities = {
    async preflight(req) {
      record('preflight', req);
      await gates.preflight?.wait();
      return {
        backups: req.items.map((item) =>
          scenario.missingBackups?.includes(item.backupFileId)
            ? {
                backupFileId: item.backupFileId,
                ok: false,
                reason: 'BackupNotFound' as ReasonCode,
                message: `backup ${item.backupFileId} does not exist`,
              }
            : {
                backupFileId: item.backupFileId,
                ok: true,
                facts: {
                  backupFileId: item.backupFileId,
                  backupFilePath: `oss://cloudphone-saved-bucket-test/backups/${item.backupFileId}.zip`,
                  uploadType: 'OSS',
                  uploadEndpoint: 'oss-cn-shanghai-internal.aliyuncs.com',
                  sourceInstanceId: 'acp-source0001',
                  packages: [FAKE_PACKAGE],
                },
                expected: [{ packageName: FAKE_PACKAGE, versionName: '1.0' }],
              },
        ),
        targets: req.items.flatMap((item) =>
          item.instanceIds.map((instanceId) =>
            scenario.notRunning?.includes(instanceId)
              ? {
                  instanceId,
                  backupFileId: item.backupFileId,
                  ok: false,
                  reason: 'InstanceNotRunning' as ReasonCode,
                  message: `${instanceId} is stopped`,
                  existingPackages: [],
                }
              : { instanceId, backupFileId: item.backupFileId, ok: true, existingPackages: scenario.existing?.[instanceId] ?? [] },
          ),
        ),
      };
    },

    async snapshotApps(req) {
      record('snapshotApps', req);
      return req.targets.map((t) =>
        scenario.snapshotFails?.includes(t.instanceId)
          ? { instanceId: t.instanceId, ok: false, reason: 'SnapshotFailed' as ReasonCode, message: 'BackupApp failed' }
          : { instanceId: t.instanceId, ok: true, backupFileId: `bf-snapshot${String(++snapshotSeq).padStart(4, '0')}` },
      );
    },

    async submitRecoveries(req) {
      record('submitRecoveries', req);
      const submitted = [];
      const rejected = [];
      for (const group of req.groups) {
        for (const instanceId of group.instanceIds) {
          if (scenario.rejected?.includes(instanceId)) {
            rejected.push({ instanceId, ok: false, reason: 'RecoverRejected' as ReasonCode, message: 'InvalidParameter' });
            continue;
          }
          const taskId = `t-${instanceId}-${req.attempt}`;
          attemptOf.set(taskId, req.attempt);
          submitted.push({ instanceId, taskId, adopted: false });
        }
      }
      return { submitted, rejected };
    },

    async pollTasks(req) {
      record('pollTasks', req);
      await gates.poll?.wait();
      const outcomes: TaskOutcome[] = req.tasks.map(({ instanceId, taskId }) => {
        const script = scenario.tasks?.[instanceId]?.attempts ?? ['finished'];
        const attempt = attemptOf.get(taskId) ?? 1;
        const step = script[Math.min(attempt, script.length) - 1];
        switch (step) {
          case 'failed-retryable':
            return { instanceId, taskId, status: 'failed', retryable: true, errorCode: 'RecoverTimeout', errorMessage: 'transient' };
          case 'failed-permanent':
            return { instanceId, taskId, status: 'failed', retryable: false, errorCode: 'AppNotCompatible', errorMessage: 'permanent' };
          case 'timeout':
            return { instanceId, taskId, status: 'timeout', retryable: false };
          default:
            return { instanceId, taskId, status: 'finished', retryable: false, finishedAt: new Date().toISOString() };
        }
      });
      return { outcomes, describeCalls: 1, throttled: 0 };
    },

    async verifyTargets(req) {
      record('verifyTargets', req);
      await gates.verify?.wait();
      return req.targets.map(({ instanceId }) =>
        scenario.corrupt?.includes(instanceId)
          ? {
              instanceId,
              ok: false,
              reason: 'DataMismatch' as ReasonCode,
              message: 'files/db.sqlite differs',
              evidence: { expected: 'aaa', found: 'bbb' },
            }
          : { instanceId, ok: true },
      );
    },

    async releaseBackups(req) {
      record('releaseBackups', req);
      if (scenario.releaseFails)
        return req.backupFileIds.map((backupFileId) => ({ backupFileId, released: false, alreadyGone: false, error: 'InternalError' }));
      return req.backupFileIds.map((backupFileId) => ({ backupFileId, released: true, alreadyGone: false }));
    },

    async acquireLeases(req) {
      record('acquireLeases', req);
      const granted: string[] = [];
      const busy: LeaseHolder[] = [];
      for (const instanceId of req.instanceIds) {
        const holder = leases.get(instanceId);
        if (holder && holder.holderWorkflowId !== req.holderWorkflowId) busy.push(holder);
        else {
          leases.set(instanceId, holder ?? { instanceId, holderWorkflowId: req.holderWorkflowId, since: new Date().toISOString() });
          granted.push(instanceId);
        }
      }
      return { granted, busy };
    },

    async releaseLeases(req) {
      record('releaseLeases', req);
      for (const id of req.instanceIds) if (leases.get(id)?.holderWorkflowId === req.holderWorkflowId) leases.delete(id);
    },

    async describeLeases(req) {
      return req.instanceIds.flatMap((id) => (leases.has(id) ? [leases.get(id) as LeaseHolder] : []));
    },

    async checkWorkflowsRunning(workflowIds) {
      return { running: workflowIds, stopped: [] };
    },

    // The product worker always registers the webhook activities (off without CPR_WEBHOOK_URL).
    async webhooksEnabled() {
      return false;
    },
    async deliverWebhook() {
      return { delivered: false };
    },
  };

  return {
    activities,
    calls,
    leases,
    gates,
    callsOf: <K extends keyof FakeActivities>(name: K) =>
      calls.filter((c) => c.name === name).map((c) => c.req as Parameters<FakeActivities[K]>[0]),
  };
}
