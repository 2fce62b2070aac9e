// Lenient readers for vendor JSON: the SDK types some counters as strings, optional fields may be
// absent or null, and we must not crash a poll loop over one odd field.
import type { WireBody } from './call';

export function asRecord(v: unknown): WireBody | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as WireBody) : undefined;
}

export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** Empty strings mean "absent" for tokens and IDs. */
export function nonEmpty(v: unknown): string | undefined {
  const s = str(v);
  return s === undefined || s === '' ? undefined : s;
}

export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v.trim());
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

export function records(v: unknown): WireBody[] {
  if (!Array.isArray(v)) return [];
  const out: WireBody[] = [];
  for (const item of v) {
    const r = asRecord(item);
    if (r) out.push(r);
  }
  return out;
}

export function strings(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  const out: string[] = [];
  for (const item of v) {
    const s = str(item);
    if (s !== undefined) out.push(s);
  }
  return out;
}

/** Drops undefined properties so optional fields are absent rather than present-and-undefined. */
export function compact<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

/**
 * Parses both vendor time formats: ISO (`2022-10-11T08:53:32Z`) and `YYYY-MM-DD HH:mm:ss`. The zone
 * of the latter is undocumented; we read it as UTC, matching the emulator.
 */
export function parseVendorTime(v: string | undefined): Date | undefined {
  if (!v) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?$/.exec(v.trim());
  if (!m) return undefined;
  const d = new Date(`${m[1]}T${m[2]}${m[3] ?? 'Z'}`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
