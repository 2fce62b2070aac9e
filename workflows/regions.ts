// Regions and accounts of a run: every item's targets belong to one "lane" (a region, or a region and one
// of its credentials profiles), and all vendor calls for those targets go to the worker serving that lane
// (activity task queue `<main queue>@<lane>`, see worker/regions.ts). Items without a region use the
// default lane: the main task queue, exactly as before regions existed. Pure, safe in the workflow bundle.
import type { RecoveryItem } from './input';

/** `undefined` is the default lane (the worker's own endpoint on the main task queue). */
export type Lane = string | undefined;

/** `cn-hangzhou`, or `cn-hangzhou/prod-b` when the item names a credentials profile. */
export function laneOf(item: Pick<RecoveryItem, 'region' | 'credentialsProfile'>): Lane {
  if (!item.region) return undefined;
  return item.credentialsProfile ? `${item.region}/${item.credentialsProfile}` : item.region;
}

/** The activity task queue of a lane: the worker process serves one per configured region and profile. */
export function laneTaskQueue(mainQueue: string, lane: string): string {
  return `${mainQueue}@${lane}`;
}

const lanesByPlan = new WeakMap<object, Map<string, Lane>>();

/** Lane of every target of the plan (memoised per plan object). */
export function targetLanes(plan: { items: readonly RecoveryItem[] }): Map<string, Lane> {
  let lanes = lanesByPlan.get(plan);
  if (!lanes) {
    lanes = new Map();
    for (const item of plan.items) for (const id of item.instanceIds) lanes.set(id, laneOf(item));
    lanesByPlan.set(plan, lanes);
  }
  return lanes;
}

/** Groups values by their target's lane, keeping input order within a lane and the lanes' first-seen order. */
export function groupByLane<T>(
  plan: { items: readonly RecoveryItem[] },
  values: readonly T[],
  instanceIdOf: (value: T) => string,
): [Lane, T[]][] {
  const lanes = targetLanes(plan);
  const groups = new Map<Lane, T[]>();
  for (const value of values) {
    const lane = lanes.get(instanceIdOf(value));
    const group = groups.get(lane);
    if (group) group.push(value);
    else groups.set(lane, [value]);
  }
  return [...groups];
}

/** Whether an OSS endpoint can be reached from instances in `region`: an -internal one only from its own region. */
export function endpointReachableFrom(endpoint: string, region: string): boolean {
  const internal = /^oss-(.+)-internal\.aliyuncs\.com$/.exec(endpoint);
  return internal ? internal[1] === region : true;
}

/**
 * Why an item cannot work across regions, or undefined. A backup in another region than its targets is
 * restorable only through an upload endpoint the targets can reach: the bucket's public endpoint, given
 * explicitly (the backup record's own endpoint is normally its region's internal one).
 */
export function crossRegionRefusal(item: RecoveryItem): string | undefined {
  const { region, backupRegion, uploadEndpoint } = item;
  if (!region || !backupRegion || backupRegion === region) return undefined;
  if (!uploadEndpoint) {
    return `backup ${item.backupFileId} is in ${backupRegion} and its targets in ${region}: give an uploadEndpoint reachable from ${region} (the bucket's public endpoint, oss-${backupRegion}.aliyuncs.com)`;
  }
  if (!endpointReachableFrom(uploadEndpoint, region)) {
    return `backup ${item.backupFileId} is in ${backupRegion} and its targets in ${region}: ${uploadEndpoint} is reachable only inside its own region; use the public endpoint oss-${backupRegion}.aliyuncs.com`;
  }
  return undefined;
}
