// releaseBackups: DeleteBackupFile in batches of ≤50. Deleting is made repeatable: a delete the vendor
// refuses because the file is unknown counts as released once DescribeBackupFiles confirms the file is
// gone or DELETING; a repeated delete the vendor accepts counts as released too.
import { heartbeat, log } from '@temporalio/activity';
import { isEcpError, MAX_BACKUP_FILES_PER_CALL, type EcpError } from '../ecp';
import type { ReleaseOutcome } from './contract';
import { chunk } from '../../workflows/collections';
import { workflowIdOf } from '../activity-context';
import { withThrottleRetry } from '../vendor-calls';
import type { RecoveryDeps } from './deps';

const GONE_CODES = new Set(['InvalidParameter.BackupFileId']);

function isGoneError(err: EcpError): boolean {
  return err.kind === 'notFound' || GONE_CODES.has(err.code);
}

export async function releaseBackups(deps: RecoveryDeps, req: { backupFileIds: string[] }): Promise<ReleaseOutcome[]> {
  const ids = [...new Set(req.backupFileIds)];
  const outcomes = new Map<string, ReleaseOutcome>();
  const beat = (): void => heartbeat({ released: [...outcomes.values()].filter((o) => o.released).map((o) => o.backupFileId) });

  const confirmGone = async (id: string, err: EcpError): Promise<void> => {
    let status: string | undefined;
    try {
      const page = await withThrottleRetry(deps, 'DescribeBackupFiles', () => deps.ecp.describeBackupFiles({ backupFileId: id }), beat);
      status = page.items.find((b) => b.backupFileId === id)?.status;
    } catch (e) {
      if (!(isEcpError(e) && e.kind === 'notFound')) throw e;
    }
    if (status === undefined || status === 'DELETING') {
      outcomes.set(id, { backupFileId: id, released: true, alreadyGone: true });
      log.info('backup already released', {
        workflowId: workflowIdOf(),
        backupFileId: id,
        status: status ?? 'gone',
        requestId: err.requestId,
      });
    } else {
      outcomes.set(id, {
        backupFileId: id,
        released: false,
        alreadyGone: false,
        error: `DeleteBackupFile said ${err.code} but the file is ${status}`,
      });
    }
  };

  const remove = async (batch: string[]): Promise<void> => {
    if (batch.length === 0) return;
    try {
      const res = await withThrottleRetry(deps, 'DeleteBackupFile', () => deps.ecp.deleteBackupFiles(batch), beat);
      for (const id of batch) outcomes.set(id, { backupFileId: id, released: true, alreadyGone: false });
      log.info('backups released', { workflowId: workflowIdOf(), requestId: res.requestId, backupFileIds: batch });
    } catch (err) {
      if (!isEcpError(err) || !(err.kind === 'invalid' || err.kind === 'notFound')) throw err;
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
      const id = batch[0];
      if (isGoneError(err)) return confirmGone(id, err);
      outcomes.set(id, { backupFileId: id, released: false, alreadyGone: false, error: `${err.code}: ${err.vendorMessage}` });
    }
    beat();
  };

  for (const batch of chunk(ids, MAX_BACKUP_FILES_PER_CALL)) await remove(batch);
  return ids.map((id) => outcomes.get(id) ?? { backupFileId: id, released: false, alreadyGone: false, error: 'not attempted' });
}
