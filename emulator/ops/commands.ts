import { newTaskId } from '../ids';
import type { Invocation } from '../state/model';
import { sleep } from '../time-format';
import { OPERATION_LIST_CAP, type OperationContext, type ResponseBody } from './context';
import { lookupInstances, rejectIfRecovering } from './instance-rules';
import { invocationView } from './views';

interface StartedCommand {
  invokeId: string;
  batchTaskId: string;
  /** Emulated ms until the command ends (its duration, or the Timeout when that is shorter). */
  durationMs: number;
  infos: { InvokeId: string; InstanceId: string; ChildTaskId: string }[];
}

function commandText(context: OperationContext): string {
  const content = context.params.requiredString('CommandContent');
  // Vendor rule: Base64 case-insensitively, anything else is treated as plain text.
  const encoding = (context.params.string('ContentEncoding') ?? 'PlainText').toLowerCase();
  return encoding === 'base64' ? Buffer.from(content, 'base64').toString('utf8') : content;
}

function startCommand(context: OperationContext, timeoutMs: number): StartedCommand {
  const { params, world, config, now } = context;
  const instanceIds = params.requiredList('InstanceIds', OPERATION_LIST_CAP);
  const text = commandText(context);
  const instances = lookupInstances(context, instanceIds, 'InstanceIds');
  rejectIfRecovering(context, instances);

  const invokeId = newTaskId();
  const timesOut = config.commandDurationMs > timeoutMs;
  const durationMs = timesOut ? timeoutMs : config.commandDurationMs;
  const batch = world.createBatchTask('RunCommand', context.requestId, invokeId, now);
  const byInstance = new Map<string, Invocation>();
  world.invocations.set(invokeId, byInstance);
  const infos = instances.map((instance) => {
    const task = world.createChildTask(
      batch,
      {
        type: 'RunCommand',
        instance,
        plan: { kind: 'command', invokeId, commandText: text, timesOut },
        durationMs,
      },
      now,
    );
    byInstance.set(instance.id, { invokeId, instanceId: instance.id, taskId: task.id, output: '', startedAt: now });
    return { InvokeId: invokeId, InstanceId: instance.id, ChildTaskId: task.id };
  });
  context.effects.batchTaskId = batch.id;
  context.effects.invokeId = invokeId;
  context.effects.commandTasks = infos.map((i) => ({ instanceId: i.InstanceId, taskId: i.ChildTaskId }));
  return { invokeId, batchTaskId: batch.id, durationMs, infos };
}

export function runCommand(context: OperationContext): ResponseBody {
  const timeoutSeconds = context.params.integer('Timeout', { min: 1, max: 86_400, fallback: 60 });
  const started = startCommand(context, timeoutSeconds * 1000);
  return { RequestId: context.requestId, InvokeId: started.invokeId, TaskId: started.batchTaskId, RunCommandInfos: started.infos };
}

export async function runSyncCommand(context: OperationContext): Promise<ResponseBody> {
  const waitTimeMs = context.params.integer('WaitTime', { min: 500, max: 3000, fallback: 1000 });
  const started = startCommand(context, 60_000);
  const { world } = context;
  // Wait (scaled) until the command ends or WaitTime passes; +1 ms because timers may fire early.
  await sleep(world.scaled(Math.min(started.durationMs, waitTimeMs)) + 1);
  const now = Date.now();
  world.advance(now);
  const invocations = [...(world.invocations.get(started.invokeId)?.values() ?? [])];
  return {
    RequestId: context.requestId,
    TotalCount: String(invocations.length),
    Data: invocations.map((invocation) => invocationView(world, invocation, now)),
  };
}

export function describeInvocations(context: OperationContext): ResponseBody {
  const { params, world, now } = context;
  const instanceIds = params.requiredList('InstanceIds', OPERATION_LIST_CAP);
  const invocationId = params.requiredString('InvocationId');
  const byInstance = world.invocations.get(invocationId);
  const found = [...new Set(instanceIds)].map((id) => byInstance?.get(id)).filter((i): i is Invocation => i !== undefined);
  return {
    RequestId: context.requestId,
    TotalCount: String(found.length),
    Data: found.map((invocation) => invocationView(world, invocation, now)),
  };
}
