import { EcpError } from './errors';
import type { AndroidInstance, EcpClient, Page, Task } from './types';
import { MAX_INSTANCES_PER_CALL, MAX_PAGE_SIZE, MAX_TASK_IDS_PER_CALL } from './vendor-facts';

export type FetchPage<T> = (nextToken: string | undefined) => Promise<Page<T>>;

export interface PagingOptions {
  /** Guards against a server that never ends a listing. */
  maxPages?: number;
}

const DEFAULT_MAX_PAGES = 1000;

function pagingError(code: string, message: string): EcpError {
  return new EcpError({ action: 'Paging', code, kind: 'unknown', vendorMessage: message });
}

/** Yields pages, following NextToken until it is empty; a repeated token is a server bug, not a loop. */
export async function* pages<T>(fetchPage: FetchPage<T>, opts: PagingOptions = {}): AsyncGenerator<Page<T>> {
  const maxPages = opts.maxPages ?? DEFAULT_MAX_PAGES;
  const seen = new Set<string>();
  let token: string | undefined;
  for (let n = 0; ; n++) {
    if (n >= maxPages) throw pagingError('PagingLimit', `stopped after ${maxPages} pages`);
    const page = await fetchPage(token);
    yield page;
    const next = page.nextToken;
    if (!next) return;
    if (seen.has(next)) throw pagingError('PagingLoop', 'server returned a NextToken it had already returned');
    seen.add(next);
    token = next;
  }
}

export async function collectAll<T>(fetchPage: FetchPage<T>, opts: PagingOptions = {}): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages(fetchPage, opts)) all.push(...page.items);
  return all;
}

export interface DescribeTasksByIdsOptions extends PagingOptions {
  /** IDs per call and MaxResults; 100 means one call per 100 tasks when each chunk fits in a page. */
  pageSize?: number;
}

/**
 * Fetches the given tasks in chunks of `pageSize` IDs, following NextToken within a chunk. Chunks run
 * one after another so a large poll does not burst past the vendor's per-action rate limit.
 * Duplicate IDs are asked once; tasks the service does not return are simply absent.
 */
export async function describeTasksByIds(
  client: Pick<EcpClient, 'describeTasks'>,
  taskIds: readonly string[],
  opts: DescribeTasksByIdsOptions = {},
): Promise<Task[]> {
  const pageSize = Math.min(opts.pageSize ?? MAX_TASK_IDS_PER_CALL, MAX_TASK_IDS_PER_CALL);
  const unique = [...new Set(taskIds)];
  const out: Task[] = [];
  for (let i = 0; i < unique.length; i += pageSize) {
    const chunk = unique.slice(i, i + pageSize);
    const tasks = await collectAll<Task>((nextToken) => client.describeTasks({ taskIds: chunk, maxResults: pageSize, nextToken }), opts);
    out.push(...tasks);
  }
  return out;
}

/** Same idea for instances: chunks of 50 IDs (the client-side cap), following NextToken. */
export async function describeInstancesByIds(
  client: Pick<EcpClient, 'describeAndroidInstances'>,
  instanceIds: readonly string[],
  opts: PagingOptions = {},
): Promise<AndroidInstance[]> {
  const unique = [...new Set(instanceIds)];
  const out: AndroidInstance[] = [];
  for (let i = 0; i < unique.length; i += MAX_INSTANCES_PER_CALL) {
    const chunk = unique.slice(i, i + MAX_INSTANCES_PER_CALL);
    const items = await collectAll<AndroidInstance>(
      (nextToken) => client.describeAndroidInstances({ instanceIds: chunk, maxResults: MAX_PAGE_SIZE, nextToken }),
      opts,
    );
    out.push(...items);
  }
  return out;
}
