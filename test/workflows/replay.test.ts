// Determinism guard: every recorded recoverApp history must replay against the current workflow code.
// A failure here means a change altered the commands an existing run would produce: put it behind
// patched() (see workflows/recover-app.ts) instead of re-recording.
// Re-record after adding a shape: CPR_RECORD_HISTORIES=1 npx jest test/workflows
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { productWorkflowBundle } from '../harness/temporal';
import { HISTORIES_DIR } from './harness';

const files = readdirSync(HISTORIES_DIR)
  .filter((f) => f.startsWith('recover-app.') && f.endsWith('.json'))
  .sort();

describe('recoverApp replay', () => {
  it('has recorded histories of the main shapes', () => {
    for (const shape of [
      'happy-path',
      'partial-retries',
      'cancelled',
      'approval',
      'pause-resume',
      'emulator-happy-path',
      'emulator-worker-restart',
    ]) {
      expect(files).toContain(`recover-app.${shape}.json`);
    }
  });

  it('replays every recorded history without non-determinism', async () => {
    const workflowBundle = await productWorkflowBundle();
    const histories = files.map((file) => ({
      workflowId: file,
      history: historyFromJSON(JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8'))),
    }));
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle }, histories)) {
      replayed++;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(files.length);
  });
});
