// Fake recovery and lease activities for API tests: every backup and target passes, vendor tasks finish
// when the test opens a gate, and every call is recorded. Typed as the real contract.
import type { WebhookActivities } from '../../activities/webhooks';
import { heartbeat, sleep } from '@temporalio/activity';
import type {
  LeaseActivities,
  PollTasksRequest,
  PreflightRequest,
  RecoveryActivities,
  SubmitRecoveriesRequest,
  TaskOutcome,
} from '../../activities/recovery/contract';

export const FAKE_PACKAGE = 'com.example.app';

export interface FakeOptions {
  /** Instances that already have the app (existingApp policy applies). */
  appPresentOn?: string[];
  /** Instances preflight refuses as not running. */
  notRunning?: string[];
}

export interface FakeVendor {
  activities: RecoveryActivities & LeaseActivities & WebhookActivities;
  calls: { name: string; req: unknown }[];
  /** Let every submitted vendor task finish. */
  finishTasks(): void;
  callsOf(name: keyof (RecoveryActivities & LeaseActivities)): unknown[];
}

export function createFakeVendor(options: FakeOptions = {}): FakeVendor {
  const calls: { name: string; req: unknown }[] = [];
  let tasksFinish = false;
  const record = (name: string, req: unknown): void => void calls.push({ name, req });

  const activities: RecoveryActivities & LeaseActivities & WebhookActivities = {
    async preflight(req: PreflightRequest) {
      record('preflight', req);
      return {
        backups: req.items.map((item) => ({
          backupFileId: item.backupFileId,
          ok: true,
          facts: {
            backupFileId: item.backupFileId,
            backupFilePath: `oss://cloudphone-saved-bucket-test/${item.backupFileId}.tar`,
            uploadType: 'OSS',
            sourceInstanceId: 'acp-source000001',
            packages: [FAKE_PACKAGE],
          },
          expected: [{ packageName: FAKE_PACKAGE, versionName: '1.0.0', versionCode: 1 }],
        })),
        targets: req.items.flatMap((item) =>
          item.instanceIds.map((instanceId) =>
            options.notRunning?.includes(instanceId)
              ? { instanceId, backupFileId: item.backupFileId, ok: false, reason: 'InstanceNotRunning' as const, message: `${instanceId} is stopped`, existingPackages: [] }
              : { instanceId, backupFileId: item.backupFileId, ok: true, existingPackages: options.appPresentOn?.includes(instanceId) ? [FAKE_PACKAGE] : [] },
          ),
        ),
      };
    },
    async snapshotApps(req) {
      record('snapshotApps', req);
      return req.targets.map((t) => ({ instanceId: t.instanceId, ok: true, backupFileId: `bf-snap${t.instanceId.slice(4)}` }));
    },
    async submitRecoveries(req: SubmitRecoveriesRequest) {
      record('submitRecoveries', req);
      return {
        submitted: req.groups.flatMap((g) => g.instanceIds.map((instanceId) => ({ instanceId, taskId: `t-${instanceId}-${req.attempt}`, adopted: false }))),
        rejected: [],
      };
    },
    async pollTasks(req: PollTasksRequest) {
      record('pollTasks', req);
      const started = Date.now();
      while (!tasksFinish && Date.now() - started < req.maxDurationMs) {
        heartbeat();
        await sleep(50); // cancellation-aware
      }
      const outcomes: TaskOutcome[] = req.tasks.map((t) => ({
        instanceId: t.instanceId,
        taskId: t.taskId,
        status: tasksFinish ? 'finished' : 'pending',
        retryable: false,
        ...(tasksFinish ? { finishedAt: new Date().toISOString() } : {}),
      }));
      return { outcomes, describeCalls: 1, throttled: 0 };
    },
    async verifyTargets(req) {
      record('verifyTargets', req);
      return req.targets.map((t) => ({ instanceId: t.instanceId, ok: true }));
    },
    async releaseBackups(req) {
      record('releaseBackups', req);
      return req.backupFileIds.map((backupFileId) => ({ backupFileId, released: true, alreadyGone: false }));
    },
    async acquireLeases(req) {
      record('acquireLeases', req);
      return { granted: req.instanceIds, busy: [] };
    },
    async releaseLeases(req) {
      record('releaseLeases', req);
    },
    async describeLeases(req) {
      record('describeLeases', req);
      return [];
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
    finishTasks: () => void (tasksFinish = true),
    callsOf: (name) => calls.filter((c) => c.name === name).map((c) => c.req),
  };
}
