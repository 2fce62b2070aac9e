// Workflow bundle of a later release ("build B") for the upgrade test: the product's workflows, except
// that recoverApp now records the release that started it in a memo before anything else. That is a new
// first command, so B's code cannot replay a history started by the released code (build A).
import { setWorkflowOptions, upsertMemo } from '@temporalio/workflow';
import { recoverApp as releasedRecoverApp } from '../../workflows';
import type { RecoverAppInput } from '../../workflows/input';
import type { RecoveryResult } from '../../workflows/types';

export { recoveryDryRun, bulkMigration, leaseRegistry } from '../../workflows';

export const RELEASE_MEMO = 'cprRelease';

export async function recoverApp(input: RecoverAppInput): Promise<RecoveryResult> {
  upsertMemo({ [RELEASE_MEMO]: 'B' });
  return releasedRecoverApp(input);
}
setWorkflowOptions({ versioningBehavior: 'PINNED' }, recoverApp);
