// Freezing a run's plan at the edge: the input a workflow is started with carries every default and the
// run settings of this release, so the run behaves the same after any later release (docs/versioning.md).
// The client service, schedules and other teams' code (through the library) call these before starting.
import { parseRecoverAppInput, type ParseResult, type RecoverAppPlan } from './input';
import { parseMigrationPlan, type MigrationPlan, type PlanParseResult } from './plan';
import { CURRENT_RUN_SETTINGS, RUN_SETTINGS_V1, type RunSettings } from './run-settings';

/** What a recovery run works with: its validated plan with the run settings it keeps for its whole life. */
export type FrozenRecoveryPlan = RecoverAppPlan & { runSettings: RunSettings };

/** A validated recovery plan with its run settings recorded (the current ones unless it has its own). */
export function freezeRecoveryPlan(plan: RecoverAppPlan): FrozenRecoveryPlan {
  return { ...plan, runSettings: plan.runSettings ?? { ...CURRENT_RUN_SETTINGS } };
}

/** Validates raw recovery input (defaults applied) and records the run settings: start the run with `plan`. */
export function freezeRecoveryInput(raw: unknown): ParseResult {
  const parsed = parseRecoverAppInput(raw);
  return parsed.ok ? { ok: true, plan: freezeRecoveryPlan(parsed.plan) } : parsed;
}

/** A validated migration plan whose children all get the same recorded run settings. */
export function freezeMigrationPlan(plan: MigrationPlan): MigrationPlan {
  return { ...plan, options: { ...plan.options, runSettings: plan.options.runSettings ?? { ...CURRENT_RUN_SETTINGS } } };
}

/** Validates a raw migration plan (defaults applied) and records the run settings its children use. */
export function freezeMigrationInput(raw: unknown): PlanParseResult {
  const parsed = parseMigrationPlan(raw);
  return parsed.ok ? { ok: true, plan: freezeMigrationPlan(parsed.plan) } : parsed;
}

/**
 * Inside a workflow, for input that arrived without run settings (a raw start by another team's
 * workflow, or a run started before they were recorded): the table entry this code uses for them.
 * Version 1 today. When a version 2 is added, choose it only for new runs, so histories replay:
 *   return patched('run-settings-v2') ? RUN_SETTINGS[2] : RUN_SETTINGS_V1;
 */
export function runSettingsForUnfrozenInput(): RunSettings {
  return { ...RUN_SETTINGS_V1 };
}
