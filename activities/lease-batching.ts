// Group commit for lease requests: a worker sends at most one update at a time to each registry shard;
// acquires and releases that arrive meanwhile wait and go together in the next one. Every recovery
// touches every shard twice (acquire, release), so without this a shard sees two updates per recovery, and
// with a hundred recoveries in flight it passed the server's limit of in-flight updates per workflow
// (10 by default) and slowed every workflow task on the worker; with it a shard sees about one update
// in flight per worker (docs/design.md, "Leases").
import type { LeaseChange, LeaseChangeResult } from '../workflows/lease-registry';

interface Waiting {
  change: LeaseChange;
  resolve: (result: LeaseChangeResult) => void;
  reject: (err: unknown) => void;
}

/** Sends a batch of changes and settles each of them, in order (a rejected send fails the whole batch). */
export type SendBatch = (changes: LeaseChange[]) => Promise<PromiseSettledResult<LeaseChangeResult>[]>;

/** The queue of one registry shard in this process. */
export class LeaseBatchQueue {
  private waiting: Waiting[] = [];
  private sending = false;

  constructor(
    private readonly send: SendBatch,
    /** Instances one batch may name in all (the registry refuses larger ones). */
    private readonly maxInstances: number,
  ) {}

  submit(change: LeaseChange): Promise<LeaseChangeResult> {
    return new Promise<LeaseChangeResult>((resolve, reject) => {
      this.waiting.push({ change, resolve, reject });
      if (!this.sending) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.sending = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.takeBatch();
        try {
          const results = await this.send(batch.map((w) => w.change));
          batch.forEach((w, i) => {
            const result = results[i]!;
            if (result.status === 'fulfilled') w.resolve(result.value);
            else w.reject(result.reason);
          });
        } catch (err) {
          // Each caller's activity retries on its own; the next batch is unaffected.
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      this.sending = false;
    }
  }

  /** The oldest waiting changes up to maxInstances in all (always at least one). */
  private takeBatch(): Waiting[] {
    let instances = 0;
    let n = 0;
    while (n < this.waiting.length) {
      const size = this.waiting[n]!.change.instanceIds.length;
      if (n > 0 && instances + size > this.maxInstances) break;
      instances += size;
      n++;
    }
    return this.waiting.splice(0, n);
  }
}
