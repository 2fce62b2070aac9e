import { EcpError } from '../../activities/ecp/errors';
import { collectAll, describeInstancesByIds, describeTasksByIds, pages } from '../../activities/ecp/paging';
import type { AndroidInstance, DescribeTasksRequest, Page, Task } from '../../activities/ecp/types';

function fakePages<T>(all: T[], size: number) {
  const tokens: Array<string | undefined> = [];
  const fetch = async (token: string | undefined): Promise<Page<T>> => {
    tokens.push(token);
    const start = token ? Number(token) : 0;
    const items = all.slice(start, start + size);
    const next = start + size < all.length ? String(start + size) : '';
    return { requestId: `r${start}`, items, nextToken: next || undefined, totalCount: all.length };
  };
  return { fetch, tokens };
}

describe('pages / collectAll', () => {
  it('follows NextToken to the end', async () => {
    const { fetch, tokens } = fakePages([1, 2, 3, 4, 5, 6, 7], 3);
    expect(await collectAll(fetch)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(tokens).toEqual([undefined, '3', '6']);
  });

  it('yields a single empty page for an empty listing', async () => {
    const { fetch } = fakePages<number>([], 3);
    const seen: Page<number>[] = [];
    for await (const p of pages(fetch)) seen.push(p);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.items).toEqual([]);
  });

  it('stops early when the consumer breaks', async () => {
    const { fetch, tokens } = fakePages([1, 2, 3, 4, 5, 6], 2);
    for await (const p of pages(fetch)) {
      expect(p.items).toEqual([1, 2]);
      break;
    }
    expect(tokens).toEqual([undefined]);
  });

  it('detects a server that repeats a token', async () => {
    const fetch = async (): Promise<Page<number>> => ({ requestId: 'r', items: [1], nextToken: 'same' });
    await expect(collectAll(fetch)).rejects.toMatchObject({ code: 'PagingLoop', kind: 'unknown' });
  });

  it('enforces maxPages', async () => {
    let n = 0;
    const fetch = async (): Promise<Page<number>> => ({ requestId: 'r', items: [n], nextToken: `t${n++}` });
    const err = await collectAll(fetch, { maxPages: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EcpError);
    expect(err).toMatchObject({ code: 'PagingLimit' });
    expect(n).toBe(5);
  });

  it('propagates fetch errors', async () => {
    const boom = new EcpError({ action: 'DescribeTasks', code: 'Throttling.User', kind: 'throttled', vendorMessage: 'x' });
    await expect(collectAll(async () => Promise.reject(boom))).rejects.toBe(boom);
  });
});

describe('describeTasksByIds', () => {
  const ids = Array.from({ length: 250 }, (_, i) => `t-${String(i).padStart(4, '0')}`);

  function fakeClient(pageLimit = 100) {
    const calls: DescribeTasksRequest[] = [];
    return {
      calls,
      async describeTasks(req: DescribeTasksRequest): Promise<Page<Task>> {
        calls.push(req);
        const wanted = req.taskIds ?? [];
        const start = req.nextToken ? Number(req.nextToken) : 0;
        const size = Math.min(req.maxResults ?? 10, pageLimit);
        const items = wanted.slice(start, start + size).map((taskId) => ({ taskId, status: 'Finished' }));
        const next = start + size < wanted.length ? String(start + size) : undefined;
        return { requestId: 'r', items, nextToken: next };
      },
    };
  }

  it('one call per 100 tasks when each chunk fits in a page', async () => {
    const client = fakeClient();
    const tasks = await describeTasksByIds(client, ids);
    expect(tasks.map((t) => t.taskId)).toEqual(ids);
    expect(client.calls).toHaveLength(3);
    expect(client.calls.map((c) => c.taskIds?.length)).toEqual([100, 100, 50]);
    expect(client.calls.every((c) => c.maxResults === 100)).toBe(true);
  });

  it('follows NextToken within a chunk, passing the same filter', async () => {
    const client = fakeClient(30);
    const tasks = await describeTasksByIds(client, ids.slice(0, 100));
    expect(tasks).toHaveLength(100);
    expect(client.calls).toHaveLength(4);
    expect(new Set(client.calls.map((c) => c.taskIds?.join(',')))).toEqual(new Set([ids.slice(0, 100).join(',')]));
  });

  it('honours a smaller pageSize, never a larger one', async () => {
    const small = fakeClient();
    await describeTasksByIds(small, ids.slice(0, 50), { pageSize: 20 });
    expect(small.calls.map((c) => c.taskIds?.length)).toEqual([20, 20, 10]);
    const big = fakeClient();
    await describeTasksByIds(big, ids, { pageSize: 500 });
    expect(big.calls).toHaveLength(3);
  });

  it('dedupes IDs and makes no call for an empty list', async () => {
    const client = fakeClient();
    expect(await describeTasksByIds(client, [])).toEqual([]);
    expect(client.calls).toHaveLength(0);
    await describeTasksByIds(client, ['t-1', 't-1', 't-2']);
    expect(client.calls[0]?.taskIds).toEqual(['t-1', 't-2']);
  });
});

describe('describeInstancesByIds', () => {
  it('chunks by 50', async () => {
    const calls: string[][] = [];
    const client = {
      async describeAndroidInstances(req: { instanceIds?: string[] }): Promise<Page<AndroidInstance>> {
        calls.push(req.instanceIds ?? []);
        return { requestId: 'r', items: (req.instanceIds ?? []).map((instanceId) => ({ instanceId, status: 'RUNNING' })) };
      },
    };
    const ids = Array.from({ length: 120 }, (_, i) => `acp-${i}`);
    expect(await describeInstancesByIds(client, ids)).toHaveLength(120);
    expect(calls.map((c) => c.length)).toEqual([50, 50, 20]);
  });
});
