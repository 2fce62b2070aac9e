// Which kind of run an ID names, so every read and control command takes recovery and migration IDs
// alike (including migrations a schedule started, `<scheduleId>-<time>`). The kind comes from the
// workflow type the server reports, never from the shape of the ID.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { BULK_MIGRATION_WORKFLOW, MIGRATION_KIND, RECOVER_APP_WORKFLOW, RECOVERY_KIND, type RunKind } from '../../workflows/types';
import { NotFoundError } from './errors';
import { checkWorkflowId } from './ids';

const KIND_OF_TYPE: Record<string, RunKind> = { [RECOVER_APP_WORKFLOW]: RECOVERY_KIND, [BULK_MIGRATION_WORKFLOW]: MIGRATION_KIND };

/** The kind of the run with this workflow ID; NotFoundError when there is none, or it is not the product's. */
export async function runKind(client: Client, id: string): Promise<RunKind> {
  const workflowId = checkWorkflowId(id);
  try {
    const { type } = await client.workflow.getHandle(workflowId).describe();
    const kind = KIND_OF_TYPE[type];
    if (kind) return kind;
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  throw new NotFoundError('recovery or migration', workflowId);
}
