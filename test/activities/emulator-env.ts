// Shared set-up for the activity integration tests: a real emulator over HTTP with real signing, the
// real typed client, the real activities, and MockActivityEnvironment for the activity context.
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { Info } from '@temporalio/activity';
import { createEcpClient, loadEcpConfig, type EcpClient } from '../../activities/ecp';
import { createActivities } from '../../activities';
import { createRateLimiter, type RateLimiter } from '../../activities/rate-limit';
import type { CustomChecks } from '../../activities/commands/custom-checks';
import type { BackupFacts, RecoveryActivities } from '../../activities/recovery/contract';
import { DEMO_BACKUP_1, DEMO_BACKUP_1_PATH, DEMO_SOURCE_1, DEMO_UPLOAD_ENDPOINT } from '../../emulator/demo-seed';
import { startEmulator, type RunningEmulator } from '../../emulator/server';
import { EmulatorAdmin, type CallLogEntry, type EmulatorConfigPatch } from '../../emulator/admin-client';

const ACCESS_KEY_ID = 'cpr-activities-test-id';
const ACCESS_KEY_SECRET = 'cpr-activities-test-secret-value';

/** Fast emulated time: a 30 s recovery takes 30 ms. */
export const BASE_CONFIG: EmulatorConfigPatch = {
  timeScale: 0.001,
  qpsPerAction: 0,
  throttleRate: 0,
  lostResponseRate: 0,
  taskFailureRate: 0,
  stuckTaskRate: 0,
  corruptionRate: 0,
  faultActions: [],
  instanceOverrides: {},
  repeatDelete: 'error',
};

export const TEST_CHECKS: CustomChecks = {
  'notes-prefs': {
    description: 'the app has a shared_prefs XML file',
    command: 'ls /data/data/{package}/shared_prefs',
    expect: '\\.xml$',
  },
};

/** The demo fleet's first backup as preflight reports it (what submitRecoveries is given). */
export const DEMO_BACKUP_1_FACTS: BackupFacts = {
  backupFileId: DEMO_BACKUP_1,
  backupFilePath: DEMO_BACKUP_1_PATH,
  uploadType: 'OSS',
  uploadEndpoint: DEMO_UPLOAD_ENDPOINT,
  sourceInstanceId: DEMO_SOURCE_1,
  packages: ['com.example.notes', 'com.example.chat'],
};

export interface ActivityTestEnv {
  emulator: RunningEmulator;
  admin: EmulatorAdmin;
  activities: RecoveryActivities;
  /** The raw signed client, for tests that call an activity helper directly. */
  ecp: EcpClient;
  /** Runs one activity in a fresh mock context (attempt, heartbeat details) and records its heartbeats. */
  run<A extends unknown[], R>(fn: (...args: A) => Promise<R>, args: A, info?: Partial<Info>): Promise<{ result: R; heartbeats: unknown[] }>;
  /** Call-log entries since the last reset/mark. */
  callsSince(mark: number, action?: string): Promise<CallLogEntry[]>;
  mark(): Promise<number>;
  reset(patch?: EmulatorConfigPatch): Promise<void>;
  close(): Promise<void>;
}

const quietLogger = new DefaultLogger('ERROR');

export async function startActivityTestEnv(options: { customChecks?: CustomChecks; rateLimiter?: RateLimiter } = {}): Promise<ActivityTestEnv> {
  const emulator = await startEmulator({
    seed: 'demo',
    accessKeyId: ACCESS_KEY_ID,
    accessKeySecret: ACCESS_KEY_SECRET,
    config: BASE_CONFIG,
  });
  const admin = new EmulatorAdmin(emulator.url);
  const ecp = createEcpClient(
    loadEcpConfig(
      { CPR_ECP_ENDPOINT: emulator.endpoint, CPR_ECP_PROTOCOL: 'http' },
      { credentials: { accessKeyId: ACCESS_KEY_ID, accessKeySecret: ACCESS_KEY_SECRET } },
    ),
  );
  const activities = createActivities({
    ecp,
    customChecks: options.customChecks ?? TEST_CHECKS,
    rateLimiter: options.rateLimiter ?? createRateLimiter({ defaultQps: 500 }),
    throttleBackoff: { initialMs: 10, maxMs: 100 },
  });
  return {
    emulator,
    admin,
    activities,
    ecp,
    async run<A extends unknown[], R>(fn: (...args: A) => Promise<R>, args: A, info?: Partial<Info>) {
      const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 10_000, ...info }, { logger: quietLogger });
      const heartbeats: unknown[] = [];
      env.on('heartbeat', (d: unknown) => heartbeats.push(d));
      const result = await env.run<A, R, (...a: A) => Promise<R>>(fn, ...args);
      return { result, heartbeats };
    },
    async callsSince(mark, action) {
      return admin.allCalls(mark, action);
    },
    async mark() {
      return (await admin.allCalls(0)).at(-1)?.seq ?? 0;
    },
    async reset(patch = {}) {
      await admin.patchConfig({ ...BASE_CONFIG, ...patch });
      await admin.reset('demo');
    },
    close: () => emulator.close(),
  };
}
