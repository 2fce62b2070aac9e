import { BatchCadence, DurationEstimate, RunDurations, SCOUT_LOOK_SHARE, SCOUT_MIN_INTERVAL_MS, firstLookDelayMs } from '../../activities/recovery/poll-cadence';

describe('DurationEstimate', () => {
  it('knows nothing until a piece of work was watched to the end', () => {
    expect(new DurationEstimate().expectedMs(0)).toBeUndefined();
  });

  it('takes the middle of the interval in which the work finished, and the median over samples', () => {
    const e = new DurationEstimate();
    e.record({ stillRunningMs: 5_800, doneByMs: 6_200 }, 0); // 6,000
    e.record({ stillRunningMs: 6_000, doneByMs: 7_000 }, 0); // 6,500
    e.record({ stillRunningMs: 100, doneByMs: 300 }, 0); // 200: an outlier does not pull the median
    expect(e.expectedMs(0)).toBe(6_000);
  });

  it('counts work first seen done a little shorter than that look, so the estimate can come down', () => {
    const e = new DurationEstimate();
    e.record({ doneByMs: 1_000 }, 0);
    expect(e.expectedMs(0)).toBe(950);
  });

  it('forgets old samples and keeps only the most recent ones', () => {
    const e = new DurationEstimate({ keep: 2, maxAgeMs: 1_000 });
    e.record({ stillRunningMs: 100, doneByMs: 100 }, 0);
    e.record({ stillRunningMs: 200, doneByMs: 200 }, 500);
    e.record({ stillRunningMs: 300, doneByMs: 300 }, 900);
    expect(e.expectedMs(900)).toBe(200); // 100 was pushed out
    expect(e.expectedMs(1_600)).toBe(300); // 200 is older than maxAgeMs
    expect(e.expectedMs(5_000)).toBeUndefined();
  });

  it('ignores nonsense observations', () => {
    const e = new DurationEstimate();
    e.record({ doneByMs: -5 }, 0);
    e.record({ doneByMs: Number.NaN }, 0);
    expect(e.expectedMs(0)).toBeUndefined();
  });
});

describe('firstLookDelayMs', () => {
  it('looks at the expected finish, at once if it has passed, and after coldMs while nothing is known', () => {
    expect(firstLookDelayMs({ now: 1_000, submittedAt: 1_000, expectedMs: 200, coldMs: 0 })).toBe(200);
    expect(firstLookDelayMs({ now: 5_000, submittedAt: 1_000, expectedMs: 200, coldMs: 0 })).toBe(0);
    expect(firstLookDelayMs({ now: 1_000, submittedAt: 1_000, expectedMs: undefined, coldMs: 0 })).toBe(0);
  });
});

describe('BatchCadence', () => {
  it('waits for the learned time, then learns from the look that finds the whole batch done', () => {
    const estimate = new DurationEstimate();
    const first = new BatchCadence(estimate, 0, 0);
    expect(first.firstLookDelayMs(0)).toBe(0); // nothing learned yet: look at once, as before
    first.looked(0, false);
    first.looked(5_000, false);
    first.looked(6_000, true); // done between 5 s and 6 s
    first.looked(9_000, true); // later looks teach nothing more
    expect(estimate.expectedMs(9_000)).toBe(5_500);

    const next = new BatchCadence(estimate, 10_000, 10_000);
    expect(next.firstLookDelayMs(10_500)).toBe(5_000); // until 10 s + 5.5 s
  });

  it('neither waits nor learns when the start of the batch is unknown (a retried activity)', () => {
    const estimate = new DurationEstimate();
    estimate.record({ stillRunningMs: 900, doneByMs: 1_100 }, 0);
    const retried = new BatchCadence(estimate, undefined, 0);
    expect(retried.firstLookDelayMs(0)).toBe(0);
    retried.looked(50_000, true);
    expect(estimate.expectedMs(0)).toBe(1_000);
  });
});

describe('BatchCadence scout', () => {
  it('lets the first cold batch of a run look again after a share of its running time, and no other batch', () => {
    const estimate = new DurationEstimate();
    const scout = new BatchCadence(estimate, 0, 0);
    const other = new BatchCadence(estimate, 100, 100);
    expect(scout.nextLookWithinMs(0)).toBe(SCOUT_MIN_INTERVAL_MS);
    expect(scout.nextLookWithinMs(4_000)).toBe(4_000 * SCOUT_LOOK_SHARE); // seen done at most 15 % late
    expect(other.nextLookWithinMs(4_000)).toBe(Number.POSITIVE_INFINITY); // keeps the caller's interval

    scout.looked(5_900, false);
    scout.looked(6_100, true);
    expect(scout.nextLookWithinMs(7_000)).toBe(Number.POSITIVE_INFINITY); // learned: scouting is over
    expect(estimate.expectedMs(6_100)).toBe(6_000);
    // A later batch of the run waits for the learned time instead of scouting, then looks again soon
    // while it is late.
    const later = new BatchCadence(estimate, 10_000, 10_000);
    expect(later.nextLookWithinMs(12_000)).toBe(Number.POSITIVE_INFINITY);
    expect(later.firstLookDelayMs(10_000)).toBe(6_000);
    later.looked(16_000, false);
    expect(later.nextLookWithinMs(16_000)).toBe(6_000 * SCOUT_LOOK_SHARE);
    later.looked(16_900, false);
    expect(later.nextLookWithinMs(16_900)).toBe(Number.POSITIVE_INFINITY); // one quick look only, then the caller's interval
    later.looked(18_000, true);
    expect(later.nextLookWithinMs(18_100)).toBe(Number.POSITIVE_INFINITY);
  });

  it('does not scout a retried watch, and frees the role of a scout that never learned after maxAgeMs', () => {
    const estimate = new DurationEstimate({ maxAgeMs: 1_000 });
    expect(new BatchCadence(estimate, undefined, 0).nextLookWithinMs(500)).toBe(Number.POSITIVE_INFINITY);
    const lost = new BatchCadence(estimate, 0, 0); // its activity dies without learning
    expect(lost.nextLookWithinMs(500)).toBe(SCOUT_MIN_INTERVAL_MS);
    expect(new BatchCadence(estimate, 600, 600).nextLookWithinMs(700)).toBe(Number.POSITIVE_INFINITY);
    expect(new BatchCadence(estimate, 1_200, 1_200).nextLookWithinMs(1_300)).toBe(SCOUT_MIN_INTERVAL_MS);
  });
});

describe('RunDurations', () => {
  it('lets the children of one migration learn from each other, and nobody else', () => {
    const runs = new RunDurations();
    runs.of('migration-a/3').record({ stillRunningMs: 900, doneByMs: 1_100 }, 0);
    expect(runs.of('migration-a/17').expectedMs(0)).toBe(1_000);
    expect(runs.of('migration-a').expectedMs(0)).toBe(1_000);
    expect(runs.of('migration-b/3').expectedMs(0)).toBeUndefined();
    expect(runs.of('recovery-bf-1-abc').expectedMs(0)).toBeUndefined();
    expect(runs.of(undefined).expectedMs(0)).toBeUndefined();
  });

  it('forgets the least recently used runs beyond its bound', () => {
    const runs = new RunDurations(2);
    runs.of('a').record({ doneByMs: 100 }, 0);
    runs.of('b');
    runs.of('a'); // used again: 'b' is now the oldest
    runs.of('c');
    expect(runs.of('a').expectedMs(0)).toBe(95);
  });
});
