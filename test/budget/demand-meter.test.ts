// What a budget member reports it wants: calls per second over the window since its last renewal, null
// while callers queue, and, for a renewal right after another, the previous measure instead of an
// empty window that would read as idle.
import type { ActionDemand } from '../../activities/rate-limit';
import { createDemandMeter } from '../../worker/budget-demand';

function limiterSeeing() {
  let seen: Record<string, ActionDemand> = {};
  return {
    set(action: string, d: Partial<ActionDemand>) {
      seen[action] = { calls: 0, waited: 0, waiting: 0, ...d };
    },
    takeDemand() {
      const out = seen;
      seen = {};
      return out;
    },
    peekDemand: () => seen,
  };
}

describe('budget demand meter', () => {
  it('reports calls per second over the window, and null while callers queue', () => {
    let t = 0;
    const limiter = limiterSeeing();
    const meter = createDemandMeter(limiter, ['A', 'B', 'C'], 500, () => t);
    t = 2_000;
    limiter.set('A', { calls: 6 });
    limiter.set('B', { calls: 4, waiting: 2 });
    expect(meter.measure()).toEqual({ A: 3, B: null, C: 0 });
  });

  it('resends the previous measure for a window shorter than the minimum, not an idle one', () => {
    let t = 0;
    const limiter = limiterSeeing();
    const meter = createDemandMeter(limiter, ['A', 'B'], 500, () => t);
    t = 2_000;
    limiter.set('A', { calls: 6 });
    limiter.set('B', { calls: 2 });
    expect(meter.measure()).toEqual({ A: 3, B: 1 });
    t += 10; // the renewal right after a lowered grant
    limiter.set('B', { waiting: 1 });
    expect(meter.measure()).toEqual({ A: 3, B: null });
    // The short window stayed open: the next measure spans it.
    t += 990;
    limiter.set('A', { calls: 2 });
    limiter.set('B', { calls: 1 });
    expect(meter.measure()).toEqual({ A: 2, B: 1 });
  });

  it('tells the current window without ending it', () => {
    let t = 0;
    const limiter = limiterSeeing();
    const meter = createDemandMeter(limiter, ['A'], 500, () => t);
    t = 4_000;
    limiter.set('A', { calls: 8, waiting: 1 });
    expect(meter.current('A')).toEqual({ perSecond: 2, queued: true });
    expect(meter.measure()).toEqual({ A: null });
  });
});
