// A RecoverApp call that waits for a rate-limit token must keep its activity alive and must never be sent
// by an attempt the server has given up on. Before, the wait was silent: under heavy throttling the
// heartbeat lapsed, the server started the next attempt, and the superseded one sent its call later
// anyway (duplicate vendor tasks, docs/design.md invariant 1).
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createRateLimiter } from '../../activities/rate-limit';
import type { SubmitRecoveriesRequest } from '../../activities/recovery/contract';
import type { SubmitCheckpoint } from '../../activities/recovery/submit';
import { DEMO_TARGETS } from '../../emulator/demo-seed';
import { waitFor } from '../harness/wait';
import { DEMO_BACKUP_1_FACTS, startActivityTestEnv, type ActivityTestEnv } from './emulator-env';

let t: ActivityTestEnv;
// One RecoverApp per second: three one-target chunks wait about 1 s and 2 s for their tokens.
beforeAll(async () => {
  t = await startActivityTestEnv({ rateLimiter: createRateLimiter({ defaultQps: 500, perActionQps: { RecoverApp: 1 } }) });
});
afterAll(() => t.close());
beforeEach(() => t.reset());

const request = (): SubmitRecoveriesRequest => ({
  groups: [{ backup: DEMO_BACKUP_1_FACTS, instanceIds: DEMO_TARGETS.slice(0, 3) }],
  attempt: 1,
  attemptStartedAt: new Date().toISOString(),
  chunkSize: 1,
});

function mockActivity(): { env: MockActivityEnvironment; heartbeats: unknown[] } {
  // A 600 ms heartbeat timeout: the token waits are several times longer than that.
  const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 600 }, { logger: new DefaultLogger('ERROR') });
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => heartbeats.push(d));
  return { env, heartbeats };
}

it('heartbeats with its checkpoint while it waits for a token', async () => {
  const { env, heartbeats } = mockActivity();
  const result = await env.run<[SubmitRecoveriesRequest], { submitted: unknown[] }, typeof t.activities.submitRecoveries>(t.activities.submitRecoveries, request());
  expect(result.submitted).toHaveLength(3);
  // About 3 s of waiting at one heartbeat per 200 ms; every one carries the checkpoint, none clobbers it.
  expect(heartbeats.length).toBeGreaterThanOrEqual(8);
  for (const beat of heartbeats) expect(beat).toEqual(expect.objectContaining({ submitted: expect.any(Object) }));
  const last = heartbeats.at(-1) as SubmitCheckpoint;
  expect(Object.keys(last.submitted).sort()).toEqual(DEMO_TARGETS.slice(0, 3).sort());
});

it('sends nothing more once its attempt is cancelled during the wait', async () => {
  const mark = await t.mark();
  const { env } = mockActivity();
  const running = env.run(t.activities.submitRecoveries, request());
  // The first chunk goes out at once; the second is waiting for its token when the attempt is cancelled.
  await waitFor('the first RecoverApp call', async () => (await t.callsSince(mark, 'RecoverApp')).length === 1);
  env.cancel('TIMED_OUT');
  await expect(running).rejects.toBeInstanceOf(CancelledFailure);
  // The activity has ended, and with it every chance to send: exactly the one call made before the cancel.
  expect(await t.callsSince(mark, 'RecoverApp')).toHaveLength(1);
  expect(Object.values((await t.admin.stats()).recoveryTasksByInstance).reduce((a, b) => a + b, 0)).toBe(1);
});
