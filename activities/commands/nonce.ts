// The per-call secret that verification markers carry (docs/verification-commands.md). Made here, in
// activity code, from the OS's cryptographic generator: workflow code must never make it (it would be
// recorded in the history and replay-determined, and Math.random there is seeded).
import { randomBytes } from 'node:crypto';

export function newMarkerNonce(): string {
  return randomBytes(16).toString('hex');
}
