// Process signals for the long-running entry points (the worker, the HTTP API).

/**
 * Resolves on the first SIGINT/SIGTERM and keeps absorbing later ones: a terminal's Ctrl-C reaches the
 * process more than once (directly and relayed by the launchers), and a repeat must not kill it while
 * it shuts down in order.
 */
export function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let first: NodeJS.Signals | undefined;
    const on = (signal: NodeJS.Signals): void => {
      if (first) return;
      first = signal;
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
