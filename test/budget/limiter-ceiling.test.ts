// The rate limiter under a shared budget: callers wait for the first grant, and a lowered share holds
// at once for callers already waiting (they book again at the new rate). Fake clock, no server.
import { createRateLimiter } from '../../activities/rate-limit';

function fakeClock() {
  let t = 1_000_000;
  const timers: { at: number; resolve: () => void }[] = [];
  return {
    now: () => t,
    sleep: (ms: number) => new Promise<void>((resolve) => timers.push({ at: t + ms, resolve })),
    /** Moves time forward, resolving every sleep that ends on the way. */
    async advance(ms: number) {
      const end = t + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const next = timers[0];
        if (!next || next.at > end) break;
        timers.shift();
        t = next.at;
        next.resolve();
        await new Promise((r) => setImmediate(r));
      }
      t = end;
      await new Promise((r) => setImmediate(r));
    },
  };
}

/** A shared-budget limiter (10/s configured) granted `share`, with `waiting` callers queued on 'X'. */
function grantedWithCallers(share: number, waiting: number) {
  const clock = fakeClock();
  const rl = createRateLimiter({ defaultQps: 10, awaitGrant: true, now: clock.now, sleep: clock.sleep });
  rl.setCeiling('X', share);
  let done = 0;
  for (let i = 0; i < waiting; i++) void rl.acquire('X').then(() => done++);
  return { clock, rl, done: () => done };
}

describe('rate limiter with a granted share', () => {
  it('lets nobody through before the first grant, then paces at the share', async () => {
    const clock = fakeClock();
    const rl = createRateLimiter({ defaultQps: 10, awaitGrant: true, now: clock.now, sleep: clock.sleep });
    let done = 0;
    const calls = Array.from({ length: 4 }, () => rl.acquire('X').then(() => done++));
    await clock.advance(5_000);
    expect(done).toBe(0);
    rl.setCeiling('X', 2);
    await clock.advance(1_000); // the bucket starts empty: 2 per second
    expect(done).toBe(2);
    await clock.advance(1_000);
    expect(done).toBe(4);
    await Promise.all(calls);
    expect(rl.takeDemand().X).toMatchObject({ calls: 4, waited: 4, waiting: 0 });
  });

  it('applies a lowered share to callers already waiting, and never exceeds the configured rate', async () => {
    const { clock, rl, done } = grantedWithCallers(10, 20);
    await clock.advance(500);
    expect(done()).toBe(5); // booked at 10/s
    rl.setCeiling('X', 1);
    await clock.advance(2_000);
    expect(done()).toBe(7); // the remaining 15 now come at 1/s, not at the rate they booked
    rl.setCeiling('X', 50);
    expect(rl.currentQps('X')).toBe(10);
  });

  it('keeps what waiting callers had accrued when the share changes', async () => {
    const { clock, rl, done } = grantedWithCallers(1, 1);
    await clock.advance(900); // 0.9 of its token accrued
    expect(done()).toBe(0);
    rl.setCeiling('X', 1.1);
    await clock.advance(100); // the rest at 1.1/s takes 91 ms, not another whole interval
    expect(done()).toBe(1);
  });

  it('counts what accrued once when the share changes twice before waiting callers wake', async () => {
    const { clock, rl, done } = grantedWithCallers(1, 3);
    await clock.advance(500); // three reservations, half a token accrued
    rl.setCeiling('X', 2);
    rl.setCeiling('X', 1.5);
    await clock.advance(300); // the first needs another 333 ms at 1.5/s
    expect(done()).toBe(0);
    await clock.advance(40);
    expect(done()).toBe(1);
  });
});
