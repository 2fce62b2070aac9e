import { createHash } from 'node:crypto';
import { ApiError } from './errors';

/**
 * NextToken = Base64 of `<sequence number of the next item>.<filter hash>`. A creation sequence rather
 * than a plain offset keeps pages stable when earlier items disappear (deleted backups), and the hash
 * makes a token replayed with a different filter fail loudly.
 */
export function filterHash(filter: unknown): string {
  return createHash('sha256').update(JSON.stringify(filter)).digest('hex').slice(0, 12);
}

export interface Page<T> {
  items: T[];
  nextToken: string;
  totalCount: number;
}

export function paginate<T extends { seq: number }>(
  orderedItems: T[],
  options: { maxResults: number; nextToken?: string; filter: unknown },
): Page<T> {
  const hash = filterHash(options.filter);
  let fromSeq = 0;
  if (options.nextToken) {
    const decoded = Buffer.from(options.nextToken, 'base64').toString('utf8');
    const match = /^(\d+)\.([0-9a-f]{12})$/.exec(decoded);
    if (!match || match[2] !== hash) {
      throw new ApiError(400, 'InvalidParameter.NextToken', 'The specified NextToken is invalid or does not belong to this query.');
    }
    fromSeq = Number(match[1]);
  }
  const start = lowerBound(orderedItems, fromSeq);
  const items = orderedItems.slice(start, start + options.maxResults);
  const following = orderedItems[start + options.maxResults];
  return {
    items,
    totalCount: orderedItems.length,
    nextToken: following ? Buffer.from(`${following.seq}.${hash}`).toString('base64') : '',
  };
}

function lowerBound<T extends { seq: number }>(items: T[], seq: number): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (items[mid].seq < seq) low = mid + 1;
    else high = mid;
  }
  return low;
}
