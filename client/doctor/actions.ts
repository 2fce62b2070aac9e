// Calls each read-only operation the product needs, with the worker's own client, and reports per
// action whether the account allows it. Only Describe* operations are called: nothing is changed.
import {
  CLOCK_SKEW_ERROR_CODE,
  isEcpError,
  MAX_PAGE_SIZE,
  type AndroidInstance,
  type BackupFile,
  type EcpAction,
  type EcpClient,
  type EcpError,
  type Invocation,
  type Page,
  type Task,
} from '../../activities/ecp';
import type { DoctorCheck } from './report';

/** What the doctor read from the account, for the status comparison. */
export interface Observations {
  instances: AndroidInstance[];
  backups: BackupFile[];
  tasks: Task[];
  invocations: Invocation[];
  errorCodes: string[];
}

export interface ActionsResult {
  checks: DoctorCheck[];
  observations: Observations;
}

/** Operations that change something; the doctor cannot prove the permission without acting. */
export const MUTATING_ACTIONS: readonly EcpAction[] = [
  'RecoverApp',
  'BackupApp',
  'DeleteBackupFile',
  'RunCommand',
  'StartAndroidInstance',
  'StopAndroidInstance',
];

// An invocation ID no RunCommand returns: DescribeInvocations needs one, and a refusal that names the
// parameter still proves the call was authorised.
const PROBE_INVOCATION_ID = 't-cprdoctorprobe00000';

export interface ActionsOptions {
  /** Pages of up to 100 items read per listing (bounds the time on a large account). */
  maxPages: number;
}

export async function checkActions(ecp: EcpClient, opts: ActionsOptions): Promise<ActionsResult> {
  const observations: Observations = { instances: [], backups: [], tasks: [], invocations: [], errorCodes: [] };
  const checks: DoctorCheck[] = [];
  const record = async <T>(action: EcpAction, what: string, call: () => Promise<{ items: T[]; more: boolean }>): Promise<T[]> => {
    try {
      const { items, more } = await call();
      checks.push({ id: `action:${action}`, level: 'ok', summary: `allowed; ${items.length}${more ? '+' : ''} ${what}` });
      return items;
    } catch (err) {
      if (isEcpError(err)) observations.errorCodes.push(err.code);
      if (isEcpError(err) && refusedOnParameter(err)) {
        // Authorised, but this account refuses the doctor's unfiltered listing; the product's own calls filter.
        checks.push({
          id: `action:${action}`,
          level: 'warn',
          summary: `allowed, but the listing was refused: ${err.code}: ${err.vendorMessage}`,
        });
        return [];
      }
      checks.push(actionFailure(action, err));
      return [];
    }
  };

  observations.instances = await record('DescribeAndroidInstances', 'instances', () =>
    list((nextToken) => ecp.describeAndroidInstances({ maxResults: MAX_PAGE_SIZE, nextToken }), opts.maxPages),
  );
  observations.backups = await record('DescribeBackupFiles', 'backup files', () =>
    list((nextToken) => ecp.describeBackupFiles({ maxResults: MAX_PAGE_SIZE, nextToken }), opts.maxPages),
  );
  observations.tasks = await record('DescribeTasks', 'recent tasks', () =>
    list((nextToken) => ecp.describeTasks({ maxResults: MAX_PAGE_SIZE, nextToken }), opts.maxPages),
  );
  await checkInvocations(ecp, observations, checks);
  checks.push({
    id: 'actions:mutating',
    level: 'skip',
    summary: `not called (they change things): ${MUTATING_ACTIONS.join(', ')}; grant them to the worker's RAM identity too`,
  });
  return { checks, observations };
}

async function checkInvocations(ecp: EcpClient, observations: Observations, checks: DoctorCheck[]): Promise<void> {
  const action: EcpAction = 'DescribeInvocations';
  // A real recent command if the account has one; otherwise the probe ID on any instance.
  const recent = observations.tasks.find((t) => t.taskType === 'RunCommand' && t.invokeId && t.instanceId);
  const instanceId = recent?.instanceId ?? observations.instances[0]?.instanceId;
  if (!instanceId) {
    checks.push({ id: `action:${action}`, level: 'skip', summary: 'no instance to ask about (DescribeAndroidInstances listed none)' });
    return;
  }
  try {
    const reply = await ecp.describeInvocations({ invocationId: recent?.invokeId ?? PROBE_INVOCATION_ID, instanceIds: [instanceId] });
    observations.invocations = reply.items;
    checks.push({
      id: `action:${action}`,
      level: 'ok',
      summary: `allowed; ${reply.items.length} results for ${recent ? 'a recent command' : 'a probe ID'}`,
    });
  } catch (err) {
    if (isEcpError(err)) observations.errorCodes.push(err.code);
    if (isEcpError(err) && refusedOnParameter(err)) {
      // Refused on the parameter, so the gateway authenticated and authorised the call.
      checks.push({ id: `action:${action}`, level: 'ok', summary: `allowed (the probe ID was refused as expected: ${err.code})` });
      return;
    }
    checks.push(actionFailure(action, err));
  }
}

function refusedOnParameter(err: EcpError): boolean {
  const status = err.httpStatus;
  const clientError = status !== undefined && status >= 400 && status < 500 && status !== 403;
  return (err.kind === 'invalid' || err.kind === 'notFound' || err.kind === 'unknown') && clientError;
}

async function list<T>(fetchPage: (nextToken?: string) => Promise<Page<T>>, maxPages: number): Promise<{ items: T[]; more: boolean }> {
  const items: T[] = [];
  let token: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const reply = await fetchPage(token);
    items.push(...reply.items);
    if (!reply.nextToken || reply.nextToken === token) return { items, more: false };
    token = reply.nextToken;
  }
  return { items, more: true };
}

export function actionFailure(action: EcpAction, err: unknown): DoctorCheck {
  const id = `action:${action}`;
  if (!isEcpError(err)) return { id, level: 'block', summary: `failed: ${err instanceof Error ? err.message : String(err)}` };
  const rid = err.requestId ? ` [RequestId ${err.requestId}]` : '';
  return { id, level: levelOf(err), summary: `${explain(err)}: ${err.code}: ${err.vendorMessage}${rid}` };
}

function levelOf(err: EcpError): DoctorCheck['level'] {
  // Throttling and 5xx are the account working, just busy; everything else stops the product.
  return err.kind === 'throttled' || err.kind === 'transient' ? 'warn' : 'block';
}

function explain(err: EcpError): string {
  const code = err.code;
  if (code === CLOCK_SKEW_ERROR_CODE || code.startsWith('InvalidTimeStamp')) return "refused: the local clock is too far from the server's";
  if (code === 'SignatureDoesNotMatch') return 'refused: wrong credentials (the AccessKey secret does not match the AccessKey ID)';
  if (code.startsWith('InvalidAccessKeyId')) return 'refused: wrong credentials (unknown or disabled AccessKey ID)';
  if (code === 'CredentialsUnavailable') return 'not sent: no credentials';
  if (code.startsWith('Forbidden') || err.httpStatus === 403) return 'not permitted: grant this action to the RAM identity';
  if (err.kind === 'auth') return 'refused: credentials';
  if (err.kind === 'throttled') return 'throttled (the account works; lower CPR_VENDOR_QPS if this persists)';
  if (err.kind === 'transient') return 'unavailable right now';
  if (code === 'InvalidApi.NotFound' || code === 'NoSuchVersion' || code === 'UnsupportedOperation') {
    return 'not available at this endpoint (region without Cloud Phone, or API version 2023-09-30 missing)';
  }
  return 'failed';
}
