// Group commit for lease requests: a worker sends at most one update at a time to each registry shard;
// requests that arrive meanwhile wait and go together in the next one. Every recovery touches every
// shard twice (acquire, release), so without this a shard sees one update per recovery and phase, and
// with a hundred recoveries in flight it passed the server's limit of in-flight updates per workflow
// (10 by default) and slowed every workflow task on the worker; with it a shard sees about one update
// in flight per worker (docs/design.md, "Leases").
import type { LeaseRequest } from '../workflows/lease-registry';

interface Waiting<R> {
  request: LeaseRequest;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

/** Sends a batch of requests and settles each of them, in order (a rejected send fails the whole batch). */
export type SendBatch<R> = (requests: LeaseRequest[]) => Promise<PromiseSettledResult<R>[]>;

/** The queue of one shard and kind (acquire or release) in this process. */
export class LeaseBatchQueue<R> {
  private waiting: Waiting<R>[] = [];
  private sending = false;

  constructor(
    private readonly send: SendBatch<R>,
    /** Instances one batch may name in all (the registry refuses larger ones). */
    private readonly maxInstances: number,
  ) {}

  submit(request: LeaseRequest): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ request, resolve, reject });
      if (!this.sending) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.sending = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.takeBatch();
        try {
          const results = await this.send(batch.map((w) => w.request));
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

  /** The oldest waiting requests up to maxInstances in all (always at least one). */
  private takeBatch(): Waiting<R>[] {
    let instances = 0;
    let n = 0;
    while (n < this.waiting.length) {
      const size = this.waiting[n]!.request.instanceIds.length;
      if (n > 0 && instances + size > this.maxInstances) break;
      instances += size;
      n++;
    }
    return this.waiting.splice(0, n);
  }
}
