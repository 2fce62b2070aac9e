import type { BackupPatch, InstancePatch, AdminInfo } from './admin/admin-types';
import type { CallLogEntry, CallPage } from './call-log';
import type { EmulatorConfig, EmulatorConfigPatch } from './config';
import type { Outage, OutageRequest } from './outage';
import type { EmulatorStats, StateDump } from './runtime';
import type { BackupSeed, EmulatorSeed, InstanceSeed, SeedSummary } from './seed';
import type { BackupFile, Instance, Task, TaskStatus } from './state/model';

export type { BackupPatch, InstancePatch, AdminInfo } from './admin/admin-types';
export type { CallLogEntry, CallOutcome, CallPage } from './call-log';
export type { EmulatorConfig, EmulatorConfigPatch, InstanceOverride } from './config';
export type { CallEffects } from './ops/context';
export type { Outage, OutageRequest } from './outage';
export type { EmulatorStats, StateDump } from './runtime';
export type { BackupSeed, EmulatorSeed, GeneratedItem, GenerateSpec, InstanceSeed, PackageSeed, SeedSummary } from './seed';
export type { BackupFile, InstalledPackage, Instance, Invocation, Task } from './state/model';

export type InstanceDetails = Instance & { rate: number; overrides: EmulatorConfig['instanceOverrides'][string] | null };

export class EmulatorAdminError extends Error {
  override name = 'EmulatorAdminError';

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Typed client for the emulator's `/__emulator` control API (tests, benchmarks, chaos harness). */
export class EmulatorAdmin {
  private readonly base: string;

  /** `url` is the emulator's base URL, e.g. `http://127.0.0.1:18080`. */
  constructor(url: string) {
    this.base = `${url.replace(/\/+$/, '')}/__emulator`;
  }

  info(): Promise<AdminInfo> {
    return this.request('GET', '');
  }

  getConfig(): Promise<EmulatorConfig> {
    return this.request('GET', '/config');
  }

  patchConfig(patch: EmulatorConfigPatch): Promise<EmulatorConfig> {
    return this.request('PATCH', '/config', patch);
  }

  calls(options: { since?: number; limit?: number; action?: string } = {}): Promise<CallPage> {
    const query = new URLSearchParams();
    if (options.since !== undefined) query.set('since', String(options.since));
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    if (options.action !== undefined) query.set('action', options.action);
    const text = query.toString();
    return this.request('GET', `/calls${text ? `?${text}` : ''}`);
  }

  /** Every call-log entry after `since`, following pages. */
  async allCalls(since = 0, action?: string): Promise<CallLogEntry[]> {
    const all: CallLogEntry[] = [];
    for (let cursor = since; ;) {
      const page = await this.calls({ since: cursor, limit: 10_000, action });
      all.push(...page.calls);
      if (page.nextSeq === cursor) return all;
      cursor = page.nextSeq;
    }
  }

  clearCalls(): Promise<{ cleared: true }> {
    return this.request('DELETE', '/calls');
  }

  state(): Promise<StateDump> {
    return this.request('GET', '/state');
  }

  stats(): Promise<EmulatorStats> {
    return this.request('GET', '/stats');
  }

  reset(seed: EmulatorSeed | 'demo' = 'demo'): Promise<SeedSummary> {
    return this.request('POST', '/reset', { seed });
  }

  /** Adds a seed (instances, backups and/or a generated fleet) to the current state. */
  addFleet(seed: EmulatorSeed): Promise<SeedSummary> {
    return this.request('POST', '/fleet', seed);
  }

  addInstances(instances: InstanceSeed[]): Promise<{ instanceIds: string[] }> {
    return this.request('POST', '/instances', { instances });
  }

  addBackups(backups: BackupSeed[]): Promise<{ backupFileIds: string[] }> {
    return this.request('POST', '/backups', { backups });
  }

  instance(id: string): Promise<InstanceDetails> {
    return this.request('GET', `/instances/${encodeURIComponent(id)}`);
  }

  patchInstance(id: string, patch: InstancePatch): Promise<InstanceDetails> {
    return this.request('PATCH', `/instances/${encodeURIComponent(id)}`, patch);
  }

  backup(id: string): Promise<BackupFile> {
    return this.request('GET', `/backups/${encodeURIComponent(id)}`);
  }

  patchBackup(id: string, patch: BackupPatch): Promise<BackupFile> {
    return this.request('PATCH', `/backups/${encodeURIComponent(id)}`, patch);
  }

  /**
   * Starts a vendor outage of `durationMs` real ms. `5xx`: API calls get 503, admin stays up. `refuse`:
   * the port stops listening (this admin API too) and open connections are reset, until the outage ends.
   */
  startOutage(request: OutageRequest): Promise<{ outage: Outage }> {
    return this.request('POST', '/outage', request);
  }

  outage(): Promise<{ outage: Outage | null }> {
    return this.request('GET', '/outage');
  }

  task(id: string): Promise<Task & { status: TaskStatus }> {
    return this.request('GET', `/tasks/${encodeURIComponent(id)}`);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (!response.ok) {
      const message = (parsed as { error?: { message?: string } } | undefined)?.error?.message ?? text;
      throw new EmulatorAdminError(response.status, `${method} ${path}: ${response.status} ${message}`);
    }
    return parsed as T;
  }
}
