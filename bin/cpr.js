#!/usr/bin/env node
// Launcher for the `cpr` CLI: runs client/cli/main.ts through tsx (no build step), passing the
// arguments, stdio, signals and exit code through.
'use strict';
const { spawn } = require('node:child_process');
const { join } = require('node:path');

const main = join(__dirname, '..', 'client', 'cli', 'main.ts');
const tsxCli = require.resolve('tsx/cli');
const child = spawn(process.execPath, [tsxCli, main, ...process.argv.slice(2)], { stdio: 'inherit' });

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (child.exitCode === null) child.kill(signal);
  });
}
child.on('exit', (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
