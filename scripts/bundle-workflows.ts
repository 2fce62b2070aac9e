// Prebuilds the workflow bundle so production workers skip webpack at start-up (less memory, faster
// restarts). Usage: `npm run bundle [-- <out file>]`, then run workers with CPR_WORKFLOW_BUNDLE=<out file>.
// Build and run with the same @temporalio/worker version.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

async function main(): Promise<void> {
  const out = resolve(process.argv[2] ?? join(__dirname, '..', 'dist', 'workflow-bundle.js'));
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows') });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, code);
  console.log(`workflow bundle written to ${out} (${(code.length / 1024).toFixed(0)} KiB); run workers with CPR_WORKFLOW_BUNDLE=${out}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
