// What every command gets from the global options: output format, task queue, and a Temporal client
// opened on first use and closed when the command ends.
import type { Client } from '@temporalio/client';
import { connectClient, resolveTemporalTarget, type TemporalTarget } from './connection';
import type { OutputFormat } from './output';

export interface GlobalFlags {
  address?: string;
  namespace?: string;
  output?: string;
  taskQueue?: string;
}

export interface CliContext {
  output: OutputFormat;
  taskQueue?: string;
  target(): TemporalTarget;
  withClient<T>(fn: (client: Client) => Promise<T>): Promise<T>;
}

export function createContext(flags: GlobalFlags): CliContext {
  const output: OutputFormat = flags.output === 'json' ? 'json' : 'text';
  return {
    output,
    ...(flags.taskQueue ? { taskQueue: flags.taskQueue } : {}),
    target: () => resolveTemporalTarget(flags),
    async withClient(fn) {
      const connected = await connectClient(resolveTemporalTarget(flags));
      try {
        return await fn(connected.client);
      } finally {
        await connected.close().catch(() => undefined);
      }
    },
  };
}
