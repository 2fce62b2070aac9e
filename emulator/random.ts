/**
 * Seeded PRNG (mulberry32). Fault decisions draw from it so a run with the same seed and the same
 * call sequence injects the same faults.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Always consumes one draw, even for rate 0 or 1, so changing a rate does not shift later draws. */
  chance(rate: number): boolean {
    const draw = this.next();
    return draw < rate;
  }

  index(length: number): number {
    return Math.floor(this.next() * length);
  }
}
