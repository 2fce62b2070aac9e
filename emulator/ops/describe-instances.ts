import { INSTANCE_STATUSES, type Instance } from '../state/model';
import { ApiError } from '../wire/errors';
import { paginate } from '../wire/paging';
import { FILTER_LIST_CAP, type OperationContext, type ResponseBody } from './context';
import { instanceView } from './views';

export function describeAndroidInstances(context: OperationContext): ResponseBody {
  const { params, world, now } = context;
  const groupIds = params.optionalList('InstanceGroupIds', FILTER_LIST_CAP);
  const singleGroup = params.string('InstanceGroupId');
  const filter = {
    ids: params.optionalList('AndroidInstanceIds', FILTER_LIST_CAP),
    name: params.string('AndroidInstanceName'),
    groupIds: singleGroup === undefined ? groupIds : [...groupIds, singleGroup],
    status: params.string('Status'),
    zoneId: params.string('ZoneId'),
  };
  const transient = context.config.transientInstanceStatus;
  if (filter.status !== undefined && filter.status !== transient && !(INSTANCE_STATUSES as readonly string[]).includes(filter.status)) {
    throw new ApiError(400, 'InvalidParameter.Status', `Unknown instance status ${filter.status}.`);
  }
  const maxResults = params.integer('MaxResults', { min: 1, max: 100, fallback: 100 });
  const matches = (instance: Instance): boolean =>
    (filter.name === undefined || instance.name.includes(filter.name)) &&
    (filter.groupIds.length === 0 || filter.groupIds.includes(instance.instanceGroupId)) &&
    (filter.status === undefined || world.displayedStatus(instance, now) === filter.status) &&
    (filter.zoneId === undefined || instance.zoneId === filter.zoneId);
  const candidates =
    filter.ids.length > 0
      ? [...new Set(filter.ids)]
          .map((id) => world.instances.get(id))
          .filter((i): i is Instance => i !== undefined)
          .sort((a, b) => a.seq - b.seq)
      : [...world.instances.values()];
  const page = paginate(candidates.filter(matches), { maxResults, nextToken: params.string('NextToken'), filter });
  return {
    RequestId: context.requestId,
    TotalCount: page.totalCount,
    NextToken: page.nextToken,
    InstanceModel: page.items.map((instance) => instanceView(world, instance, now)),
  };
}
