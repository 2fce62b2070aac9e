// Values recorded histories depend on: the failure type strings, run settings version 1, and the
// freezing of input at the edge. Pure functions, no server.
import { ApplicationFailure } from '@temporalio/common';
import { FailureType, NON_RETRYABLE_FAILURE_TYPES, VENDOR_FAILURE_TYPES, invalidInputFailure } from '../../workflows/failures';
import { freezeMigrationInput, freezeRecoveryInput, freezeRecoveryPlan, runSettingsForUnfrozenInput } from '../../workflows/freeze';
import { parseRecoverAppInput } from '../../workflows/input';
import { CURRENT_RUN_SETTINGS, RUN_SETTINGS, RUN_SETTINGS_V1 } from '../../workflows/run-settings';

const raw = { backupFileId: 'bf-abcdef01', instanceIds: ['acp-target01'] };

describe('failure types', () => {
  it('keeps the type strings recorded histories and clients match on', () => {
    expect(Object.values(FailureType).sort()).toEqual(
      [
        'InvalidActivityRequest',
        'InvalidInput',
        'InvalidLeaseRequest',
        'UnsafeCommandInput',
        'VendorAuthError',
        'VendorInvalidRequest',
        'VendorNotFound',
        'VendorThrottled',
        'VendorTransientError',
        'VendorUnknownError',
        'WebhookDeliveryFailed',
      ].sort(),
    );
  });

  it('never retries bad input, unsafe command text or requests the vendor refuses; retries outages and throttling', () => {
    expect([...NON_RETRYABLE_FAILURE_TYPES].sort()).toEqual(
      ['InvalidActivityRequest', 'InvalidInput', 'InvalidLeaseRequest', 'UnsafeCommandInput', 'VendorAuthError', 'VendorInvalidRequest', 'VendorNotFound'].sort(),
    );
    for (const kind of ['throttled', 'transient', 'unknown'] as const) expect(NON_RETRYABLE_FAILURE_TYPES).not.toContain(VENDOR_FAILURE_TYPES[kind]);
  });

  it('invalidInputFailure names every field and rule and carries the issues', () => {
    const issues = [
      { field: 'instanceIds[0]', rule: 'must be a Cloud Phone instance ID' },
      { field: 'limits.taskTimeoutMs', rule: 'too small' },
    ];
    const failure = invalidInputFailure('invalid recovery input', issues);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'InvalidInput', nonRetryable: true, details: [issues] });
    expect(failure.message).toBe('invalid recovery input: instanceIds[0]: must be a Cloud Phone instance ID; limits.taskTimeoutMs: too small');
  });
});

describe('run settings', () => {
  it('version 1 is what every run used before settings were recorded', () => {
    expect(RUN_SETTINGS_V1).toEqual({
      version: 1,
      targetsPerActivity: 500,
      activityWindow: 8,
      pollWindow: 50,
      pollRoundMs: 600_000,
      cancelSettleMs: 120_000,
      leaseShards: 4,
    });
    expect(RUN_SETTINGS[1]).toBe(RUN_SETTINGS_V1);
    expect(runSettingsForUnfrozenInput()).toEqual(RUN_SETTINGS_V1);
  });

  it('the edge records the current settings and every default in the input', () => {
    const frozen = freezeRecoveryInput(raw);
    if (!frozen.ok) throw new Error('expected valid input');
    expect(frozen.plan.runSettings).toEqual(CURRENT_RUN_SETTINGS);
    expect(frozen.plan.limits.maxAttemptsPerInstance).toBe(3);
    expect(frozen.plan.existingApp).toBe('snapshot-then-overwrite');
    // The frozen plan is itself valid input, and a second freeze keeps what the first recorded.
    const again = parseRecoverAppInput(frozen.plan);
    expect(again.ok && again.plan).toEqual(frozen.plan);
    const own = { ...CURRENT_RUN_SETTINGS, targetsPerActivity: 7 };
    expect(freezeRecoveryPlan({ ...frozen.plan, runSettings: own }).runSettings).toEqual(own);
  });

  it('a migration records the settings once, in the options its children inherit', () => {
    const frozen = freezeMigrationInput({ items: [{ backupFileId: 'bf-abcdef01', instanceIds: ['acp-target01'] }] });
    expect(frozen.ok && frozen.plan.options.runSettings).toEqual(CURRENT_RUN_SETTINGS);
  });

  it('rejects run settings out of range, naming the field', () => {
    const parsed = parseRecoverAppInput({ ...raw, runSettings: { ...CURRENT_RUN_SETTINGS, pollWindow: 0 } });
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.issues.map((i) => i.field)).toContain('runSettings.pollWindow');
  });
});
