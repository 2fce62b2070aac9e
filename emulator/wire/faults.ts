import type { EmulatorConfig } from '../config';
import type { SeededRandom } from '../random';

export interface RequestFaults {
  throttle: boolean;
  serverError?: 500 | 503;
  html: boolean;
  slow: boolean;
  lost: boolean;
}

export const NO_FAULTS: RequestFaults = Object.freeze({ throttle: false, html: false, slow: false, lost: false });

/**
 * Draws every request-level fault up front, always the same number of draws per request, so the
 * sequence of injected faults depends only on the seed and the order of calls.
 */
export function drawRequestFaults(random: SeededRandom, config: EmulatorConfig, action: string): RequestFaults {
  const throttle = random.chance(config.throttleRate);
  const serverError = random.chance(config.serverErrorRate);
  const serverErrorStatus: 500 | 503 = random.next() < 0.5 ? 500 : 503;
  const html = random.chance(config.htmlErrorRate);
  const slow = random.chance(config.slowReplyRate);
  const lost = random.chance(config.lostResponseRate);
  if (config.faultActions.length > 0 && !config.faultActions.includes(action)) return NO_FAULTS;
  return { throttle, serverError: serverError ? serverErrorStatus : undefined, html, slow, lost };
}

export const HTML_503_BODY =
  '<!DOCTYPE html>\n<html>\n<head><title>503 Service Temporarily Unavailable</title></head>\n<body>\n' +
  '<center><h1>503 Service Temporarily Unavailable</h1></center>\n<hr><center>Tengine</center>\n</body>\n</html>\n';
