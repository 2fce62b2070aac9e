// Reading vendor state for the decisions in observed-state.ts: instance statuses, a backup's status and
// the tasks of one attempt. Throttled reads are retried inside the activity (they change nothing).
import { collectAll, describeInstancesByIds, isEcpError, MAX_INSTANCES_PER_CALL, MAX_PAGE_SIZE, parseVendorTime, type Task } from '../ecp';
import { chunk } from '../../workflows/collections';
import { withThrottleRetry } from '../vendor-calls';
import type { RecoveryDeps } from './deps';

type ReadDeps = Pick<RecoveryDeps, 'ecp' | 'throttleBackoff'>;

/** Raw status per instance; an instance the vendor no longer lists is absent from the map. */
export async function readInstanceStatuses(deps: ReadDeps, ids: readonly string[], beat: () => void): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const c of chunk(ids, MAX_INSTANCES_PER_CALL)) {
    const found = await withThrottleRetry(deps, 'DescribeAndroidInstances', () => describeInstancesByIds(deps.ecp, c), beat);
    for (const i of found) out.set(i.instanceId, i.status);
  }
  return out;
}

/** The backup's raw status; undefined when the vendor no longer lists it. */
export async function readBackupStatus(deps: ReadDeps, backupFileId: string, beat: () => void): Promise<string | undefined> {
  try {
    const page = await withThrottleRetry(deps, 'DescribeBackupFiles', () => deps.ecp.describeBackupFiles({ backupFileId }), beat);
    return page.items.find((b) => b.backupFileId === backupFileId)?.status;
  } catch (err) {
    if (isEcpError(err) && err.kind === 'notFound') return undefined;
    throw err;
  }
}

/** Every level-2 task the vendor lists for the instance (newest pages included). */
export async function readInstanceTasks(deps: ReadDeps, instanceId: string, beat: () => void): Promise<Task[]> {
  return collectAll((nextToken) =>
    withThrottleRetry(
      deps,
      'DescribeTasks',
      () => deps.ecp.describeTasks({ instanceId, level: 2, maxResults: MAX_PAGE_SIZE, nextToken }),
      beat,
    ),
  );
}

export function vendorTimeMs(vendorTime: string | undefined): number | undefined {
  return parseVendorTime(vendorTime)?.getTime();
}
