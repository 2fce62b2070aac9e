// Phase 2, lease: take exclusive leases on the targets so no other recovery touches them until this one
// has verified (or given up). A busy target is skipped and names the workflow that holds it; with
// onBusyInstance 'wait' it is waited for (up to limits.busyWaitMs) and then checked again, because the
// other recovery may have changed it.
import type { FrozenRecoveryPlan } from '../freeze';
import { workflowNow } from '../clock';
import type { RecoveryRun } from '../recovery-run';
import { acquireTargetLeases, leaseBusyMessage } from '../leases';
import type { LeaseHolder } from '../types';
import { recheckTargets, type Checked } from './preflight';
import { enterPhase } from './report';

/**
 * Leases the pending targets. `requested` is filled BEFORE each request goes out, so the caller's
 * finally-block releases them even when the run is cancelled while waiting for a busy instance.
 */
export async function leaseTargets(run: RecoveryRun, plan: FrozenRecoveryPlan, checked: Checked, requested: string[]): Promise<void> {
  const ids = run.pendingIds();
  if (ids.length === 0) return;
  enterPhase(run, 'lease');
  const holderWorkflowId = run.workflowId;
  requested.push(...ids);

  // First ask without waiting, so we know which targets had to be waited for.
  const shards = plan.runSettings.leaseShards;
  const first = await acquireTargetLeases(ids, { holderWorkflowId, shards, onBusy: 'fail', busyWaitMs: 0 });
  run.markLeased(first.granted, workflowNow());
  let busy: LeaseHolder[] = first.busy;
  let waitedFor: string[] = [];
  if (busy.length > 0 && plan.onBusyInstance === 'wait' && plan.limits.busyWaitMs > 0) {
    const second = await acquireTargetLeases(
      busy.map((h) => h.instanceId),
      { holderWorkflowId, shards, onBusy: 'wait', busyWaitMs: plan.limits.busyWaitMs },
    );
    run.markLeased(second.granted, workflowNow());
    waitedFor = second.granted;
    busy = second.busy;
  }

  for (const holder of busy) {
    run.finish(holder.instanceId, 'skipped', {
      reason: 'InstanceBusy',
      message: leaseBusyMessage(holder),
      evidence: { found: holder.holderWorkflowId },
    });
  }
  const leased = new Set([...first.granted, ...waitedFor]);
  for (const id of ids) {
    if (!leased.has(id)) run.finish(id, 'skipped', { reason: 'InstanceBusy', message: 'lease was not granted' });
  }

  // Targets another recovery worked on until just now: their preflight verdict is stale.
  const stale = [...new Set([...waitedFor, ...first.granted.filter((id) => checked.deferred.has(id))])];
  await recheckTargets(run, plan, stale);
}
