import { z } from 'zod';

export const outageRequestSchema = z
  .object({
    /** Real milliseconds (never scaled): outages test the product's patience in wall-clock time. */
    durationMs: z.number().int().min(1).max(3_600_000),
    /** `5xx`: every API call gets 503 ServiceUnavailable, admin stays up. `refuse`: nothing listens, admin included. */
    mode: z.enum(['5xx', 'refuse']),
  })
  .strict();

export type OutageRequest = z.infer<typeof outageRequestSchema>;

export interface Outage {
  mode: OutageRequest['mode'];
  /** ISO times, so the admin JSON reads well. */
  startedAt: string;
  endsAt: string;
}

/** The vendor-outage switch. The HTTP server reacts to `refuse`; the API handler to `5xx`. */
export class OutageState {
  private active?: { mode: Outage['mode']; startedAt: number; endsAt: number };
  private refusePending = false;
  /** Outages started since the process began (including ones that already ended). */
  started = 0;

  start(request: OutageRequest, now: number): Outage {
    this.active = { mode: request.mode, startedAt: now, endsAt: now + request.durationMs };
    this.started += 1;
    if (request.mode === 'refuse') this.refusePending = true;
    return this.view() as Outage;
  }

  /** The outage in force at `now`, if any; an outage past its end is forgotten. */
  current(now: number): Outage | undefined {
    if (this.active && now >= this.active.endsAt) this.active = undefined;
    return this.view();
  }

  /** True once after a `refuse` outage was requested: the server must now stop listening. */
  takePendingRefuse(): number | undefined {
    if (!this.refusePending || !this.active) return undefined;
    this.refusePending = false;
    return this.active.endsAt;
  }

  private view(): Outage | undefined {
    if (!this.active) return undefined;
    return {
      mode: this.active.mode,
      startedAt: new Date(this.active.startedAt).toISOString(),
      endsAt: new Date(this.active.endsAt).toISOString(),
    };
  }
}
