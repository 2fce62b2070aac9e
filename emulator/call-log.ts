import type { CallEffects } from './ops/context';
import { V2_COMMON_PARAMS } from './wire/auth';
import { parseQueryString, unflattenParams, type ParamValue } from './wire/query';

export type CallOutcome = 'ok' | 'error' | 'throttled' | 'lost';

export interface CallLogEntry {
  seq: number;
  /** ISO time with milliseconds when the request arrived. */
  time: string;
  action: string;
  /** Business parameters, decoded, arrays rebuilt from `Name.N`. */
  params: Record<string, ParamValue>;
  httpStatus: number;
  code?: string;
  requestId: string;
  outcome: CallOutcome;
  durationMs: number;
  effects?: CallEffects;
}

export interface CallPage {
  calls: CallLogEntry[];
  /** Pass as `since` to get the entries after this page. */
  nextSeq: number;
}

export type OutcomeCounts = Record<CallOutcome, number>;

/** Kept compact: the raw query text is stored and decoded only when someone reads the log. */
interface StoredCall {
  seq: number;
  time: number;
  action: string;
  rawQuery: string;
  rawForm: string;
  httpStatus: number;
  code?: string;
  requestId: string;
  outcome: CallOutcome;
  durationMs: number;
  effects?: CallEffects;
}

export class CallLog {
  private entries: StoredCall[] = [];
  private lastSeq = 0;
  readonly callsByAction = new Map<string, OutcomeCounts>();

  constructor(private readonly limit: () => number) {}

  record(call: Omit<StoredCall, 'seq'>): void {
    const stored: StoredCall = { ...call, seq: ++this.lastSeq };
    if (stored.effects && Object.keys(stored.effects).length === 0) delete stored.effects;
    this.entries.push(stored);
    const counts = this.callsByAction.get(call.action) ?? { ok: 0, error: 0, throttled: 0, lost: 0 };
    counts[call.outcome] += 1;
    this.callsByAction.set(call.action, counts);
    const overflow = this.entries.length - this.limit();
    // Drop in chunks so trimming stays amortised O(1) per call.
    if (overflow > 0) this.entries.splice(0, Math.max(overflow, Math.ceil(this.limit() / 10)));
  }

  list(since: number, limit: number, action?: string): CallPage {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.entries[mid].seq <= since) low = mid + 1;
      else high = mid;
    }
    const calls: CallLogEntry[] = [];
    let nextSeq = since;
    for (let i = low; i < this.entries.length && calls.length < limit; i++) {
      const stored = this.entries[i];
      nextSeq = stored.seq;
      if (action === undefined || stored.action === action) calls.push(decode(stored));
    }
    return { calls, nextSeq };
  }

  clear(): void {
    this.entries = [];
    this.callsByAction.clear();
  }

  /** Sequence number of the last call recorded; it moves whenever a call arrives. */
  get lastSequence(): number {
    return this.lastSeq;
  }

  snapshot(): CallLogSnapshot {
    return { lastSeq: this.lastSeq, entries: this.entries, callsByAction: [...this.callsByAction] };
  }

  restore(snapshot: CallLogSnapshot): void {
    this.entries = [...snapshot.entries];
    this.lastSeq = snapshot.lastSeq;
    this.callsByAction.clear();
    for (const [action, counts] of snapshot.callsByAction) this.callsByAction.set(action, counts);
  }
}

/** The call log as plain JSON, for the state file. */
export interface CallLogSnapshot {
  lastSeq: number;
  entries: StoredCall[];
  callsByAction: [string, OutcomeCounts][];
}

function decode(stored: StoredCall): CallLogEntry {
  const flat = { ...parseQuerySafely(stored.rawForm), ...parseQuerySafely(stored.rawQuery) };
  for (const name of V2_COMMON_PARAMS) delete flat[name];
  const entry: CallLogEntry = {
    seq: stored.seq,
    time: new Date(stored.time).toISOString(),
    action: stored.action,
    params: unflattenParams(flat),
    httpStatus: stored.httpStatus,
    requestId: stored.requestId,
    outcome: stored.outcome,
    durationMs: stored.durationMs,
  };
  if (stored.code !== undefined) entry.code = stored.code;
  if (stored.effects) entry.effects = stored.effects;
  return entry;
}

function parseQuerySafely(text: string): Record<string, string> {
  try {
    return parseQueryString(text);
  } catch {
    return { _unparsedQuery: text };
  }
}
