// How a harness (`npm run bench`, `npm run chaos`) ends: its main returns an exit code, and the process
// ends with it by itself. Everything the harness started (child processes, the Temporal client, timers)
// is stopped before main returns; should anything still hold the event loop, the guard names what is
// open and leaves anyway, so a run never hangs after printing its result.
import { CommanderError } from 'commander';

/** How long a finished harness may take to drain before the guard ends it. */
export const EXIT_GRACE_MS = 10_000;

/** The line the guard prints; tests look for it to catch a leak the guard papered over. */
export const LEAK_MESSAGE = 'harness finished but the process is still busy';

export function runHarness(main: () => Promise<number>): void {
  main().then(finish, (err: unknown) => {
    if (err instanceof CommanderError) return finish(err.exitCode); // --help, or bad arguments (already printed)
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    finish(1);
  });
}

function finish(code: number): void {
  process.exitCode = code;
  const guard = setTimeout(() => {
    console.error(`${LEAK_MESSAGE} ${EXIT_GRACE_MS} ms later; open: ${process.getActiveResourcesInfo().join(', ')}; exiting with ${code}`);
    process.exit(code);
  }, EXIT_GRACE_MS);
  guard.unref();
}
