// The vendor budget: one long-lived workflow per deployment (task queue) and budget key (region) that
// divides the account's per-action API rate among the worker processes that share it. Each process
// renews a member lease every few seconds with an update and gets back the rates it may use until the
// lease expires; a member that stops renewing (stopped, crashed, SIGKILLed) is dropped after its TTL and
// its share goes to the others at their next renewal. docs/design.md (9) states the guarantee.
import { ApplicationFailure, allHandlersFinished, condition, continueAsNew, defineQuery, defineUpdate, setHandler, workflowInfo } from '@temporalio/workflow';
import { FailureType } from './failures';
import { grantFor, type BudgetLimits, type BudgetMember, type MemberDemand } from './vendor-budget-shares';

export const VENDOR_BUDGET_ID_PREFIX = 'cpr-vendor-budget';
/** Bounds one run's history (about five events per renewal) well below the per-run update limit. */
export const DEFAULT_BUDGET_CONTINUE_AS_NEW_AFTER_UPDATES = 500;
const MAX_MEMBER_ID = 200;
const MAX_ACTIONS = 50;

export interface BudgetRenewal {
  /** Stable for the life of one worker process. */
  memberId: string;
  /** The member's configured account limits (the strictest among live members applies). */
  limits: BudgetLimits;
  /** Per action: calls per second wanted over the last window, or null when callers queued for tokens. */
  demand: MemberDemand;
  /** Per action: the rate the member is using while it asks (its last grant received, or 0 after its lease lapsed). */
  using: Record<string, number>;
  /** How long the grant stays valid without another renewal. */
  ttlMs: number;
}

export interface BudgetGrant {
  /** Requests per second per action this member may send until ttlMs after it sent the renewal. */
  grants: Record<string, number>;
  /** Live members, this one included. */
  members: number;
}

export interface VendorBudgetInput {
  /** Members carried over by continue-as-new. */
  members?: Record<string, BudgetMember>;
  continueAsNewAfterUpdates?: number;
}

export interface VendorBudgetState {
  members: ({ memberId: string } & BudgetMember)[];
  /** Workflow time the state was read at. */
  at: number;
}

export const renewBudgetUpdate = defineUpdate<BudgetGrant, [BudgetRenewal]>('renewBudget');
export const leaveBudgetUpdate = defineUpdate<void, [string]>('leaveBudget');
export const budgetStateQuery = defineQuery<VendorBudgetState>('budgetState');

export function vendorBudgetWorkflowId(taskQueue: string, budgetKey: string, prefix: string = VENDOR_BUDGET_ID_PREFIX): string {
  return `${prefix}/${taskQueue}/${budgetKey}`;
}

/** A budget renewal is a (member) lease request: a malformed one is refused as such. */
function invalid(message: string): never {
  throw ApplicationFailure.create({ message, type: FailureType.InvalidLeaseRequest, nonRetryable: true });
}

function positiveRate(value: unknown): boolean {
  return typeof value === 'number' && value > 0;
}

/** Synchronous: the SDK ignores a validator's promise. Rejected renewals leave no history. */
function validateRenewal(r: BudgetRenewal | undefined): void {
  if (typeof r !== 'object' || r === null) invalid('renewal must be an object');
  if (typeof r.memberId !== 'string' || r.memberId.length === 0 || r.memberId.length > MAX_MEMBER_ID) invalid(`memberId must be a non-empty string of at most ${MAX_MEMBER_ID} characters`);
  if (!(typeof r.ttlMs === 'number' && r.ttlMs >= 1000 && r.ttlMs <= 600_000)) invalid('ttlMs must be a number from 1000 to 600000');
  if (typeof r.limits !== 'object' || r.limits === null || !positiveRate(r.limits.defaultQps)) invalid('limits.defaultQps must be a number > 0');
  const perAction = Object.entries(r.limits.perActionQps ?? {});
  const demand = Object.entries(r.demand ?? {});
  if (perAction.length > MAX_ACTIONS || demand.length > MAX_ACTIONS) invalid(`limits.perActionQps and demand must have at most ${MAX_ACTIONS} actions`);
  for (const [action, qps] of perAction) if (!positiveRate(qps)) invalid(`limits.perActionQps.${action} must be a number > 0`);
  for (const [action, qps] of Object.entries(r.using ?? {})) if (!(typeof qps === 'number' && qps >= 0)) invalid(`using.${action} must be a number >= 0`);
  for (const [action, d] of demand) if (!(d === null || (typeof d === 'number' && d >= 0))) invalid(`demand.${action} must be a number >= 0 or null`);
}

function maxPerAction(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [action, qps] of Object.entries(b)) out[action] = Math.max(out[action] ?? 0, qps);
  return out;
}

export async function vendorBudget(input: VendorBudgetInput = {}): Promise<void> {
  const members = new Map<string, BudgetMember>(Object.entries(input.members ?? {}));
  const continueAsNewAfterUpdates = input.continueAsNewAfterUpdates ?? DEFAULT_BUDGET_CONTINUE_AS_NEW_AFTER_UPDATES;
  let updatesThisRun = 0;

  const dropExpired = (now: number, keep?: string): void => {
    for (const [id, m] of members) if (id !== keep && m.expiresAt <= now) members.delete(id);
  };

  // Handlers first, before any await, so the update that started this run is never missed.
  setHandler(
    renewBudgetUpdate,
    (renewal) => {
      updatesThisRun++;
      // Workflow time is this task's start, after the member sent the renewal: its local expiry (sent + TTL) comes first.
      const now = Date.now();
      dropExpired(now, renewal.memberId);
      const previous = members.get(renewal.memberId);
      const limits = { defaultQps: renewal.limits.defaultQps, perActionQps: { ...renewal.limits.perActionQps } };
      const using = { ...renewal.using };
      const member: BudgetMember = { limits, demand: { ...renewal.demand }, grants: previous?.grants ?? {}, held: using, expiresAt: now + renewal.ttlMs };
      members.set(renewal.memberId, member);
      member.grants = grantFor(renewal.memberId, members, Object.keys(renewal.demand));
      member.held = maxPerAction(using, member.grants);
      return Promise.resolve({ grants: member.grants, members: members.size });
    },
    { validator: validateRenewal, description: "Renew a worker process's budget lease; returns its rates per action" },
  );

  setHandler(
    leaveBudgetUpdate,
    (memberId) => {
      updatesThisRun++;
      members.delete(memberId);
      return Promise.resolve();
    },
    {
      validator: (memberId) => {
        if (typeof memberId !== 'string' || memberId.length === 0) invalid('memberId must be a non-empty string');
      },
      description: 'A worker process stopping gives its share back at once',
    },
  );

  setHandler(budgetStateQuery, () => ({ members: [...members].map(([memberId, m]) => ({ memberId, ...m })), at: Date.now() }));

  await condition(() => workflowInfo().continueAsNewSuggested || updatesThisRun >= continueAsNewAfterUpdates);
  await condition(allHandlersFinished);
  // Expired members are left behind; live ones keep their grants and expiry.
  dropExpired(Date.now());
  await continueAsNew<typeof vendorBudget>({ members: Object.fromEntries(members), continueAsNewAfterUpdates: input.continueAsNewAfterUpdates });
}
