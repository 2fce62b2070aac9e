// Batching helpers: every vendor-facing step works on groups of targets, never one target at a time,
// so history events and activity starts grow with batches, not with the fleet.

/** Targets per activity call of submit/verify/snapshot: big enough to amortise, small enough to retry. */
export const TARGETS_PER_ACTIVITY = 500;
/** Activity calls of one phase in flight at once (well under the server's pending-activity limit). */
export const ACTIVITY_WINDOW = 8;
/** Poll activities in flight at once. */
export const POLL_WINDOW = 50;

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
