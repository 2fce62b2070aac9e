// The one way tests wait for something that happens asynchronously (a workflow reaching a phase, a
// vendor task finishing, a server listing a run): poll a probe until it answers, never sleep a fixed time.

export interface WaitOptions {
  /** Give up after this long (default 20 s: generous, a passing probe returns at once). */
  timeoutMs?: number;
  /** Pause between probes (default 50 ms). */
  everyMs?: number;
}

export interface WaitForOptions<T> extends WaitOptions {
  /** Accept a value only when this holds (the value still shows in the timeout error when it does not). */
  until?: (value: T) => boolean;
}

/**
 * Polls `probe` until it returns something other than `undefined` or `false` (that also passes `until`,
 * when given), and resolves with it.
 * A probe that throws (a failing `expect`, a server that is not up yet) counts as "not yet". On timeout
 * the error names `what` and carries the last error or value seen, so a failure says what was missing.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 20_000, everyMs = 50, until }: WaitForOptions<T> = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false && (until?.(value) ?? true)) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const seen = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${seen}`, { cause: last });
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
