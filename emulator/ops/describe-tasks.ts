import { TASK_TYPES, type Task } from '../state/model';
import { ApiError } from '../wire/errors';
import { paginate } from '../wire/paging';
import { FILTER_LIST_CAP, type OperationContext, type ResponseBody } from './context';
import { taskView } from './views';

const TASK_STATUS_VALUES = ['Waiting', 'Processing', 'Finished', 'PartFinished', 'Failed', 'Skipped'];

export function describeTasks(context: OperationContext): ResponseBody {
  const { params, world, now } = context;
  const one = (name: string): string[] => {
    const value = params.string(name);
    return value === undefined ? [] : [value];
  };
  const filter = {
    taskIds: params.optionalList('TaskIds', FILTER_LIST_CAP),
    parentTaskId: params.string('ParentTaskId'),
    invokeId: params.string('InvokeId'),
    instanceId: params.string('InstanceId'),
    instanceName: params.string('InstanceName'),
    resourceIds: params.optionalList('ResourceIds', FILTER_LIST_CAP),
    types: [...one('TaskType'), ...params.optionalList('TaskTypes', FILTER_LIST_CAP)],
    statuses: [...one('TaskStatus'), ...params.optionalList('TaskStatuses', FILTER_LIST_CAP)],
    level: params.string('Level') === undefined ? undefined : params.integer('Level', { min: 1, max: 2, fallback: 1 }),
  };
  const badType = filter.types.find((t) => !(TASK_TYPES as readonly string[]).includes(t));
  if (badType) throw new ApiError(400, 'InvalidParameter.TaskType', `Unknown task type ${badType}.`);
  const badStatus = filter.statuses.find((s) => !TASK_STATUS_VALUES.includes(s));
  if (badStatus) throw new ApiError(400, 'InvalidParameter.TaskStatus', `Unknown task status ${badStatus}.`);
  const maxResults = params.integer('MaxResults', { min: 1, max: 100, fallback: 10 });

  const matches = (task: Task): boolean =>
    (filter.taskIds.length === 0 || filter.taskIds.includes(task.id)) &&
    (filter.parentTaskId === undefined || task.parentId === filter.parentTaskId) &&
    (filter.invokeId === undefined || task.invokeId === filter.invokeId || task.requestId === filter.invokeId) &&
    (filter.instanceId === undefined || task.instanceId === filter.instanceId) &&
    (filter.instanceName === undefined || (task.instanceName ?? '').includes(filter.instanceName)) &&
    (filter.resourceIds.length === 0 || (task.instanceId !== undefined && filter.resourceIds.includes(task.instanceId))) &&
    (filter.types.length === 0 || filter.types.includes(task.type)) &&
    (filter.level === undefined || task.level === filter.level) &&
    (filter.statuses.length === 0 || filter.statuses.includes(world.taskStatus(task, now)));

  const page = paginate(candidateTasks(context, filter).filter(matches), {
    maxResults,
    nextToken: params.string('NextToken'),
    filter,
  });
  return {
    RequestId: context.requestId,
    TotalCount: page.totalCount,
    NextToken: page.nextToken,
    Data: page.items.map((task) => taskView(world, task, now)),
  };
}

/** Narrows the scan with an index when a selective filter is present; results stay in creation order. */
function candidateTasks(
  context: OperationContext,
  filter: { taskIds: string[]; parentTaskId?: string; invokeId?: string; instanceId?: string },
): Task[] {
  const { world } = context;
  const bySeq = (tasks: Task[]): Task[] => tasks.sort((a, b) => a.seq - b.seq);
  if (filter.taskIds.length > 0) {
    return bySeq([...new Set(filter.taskIds)].map((id) => world.tasks.get(id)).filter((t): t is Task => t !== undefined));
  }
  if (filter.parentTaskId !== undefined) {
    const parent = world.tasks.get(filter.parentTaskId);
    return parent ? parent.childIds.map((id) => world.tasks.get(id) as Task) : [];
  }
  if (filter.instanceId !== undefined) return [...(world.tasksByInstance.get(filter.instanceId) ?? [])];
  if (filter.invokeId !== undefined) return [...(world.tasksByInvokeId.get(filter.invokeId) ?? [])];
  return world.taskOrder;
}
