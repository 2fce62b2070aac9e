// Bounded parallelism inside one activity: the shared rate limiter sets the pace, this bounds how many
// calls wait for it at once.

/** Runs `fn` over items with at most `limit` in flight; results keep the input order. */
export async function mapBounded<I, O>(items: readonly I[], limit: number, fn: (item: I, index: number) => Promise<O>): Promise<O[]> {
  const out = new Array<O>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return out;
}
