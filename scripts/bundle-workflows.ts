// Prebuilds the workflow bundle so production workers skip webpack at start-up (less memory, faster
// restarts). Usage: `npm run bundle [-- [--tracing] <out file>]`, then run workers with CPR_WORKFLOW_BUNDLE=<out file>.
// `--tracing` adds the OpenTelemetry workflow interceptors (worker/tracing.ts): needed for workflow spans
// when tracing is on; a worker with tracing off drops their spans. Build and run with the same
// @temporalio/worker version.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowTracingModule } from '../worker/tracing';
import { productBundleOptions } from '../worker/workflow-bundle';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const tracing = args.includes('--tracing');
  const outArg = args.find((a) => a !== '--tracing');
  const out = resolve(outArg ?? join(__dirname, '..', 'dist', 'workflow-bundle.js'));
  const { code } = await bundleWorkflowCode(productBundleOptions(tracing ? { workflowInterceptorModules: [workflowTracingModule()] } : {}));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, code);
  console.log(`workflow bundle${tracing ? ' (with tracing interceptors)' : ''} written to ${out} (${(code.length / 1024).toFixed(0)} KiB); run workers with CPR_WORKFLOW_BUNDLE=${out}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
