// releaseBackups: DeleteBackupFile in batches of ≤50, judged by the backup's observed status rather than
// by error codes (docs/vendor-facts.md). Each backup is read first: one in a status the product does not
// know is kept, never deleted; one already gone counts as released. A refused delete counts as released
// only when a fresh read shows the file gone (not listed, DELETING or DELETED); a repeated delete the
// vendor accepts counts as released too.
import { log } from '@temporalio/activity';
import { isEcpError, isRefusal, MAX_BACKUP_FILES_PER_CALL, type EcpError } from '../ecp';
import type { ReleaseOutcome } from './contract';
import { chunk } from '../../workflows/collections';
import { activityHeartbeat, workflowIdOf } from '../activity-context';
import { withThrottleRetry } from '../vendor-calls';
import type { RecoveryDeps } from './deps';
import { releaseStep } from './observed-state';
import { readBackupStatus } from './observe';

export async function releaseBackups(deps: RecoveryDeps, req: { backupFileIds: string[] }): Promise<ReleaseOutcome[]> {
  const ids = [...new Set(req.backupFileIds)];
  const outcomes = new Map<string, ReleaseOutcome>();
  const beat = activityHeartbeat(() => ({ released: [...outcomes.values()].filter((o) => o.released).map((o) => o.backupFileId) }));

  const gone = (id: string, status: string | undefined, requestId?: string): void => {
    outcomes.set(id, { backupFileId: id, released: true, alreadyGone: true });
    log.info('backup already released', { workflowId: workflowIdOf(), backupFileId: id, status: status ?? 'gone', requestId });
  };

  /** Reads the backup; true when it may be deleted (anything else is recorded as the outcome). */
  const mayDelete = async (id: string): Promise<boolean> => {
    const status = await readBackupStatus(deps, id, beat);
    const step = releaseStep(status);
    if (step.kind === 'delete') return true;
    if (step.kind === 'gone') gone(id, status);
    else {
      outcomes.set(id, { backupFileId: id, released: false, alreadyGone: false, keptBecause: 'backup-status-unknown', error: step.why });
      log.warn('backup kept: its status is not one the product knows', { workflowId: workflowIdOf(), backupFileId: id, status });
    }
    return false;
  };

  /** After a refused delete of one file: released only if a fresh read shows it gone. */
  const judgeRefusal = async (id: string, err: EcpError): Promise<void> => {
    const status = await readBackupStatus(deps, id, beat);
    if (releaseStep(status).kind === 'gone') return gone(id, status, err.requestId);
    outcomes.set(id, {
      backupFileId: id,
      released: false,
      alreadyGone: false,
      error: `DeleteBackupFile was refused (${err.code}: ${err.vendorMessage}) and the file is still ${status}`,
    });
  };

  const remove = async (batch: string[]): Promise<void> => {
    if (batch.length === 0) return;
    try {
      const res = await withThrottleRetry(deps, 'DeleteBackupFile', () => deps.ecp.deleteBackupFiles(batch), beat);
      for (const id of batch) outcomes.set(id, { backupFileId: id, released: true, alreadyGone: false });
      log.info('backups released', { workflowId: workflowIdOf(), requestId: res.requestId, backupFileIds: batch });
    } catch (err) {
      if (!isEcpError(err) || !isRefusal(err)) throw err;
      // The vendor refuses the whole call for one bad file; find it and release the others.
      if (batch.length > 1) {
        const named = batch.filter((id) => err.vendorMessage.includes(id));
        if (named.length === 1) {
          await remove(named);
          return remove(batch.filter((id) => id !== named[0]));
        }
        const mid = Math.ceil(batch.length / 2);
        await remove(batch.slice(0, mid));
        return remove(batch.slice(mid));
      }
      await judgeRefusal(batch[0], err);
    }
    beat();
  };

  const deletable: string[] = [];
  for (const id of ids) if (await mayDelete(id)) deletable.push(id);
  for (const batch of chunk(deletable, MAX_BACKUP_FILES_PER_CALL)) await remove(batch);
  return ids.map((id) => outcomes.get(id) ?? { backupFileId: id, released: false, alreadyGone: false, error: 'not attempted' });
}
