// Picks the demo recovery from what the emulator holds, read over its admin API (`GET /__emulator/state`)
// like any other client would: the product does not import emulator code.
import type { RecoverAppInput } from '../../workflows/input';

/** The few fields of the emulator's state dump the demo needs. */
export interface EmulatorStateView {
  instances: { id: string; status: string; imageVersion: string; serverType: string; packages: Record<string, unknown> }[];
  backups: { id: string; status: string; sourceInstanceId: string; sourceImageVersion: string; sourceServerType: string; sourceAppInfoList: string[] }[];
}

export interface DemoRecovery {
  input: RecoverAppInput;
  description: string;
}

export async function fetchEmulatorState(emulatorUrl: string): Promise<EmulatorStateView> {
  const res = await fetch(`${emulatorUrl}/__emulator/state`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`emulator state: HTTP ${res.status}`);
  return (await res.json()) as EmulatorStateView;
}

/**
 * The first available backup onto every running instance that can take it (same image and
 * architecture as the backup's source, not itself a backup source). One of the demo targets already has
 * an older copy of the app, so the demo also shows the snapshot-then-overwrite protection.
 */
export function chooseDemoRecovery(state: EmulatorStateView): DemoRecovery {
  const sources = new Set(state.backups.map((b) => b.sourceInstanceId));
  for (const backup of state.backups.filter((b) => b.status === 'AVAILABLE')) {
    const targets = state.instances.filter(
      (i) => i.status === 'RUNNING' && !sources.has(i.id) && i.imageVersion === backup.sourceImageVersion && i.serverType === backup.sourceServerType,
    );
    if (targets.length === 0) continue;
    const withApp = targets.filter((t) => backup.sourceAppInfoList.some((p) => p in t.packages)).length;
    return {
      input: {
        backupFileId: backup.id,
        instanceIds: targets.map((t) => t.id),
        // Short polls: the emulator runs vendor tasks in seconds at the demo's time scale.
        limits: { pollIntervalMinMs: 200, pollIntervalMaxMs: 1_000 },
        requestedBy: 'cpr dev (demo)',
      },
      description: `${backup.id} (${backup.sourceAppInfoList.join(', ')}) onto ${targets.length} running instance${targets.length === 1 ? '' : 's'}${withApp ? `, ${withApp} with an older copy (snapshot first)` : ''}`,
    };
  }
  throw new Error('the emulator has no available backup with a compatible running target');
}
