// Determinism guard: every recorded history (recoverApp, bulkMigration, leaseRegistry) must replay
// against the current workflow code.
// A failure here means a change altered the commands an existing run would produce: put it behind
// patched() (see workflows/recover-app.ts) instead of re-recording.
// Record a NEW shape (never over an existing file): CPR_RECORD_HISTORIES=1 npx jest <the test that runs it>, then
// append its `sha256sum` line to test/fixtures/histories/MANIFEST.sha256.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { productWorkflowBundle } from '../harness/temporal';
import { HISTORIES_DIR } from './harness';
import { NO_METRICS_SINKS } from '../../worker/metrics';

const files = readdirSync(HISTORIES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('workflow replay', () => {
  it('has recorded histories of the main shapes', () => {
    for (const shape of [
      'happy-path',
      'partial-retries',
      'cancelled',
      'approval',
      'pause-resume',
      'emulator-happy-path',
      // Lease calls as local activities (patched 'leases-as-local-activities').
      'happy-path.local-leases',
      'emulator-happy-path.local-leases',
      // ...and no repeated upsert of the start attributes a run was started with (same patch).
      'emulator-happy-path.started-with-attributes',
      'emulator-worker-restart',
    ]) {
      expect(files).toContain(`recover-app.${shape}.json`);
    }
    expect(files).toContain('bulk-migration.partial.json');
    expect(files).toContain('bulk-migration.continued.json');
    expect(files).toContain('lease-registry.acquire-release.json');
  });

  it('replays every recorded history without non-determinism', async () => {
    const workflowBundle = await productWorkflowBundle();
    const histories = files.map((file) => ({
      workflowId: recordedWorkflowId(file) ?? file,
      history: historyFromJSON(JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8'))),
    }));
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle, sinks: NO_METRICS_SINKS }, histories)) {
      replayed++;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(files.length);
  });
});

function recordedWorkflowId(file: string): string | undefined {
  const sidecar = join(HISTORIES_DIR, file.replace(/\.json$/, '.workflow-id'));
  return existsSync(sidecar) ? readFileSync(sidecar, 'utf8').trim() : undefined;
}
