// Reaches the configured endpoint with one unsigned request (nothing is read or changed) and compares
// the local clock with the server's HTTP Date header: signatures fail past the skew the vendor allows
// (docs/vendor-facts.md, `clock-skew`), so a skewed clock blocks every call before it is even signed wrong.
import { SIGNATURE_MAX_CLOCK_SKEW_MS, type EcpConfig } from '../../activities/ecp';
import type { DoctorCheck } from './report';

/** Past this the clock still works but is drifting towards the hard limit. */
export const CLOCK_WARN_SKEW_MS = 5 * 60_000;

export interface EndpointProbe {
  checks: DoctorCheck[];
  reachable: boolean;
  /** Server time minus local time, when the server sent a Date header. */
  skewMs?: number;
}

const LOCAL_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[?::1\]?)$/;

export function endpointUrl(cfg: EcpConfig): string {
  return `${cfg.protocol}://${cfg.endpoint}/`;
}

export async function probeEndpoint(cfg: EcpConfig, now: () => number = Date.now): Promise<EndpointProbe> {
  const url = endpointUrl(cfg);
  const sentAt = now();
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'GET',
      redirect: 'manual',
      signal: AbortSignal.timeout(cfg.connectTimeoutMs + cfg.readTimeoutMs),
    });
    await response.arrayBuffer();
  } catch (err) {
    return { reachable: false, checks: [{ id: 'endpoint', level: 'block', summary: `cannot reach ${url}: ${networkReason(err)}` }] };
  }
  const receivedAt = now();
  const checks: DoctorCheck[] = [
    { id: 'endpoint', level: 'ok', summary: `${url} answered HTTP ${response.status} in ${receivedAt - sentAt} ms` },
  ];
  checks.push(transportCheck(cfg));

  const date = response.headers.get('date');
  const serverMs = date ? Date.parse(date) : NaN;
  if (!Number.isFinite(serverMs)) {
    checks.push({ id: 'clock', level: 'warn', summary: 'the endpoint sent no usable Date header; the clock could not be compared' });
    return { reachable: true, checks };
  }
  // The header has whole seconds; compare with the middle of the round trip.
  const skewMs = serverMs - (sentAt + receivedAt) / 2;
  checks.push(clockCheck(skewMs));
  return { reachable: true, checks, skewMs };
}

function transportCheck(cfg: EcpConfig): DoctorCheck {
  if (cfg.protocol === 'https') return { id: 'transport', level: 'ok', summary: 'TLS (https); the server certificate was accepted' };
  const host = cfg.endpoint.replace(/:\d+$/, '');
  if (LOCAL_HOST.test(host))
    return { id: 'transport', level: 'ok', summary: `plain http to a local endpoint (${cfg.endpoint}), e.g. the emulator` };
  return {
    id: 'transport',
    level: 'warn',
    summary: `plain http to ${cfg.endpoint} (CPR_ECP_PROTOCOL=http): requests and command output travel unencrypted; use https`,
  };
}

export function clockCheck(skewMs: number): DoctorCheck {
  const minutes = Math.abs(skewMs) / 60_000;
  const direction = skewMs > 0 ? 'behind' : 'ahead of';
  const text = `local clock is ${formatSkew(skewMs)} ${direction} the server's`;
  if (Math.abs(skewMs) > SIGNATURE_MAX_CLOCK_SKEW_MS) {
    return {
      id: 'clock',
      level: 'block',
      summary: `${text}; signatures are refused past ${SIGNATURE_MAX_CLOCK_SKEW_MS / 60_000} minutes (InvalidTimeStamp.Expired): sync the clock (NTP)`,
    };
  }
  if (Math.abs(skewMs) > CLOCK_WARN_SKEW_MS) {
    return { id: 'clock', level: 'warn', summary: `${text} (${minutes.toFixed(1)} of 15 allowed minutes): sync the clock (NTP)` };
  }
  return { id: 'clock', level: 'ok', summary: text };
}

function formatSkew(ms: number): string {
  const s = Math.abs(ms) / 1000;
  return s < 120 ? `${s.toFixed(1)} s` : `${(s / 60).toFixed(1)} min`;
}

function networkReason(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'no answer in time (check the endpoint, firewall and proxy)';
  const cause = e.cause;
  if (cause?.code === 'ENOTFOUND') return 'the host name does not resolve (check CPR_ECP_REGION / CPR_ECP_ENDPOINT)';
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (cause?.code && /CERT|SSL|TLS/i.test(cause.code)) return `TLS failed: ${cause.code}`;
  return cause?.code ?? cause?.message ?? e.message ?? String(err);
}
