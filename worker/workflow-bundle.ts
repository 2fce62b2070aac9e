// How the product's workflow code is bundled: one set of options for the worker's own bundling,
// `npm run bundle` and the tests, so every worker runs the same code the tests replayed.
import type { BundleOptions } from '@temporalio/worker';

/**
 * Modules that keep no per-workflow state, evaluated once per workflow thread and shared by every
 * workflow (the SDK's `preloadModules`). Any other module of the bundle is evaluated again for each
 * workflow the worker starts and stays in memory while the workflow runs; zod is the largest library in
 * the bundle (~450 KB of its ~1.2 MB of code) and holds no state (docs/design.md, "Worker memory").
 * Only libraries go here: the product's own modules may hold per-workflow state.
 */
export const SHARED_WORKFLOW_MODULES = ['zod'];

export function productBundleOptions(options: Omit<BundleOptions, 'workflowsPath' | 'preloadModules'> = {}): BundleOptions {
  return { workflowsPath: require.resolve('../workflows'), preloadModules: SHARED_WORKFLOW_MODULES, ...options };
}
