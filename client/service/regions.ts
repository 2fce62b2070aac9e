// Refuses a recovery whose items name a region (or account) no worker serves, before it starts: the run
// would otherwise wait for a worker of that lane and then skip its targets (RegionUnavailable).
import type { Client } from '@temporalio/client';
import type { RecoveryItem } from '../../workflows/input';
import { laneOf, laneTaskQueue } from '../../workflows/regions';
import { InvalidInputError, type InputIssue } from './errors';

// temporal.api.enums.v1 values (the proto package is not a direct dependency of this project).
const TASK_QUEUE_KIND_NORMAL = 1;
const TASK_QUEUE_TYPE_ACTIVITY = 2;

/** Throws InvalidInputError naming each item whose lane's activity task queue has no poller. */
export async function checkRegionsServed(
  client: Client,
  taskQueue: string,
  plan: { items: readonly Pick<RecoveryItem, 'region' | 'credentialsProfile'>[] },
): Promise<void> {
  const served = new Map<string, Promise<boolean>>();
  const issues: InputIssue[] = [];
  for (const [index, item] of plan.items.entries()) {
    const lane = laneOf(item);
    if (lane === undefined) continue;
    if (!served.has(lane)) served.set(lane, hasPollers(client, laneTaskQueue(taskQueue, lane)));
    if (!(await served.get(lane))) {
      issues.push({
        field: `items[${index}].${item.credentialsProfile ? 'credentialsProfile' : 'region'}`,
        rule: `no worker serves ${lane} on task queue ${taskQueue}: add it to the workers' CPR_REGIONS_FILE (README "Several regions")`,
      });
    }
  }
  if (issues.length > 0) throw new InvalidInputError(issues);
}

/**
 * A worker's pollers show up once its first polls reach the server (and, on a partitioned queue, its root
 * partition): a lane that looks unpolled is asked again for a few seconds before it counts as unserved.
 */
async function hasPollers(client: Client, queue: string, attempts = 4, pauseMs = 750): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const response = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: queue, kind: TASK_QUEUE_KIND_NORMAL },
      taskQueueType: TASK_QUEUE_TYPE_ACTIVITY,
    });
    if ((response.pollers ?? []).length > 0) return true;
    if (attempt >= attempts) return false;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}
