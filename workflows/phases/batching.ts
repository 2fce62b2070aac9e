// Batching: every vendor-facing step works on groups of targets, never one target at a time, so history
// events and activity starts grow with batches, not with the fleet. Batch sizes and windows are the
// run's own (workflows/run-settings.ts), fixed when it started.

/** Runs fn over items with at most `width` in flight; `beforeEach` is the pause point between chunks. */
export async function forEachWindowed<T>(
  items: readonly T[],
  width: number,
  fn: (item: T) => Promise<void>,
  beforeEach?: () => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      if (beforeEach) await beforeEach();
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
}
