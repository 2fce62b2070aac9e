// Runs one read-only command on up to 50 instances and collects each instance's output through
// DescribeInvocations, polling until no instance is PENDING/RUNNING.
import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { isEcpError, MAX_INSTANCES_PER_CALL, type RunCommandResponse } from '../ecp';
import { FailureType } from '../../workflows/failures';
import { sleepWithHeartbeat, workflowIdOf } from '../activity-context';
import { withThrottleRetry } from '../vendor-calls';
import type { RecoveryDeps } from './deps';
import { BatchCadence, commandDurations } from './poll-cadence';

export type CommandStatus = 'SUCCESS' | 'FAILED' | 'TIMEOUT';

export interface CommandResult {
  instanceId: string;
  status: CommandStatus;
  output: string;
}

export interface RunCommandOptions {
  pollIntervalMs: number;
  /** Vendor-side command timeout. */
  timeoutSeconds?: number;
  beat: () => void;
}

const DEFAULT_TIMEOUT_SECONDS = 60;
// Past the vendor's own timeout we stop waiting for a final status and report TIMEOUT ourselves.
const GRACE_MS = 30_000;

export async function runCommandAndCollect(
  deps: RecoveryDeps,
  instanceIds: readonly string[],
  command: string,
  opts: RunCommandOptions,
): Promise<Map<string, CommandResult>> {
  if (instanceIds.length === 0) return new Map();
  if (instanceIds.length > MAX_INSTANCES_PER_CALL) {
    throw ApplicationFailure.nonRetryable(`at most ${MAX_INSTANCES_PER_CALL} instances per RunCommand`, FailureType.InvalidActivityRequest);
  }
  const timeoutSeconds = opts.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  let run: RunCommandResponse;
  try {
    run = await withThrottleRetry(
      deps,
      'RunCommand',
      () => deps.ecp.runCommand({ instanceIds: [...instanceIds], command, timeoutSeconds }),
      opts.beat,
    );
  } catch (err) {
    if (!isEcpError(err) || !(err.kind === 'invalid' || err.kind === 'notFound')) throw err;
    // The vendor refuses the whole call for one unfit instance (e.g. still RECOVERING): isolate it so
    // the others are still read, and report it as a failed command.
    if (instanceIds.length === 1) {
      return new Map([
        [
          instanceIds[0],
          { instanceId: instanceIds[0], status: 'FAILED', output: `RunCommand rejected: ${err.code}: ${err.vendorMessage}` },
        ],
      ]);
    }
    const named = instanceIds.filter((id) => err.vendorMessage.includes(id));
    const parts =
      named.length === 1
        ? [named, instanceIds.filter((id) => id !== named[0])]
        : [instanceIds.slice(0, Math.ceil(instanceIds.length / 2)), instanceIds.slice(Math.ceil(instanceIds.length / 2))];
    const out = new Map<string, CommandResult>();
    for (const part of parts) for (const [id, r] of await runCommandAndCollect(deps, part, command, opts)) out.set(id, r);
    return out;
  }
  log.debug('verification command started', {
    workflowId: workflowIdOf(),
    requestId: run.requestId,
    invokeId: run.invokeId,
    instances: instanceIds.length,
  });
  opts.beat();

  const results = new Map<string, CommandResult>();
  const sentAt = deps.now();
  const deadline = sentAt + timeoutSeconds * 1000 + GRACE_MS;
  // Cadence (poll-cadence.ts): the first look waits for the command duration learned in this run.
  const cadence = new BatchCadence(commandDurations.of(workflowIdOf()), sentAt, sentAt);
  await sleepWithHeartbeat(cadence.firstLookDelayMs(sentAt), opts.beat);
  for (;;) {
    const lookAt = deps.now();
    const waiting = instanceIds.filter((id) => !results.has(id));
    const reply = await withThrottleRetry(
      deps,
      'DescribeInvocations',
      () => deps.ecp.describeInvocations({ invocationId: run.invokeId, instanceIds: waiting }),
      opts.beat,
    );
    for (const inv of reply.items) {
      if (!waiting.includes(inv.instanceId)) continue;
      const status = String(inv.status).toUpperCase();
      if (status === 'SUCCESS' || status === 'FAILED' || status === 'TIMEOUT') {
        results.set(inv.instanceId, { instanceId: inv.instanceId, status, output: inv.output });
      }
    }
    opts.beat();
    cadence.looked(lookAt, results.size === instanceIds.length);
    if (results.size === instanceIds.length) return results;
    if (deps.now() >= deadline) {
      for (const id of instanceIds) {
        if (!results.has(id)) results.set(id, { instanceId: id, status: 'TIMEOUT', output: '' });
      }
      return results;
    }
    await sleepWithHeartbeat(Math.min(opts.pollIntervalMs, cadence.nextLookWithinMs(deps.now())), opts.beat);
  }
}
