// `cpr doctor`: first contact with an account, read-only. Same configuration as the worker
// (CPR_ECP_*, the credential default chain, CPR_VENDOR_QPS). Checks run in the order a failure would
// explain the next one: configuration, credentials, endpoint and clock, then the actions themselves.
import { createEcpClient, loadEcpConfig, type EcpClient, type EcpConfig } from '../../activities/ecp';
import { checkActions, type Observations } from './actions';
import { credentialsAcceptedCheck, resolveCredentialSource } from './credentials';
import { endpointUrl, probeEndpoint } from './endpoint';
import { checkRateLimits } from './rate-limits';
import type { DoctorCheck, DoctorReport } from './report';
import { observeValues, statusChecks } from './statuses';

export interface DoctorOptions {
  env: Record<string, string | undefined>;
  /** Pages of 100 read per listing. */
  maxPages: number;
  /** Tests inject a client; by default the worker's own (default credential chain). */
  ecp?: EcpClient;
}

export class DoctorConfigError extends Error {
  override readonly name = 'DoctorConfigError';
}

const CREDENTIAL_TIMEOUT_MS = 15_000;

export async function runDoctor(opts: DoctorOptions): Promise<DoctorReport> {
  let cfg: EcpConfig;
  try {
    cfg = loadEcpConfig(opts.env);
  } catch (err) {
    throw new DoctorConfigError(err instanceof Error ? err.message : String(err));
  }
  const checks: DoctorCheck[] = [];
  const credentials = await resolveCredentialSource(CREDENTIAL_TIMEOUT_MS);
  checks.push(credentials.check);
  const endpoint = await probeEndpoint(cfg);
  checks.push(...endpoint.checks);

  let observations: Observations = { instances: [], backups: [], tasks: [], invocations: [], errorCodes: [] };
  if (endpoint.reachable && credentials.source !== undefined) {
    const result = await checkActions(opts.ecp ?? createEcpClient(cfg), { maxPages: opts.maxPages });
    const anyOk = result.checks.some((c) => c.id.startsWith('action:') && c.level === 'ok');
    checks.push(credentialsAcceptedCheck(credentials.source, result.observations.errorCodes, anyOk), ...result.checks);
    observations = result.observations;
  } else {
    checks.push({ id: 'actions', level: 'skip', summary: 'not called: fix the blockers above first' });
  }
  const observed = observeValues(observations);
  checks.push(...statusChecks(observed));
  checks.push(checkRateLimits(opts.env));

  return {
    endpoint: { url: endpointUrl(cfg), protocol: cfg.protocol, regionId: cfg.regionId },
    ...(credentials.source ? { credentialSource: credentials.source } : {}),
    checks,
    observed,
    blockers: checks.filter((c) => c.level === 'block').length,
    warnings: checks.filter((c) => c.level === 'warn').length,
  };
}
