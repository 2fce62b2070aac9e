// Worker configuration: env over file over defaults, and a bad value names the field and the rule.
import { loadWorkerConfig, parseQps, WorkerConfigError } from '../../worker/config';

const files = (contents: Record<string, string>) => (path: string) => {
  if (!(path in contents)) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
  return contents[path]!;
};

describe('loadWorkerConfig', () => {
  it('uses the product defaults with an empty environment', () => {
    expect(loadWorkerConfig({}, files({}))).toEqual({
      temporalAddress: '127.0.0.1:7233',
      namespace: 'default',
      taskQueue: 'cloudphone-recovery',
      customChecks: {},
      vendorBudget: 'shared',
      vendorQps: 10,
      vendorQpsPerAction: {},
      maxConcurrentActivityTaskExecutions: 50,
      activityConcurrency: 4,
      shutdownGraceTimeMs: 10_000,
      workerVersioning: 'off',
      phaseMetricsRefreshS: 30,
    });
  });

  it('reads the config file, lets env override it, and loads custom checks', () => {
    const config = loadWorkerConfig(
      {
        CPR_WORKER_CONFIG_FILE: '/etc/cpr/worker.json',
        CPR_CUSTOM_CHECKS_FILE: '/etc/cpr/checks.json',
        CPR_TEMPORAL_ADDRESS: 'temporal.internal:7233',
        CPR_VENDOR_QPS: '8,RunCommand=2',
        CPR_MAX_CONCURRENT_ACTIVITIES: '20',
        CPR_PHASE_METRICS_REFRESH_S: '0',
      },
      files({
        '/etc/cpr/worker.json': JSON.stringify({ taskQueue: 'recovery-eu', temporalAddress: 'ignored:1', activityConcurrency: 2 }),
        '/etc/cpr/checks.json': JSON.stringify({
          'prefs-present': { description: 'shared prefs exist', command: 'ls /data/data/{package}/shared_prefs', expect: '\\.xml' },
        }),
      }),
    );
    expect(config).toMatchObject({
      temporalAddress: 'temporal.internal:7233',
      taskQueue: 'recovery-eu',
      activityConcurrency: 2,
      vendorQps: 8,
      vendorQpsPerAction: { RunCommand: 2 },
      maxConcurrentActivityTaskExecutions: 20,
      phaseMetricsRefreshS: 0,
    });
    expect(Object.keys(config.customChecks)).toEqual(['prefs-present']);
  });

  it('names the field and the rule for bad values', () => {
    expect(() => loadWorkerConfig({ CPR_VENDOR_QPS: 'fast', CPR_TEMPORAL_ADDRESS: 'http://x' }, files({}))).toThrow(
      /temporalAddress: must be host:port.*vendorQps: /,
    );
    expect(() => loadWorkerConfig({ CPR_CUSTOM_CHECKS_FILE: '/nope.json' }, files({}))).toThrow(WorkerConfigError);
    expect(() =>
      loadWorkerConfig(
        { CPR_CUSTOM_CHECKS_FILE: '/c.json' },
        files({ '/c.json': '{"x": {"description": "d", "command": "rm -rf /", "expect": "."}}' }),
      ),
    ).toThrow(/customChecks/);
  });

  it('parses QPS lists', () => {
    expect(parseQps('5')).toEqual({ vendorQps: 5 });
    expect(parseQps('RecoverApp=1, RunCommand=3')).toEqual({ vendorQpsPerAction: { RecoverApp: 1, RunCommand: 3 } });
  });
});
