// Live progress of one recovery for a terminal: an overall progress bar plus each target's phase.
// On a TTY the bars redraw in place (cli-progress); otherwise (pipes, CI, tests) one line is printed
// per change, so logs stay readable and greppable.
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { Client } from '@temporalio/client';
import { watchProgress, type RecoveryView } from '../service';
import { PHASES, type RecoveryProgress, type TargetResult } from '../../workflows/types';

/** Above this many targets only the overall bar and per-phase counts are shown. */
const MAX_INSTANCE_ROWS = 20;

export interface FollowOptions {
  intervalMs?: number;
  out?: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Force plain line output (default: plain unless `out` is a TTY). */
  plain?: boolean;
  signal?: AbortSignal;
}

/** Follows the run until it closes and returns its final view (undefined when aborted). */
export async function followRecovery(client: Client, workflowId: string, options: FollowOptions = {}): Promise<RecoveryView | undefined> {
  const out = options.out ?? process.stdout;
  const tty = !options.plain && 'isTTY' in out && out.isTTY === true;
  const renderer = tty ? new TtyRenderer(out as NodeJS.WriteStream) : new LineRenderer(out);
  try {
    for await (const event of watchProgress(client, workflowId, { intervalMs: options.intervalMs ?? 500, ...(options.signal ? { signal: options.signal } : {}) })) {
      if (event.type === 'progress') renderer.update(event.progress);
      else {
        const last = event.recovery.result ?? event.recovery.progress;
        if (last) renderer.update(last);
        return event.recovery;
      }
    }
    return undefined;
  } finally {
    renderer.stop();
  }
}

interface Renderer {
  update(progress: RecoveryProgress): void;
  stop(): void;
}

function done(p: RecoveryProgress): number {
  return p.counts.total - p.counts.pending;
}

function targetState(t: TargetResult): string {
  if (t.status === 'pending') return t.phase;
  return t.reason ? `${t.status} (${t.reason})` : t.status;
}

export function bar(value: number, total: number, width = 24): string {
  const filled = total > 0 ? Math.round((value / total) * width) : 0;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

function countsLine(p: RecoveryProgress): string {
  const c = p.counts;
  const flags = [p.paused ? 'paused' : '', p.awaitingApproval ? 'awaiting approval (cpr approve)' : '', p.cancelRequested ? 'cancelling' : ''].filter(Boolean);
  return `verified ${c.verified}, failed ${c.failed}, skipped ${c.skipped}, cancelled ${c.cancelled}, pending ${c.pending}${flags.length ? ` · ${flags.join(' · ')}` : ''}`;
}

/** One line per change: the run's phase, each target's phase/status, and the overall bar. */
class LineRenderer implements Renderer {
  private phase = '';
  private overall = '';
  private readonly targets = new Map<string, string>();

  constructor(private readonly out: NodeJS.WritableStream) {}

  update(p: RecoveryProgress): void {
    const lines: string[] = [];
    if (p.phase !== this.phase) {
      this.phase = p.phase;
      lines.push(`phase: ${p.phase}`);
    }
    if (p.targets.length <= MAX_INSTANCE_ROWS) {
      for (const t of p.targets) {
        const state = targetState(t);
        if (this.targets.get(t.instanceId) !== state) {
          this.targets.set(t.instanceId, state);
          lines.push(`  ${t.instanceId}  ${state}${t.status !== 'pending' && t.message ? ` — ${t.message}` : ''}`);
        }
      }
    }
    const overall = `progress ${bar(done(p), p.counts.total)} ${done(p)}/${p.counts.total} · ${countsLine(p)}`;
    if (overall !== this.overall) {
      this.overall = overall;
      lines.push(overall);
    }
    if (lines.length) this.out.write(`${lines.join('\n')}\n`);
  }

  stop(): void {}
}

/** Bars redrawn in place: overall first, then one row per target with its phase along the seven phases. */
class TtyRenderer implements Renderer {
  private readonly multi: MultiBar;
  private overall?: SingleBar;
  private readonly rows = new Map<string, SingleBar>();
  private readonly steps = PHASES.length - 1;

  constructor(out: NodeJS.WriteStream) {
    this.multi = new MultiBar(
      { stream: out, clearOnComplete: false, hideCursor: true, format: '{label} {bar} {state}', barsize: 24, autopadding: true },
      Presets.shades_classic,
    );
  }

  update(p: RecoveryProgress): void {
    const label = `overall (${p.phase})`.padEnd(24);
    const state = `${done(p)}/${p.counts.total} · ${countsLine(p)}`;
    if (!this.overall) this.overall = this.multi.create(Math.max(p.counts.total, 1), done(p), { label, state });
    else {
      this.overall.setTotal(Math.max(p.counts.total, 1));
      this.overall.update(done(p), { label, state });
    }
    if (p.targets.length > MAX_INSTANCE_ROWS) return;
    for (const t of p.targets) {
      const step = t.status === 'pending' ? Math.max(PHASES.indexOf(t.phase), 0) : this.steps;
      const payload = { label: t.instanceId.padEnd(24), state: targetState(t) };
      const row = this.rows.get(t.instanceId);
      if (row) row.update(step, payload);
      else this.rows.set(t.instanceId, this.multi.create(this.steps, step, payload));
    }
  }

  stop(): void {
    this.multi.stop();
  }
}
