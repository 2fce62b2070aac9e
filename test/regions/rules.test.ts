// Pure rules of multi-region runs: lanes, the cross-region reachability rule, and the regions file.
import { crossRegionRefusal, endpointReachableFrom, laneOf } from '../../workflows/regions';
import { parseRecoverAppInput, type RecoveryItem } from '../../workflows/input';
import { loadRegionLanes, regionLanes } from '../../worker/regions';
import { WorkerConfigError } from '../../worker/config';

const TIMEOUTS = { connectTimeoutMs: 1_000, readTimeoutMs: 1_000 };

function item(extra: Partial<RecoveryItem>): RecoveryItem {
  const parsed = parseRecoverAppInput({ items: [{ backupFileId: 'bf-abcdef01', instanceIds: ['acp-abcdef01'], ...extra }] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.plan.items[0]!;
}

describe('lanes', () => {
  it('puts items without a region on the default lane and names region and account otherwise', () => {
    expect(laneOf(item({}))).toBeUndefined();
    expect(laneOf(item({ region: 'cn-hangzhou' }))).toBe('cn-hangzhou');
    expect(laneOf(item({ region: 'cn-hangzhou', credentialsProfile: 'prod-b' }))).toBe('cn-hangzhou/prod-b');
  });

  it('keeps the parsed plan of an input without regions exactly as before (no new keys)', () => {
    const parsed = parseRecoverAppInput({ backupFileId: 'bf-abcdef01', instanceIds: ['acp-abcdef01'] });
    expect(parsed.ok && Object.keys(parsed.plan.items[0]!).sort()).toEqual([
      'backupFileId',
      'backupFilePath',
      'instanceIds',
      'uploadEndpoint',
      'uploadType',
    ]);
  });
});

describe('cross-region rule', () => {
  it('an internal OSS endpoint is reachable only from its own region; a public one from anywhere', () => {
    expect(endpointReachableFrom('oss-cn-shanghai-internal.aliyuncs.com', 'cn-shanghai')).toBe(true);
    expect(endpointReachableFrom('oss-cn-shanghai-internal.aliyuncs.com', 'cn-hangzhou')).toBe(false);
    expect(endpointReachableFrom('oss-cn-shanghai.aliyuncs.com', 'cn-hangzhou')).toBe(true);
  });

  it('refuses a backup in another region without a reachable endpoint, naming both regions', () => {
    expect(crossRegionRefusal(item({ region: 'cn-hangzhou' }))).toBeUndefined();
    expect(crossRegionRefusal(item({ region: 'cn-hangzhou', backupRegion: 'cn-hangzhou' }))).toBeUndefined();
    expect(crossRegionRefusal(item({ region: 'cn-hangzhou', backupRegion: 'cn-shanghai' }))).toMatch(
      /cn-shanghai.*cn-hangzhou.*uploadEndpoint/,
    );
    expect(
      crossRegionRefusal(
        item({ region: 'cn-hangzhou', backupRegion: 'cn-shanghai', uploadEndpoint: 'oss-cn-shanghai-internal.aliyuncs.com' }),
      ),
    ).toMatch(/reachable only inside its own region/);
    expect(
      crossRegionRefusal(item({ region: 'cn-hangzhou', backupRegion: 'cn-shanghai', uploadEndpoint: 'oss-cn-shanghai.aliyuncs.com' })),
    ).toBeUndefined();
  });
});

describe('CPR_REGIONS_FILE', () => {
  it('is optional: without it the worker keeps its single endpoint', () => {
    expect(loadRegionLanes({})).toBeUndefined();
  });

  it('expands regions and their extra accounts into lanes with their own budgets', () => {
    const lanes = regionLanes(
      {
        'cn-shanghai': {
          endpoint: 'eds-aic.cn-shanghai.aliyuncs.com',
          credentialsProfile: 'prod-a',
          vendorQps: '10,RecoverApp=5',
          accounts: { 'prod-b': { vendorQps: 4 } },
        },
        'cn-hangzhou': { endpoint: 'eds-aic.cn-hangzhou.aliyuncs.com', protocol: 'https' },
      },
      TIMEOUTS,
    );
    expect(lanes.map((l) => [l.lane, l.aliases, l.ecpConfig.credentialsProfile, l.vendorQps])).toEqual([
      ['cn-shanghai', ['cn-shanghai/prod-a'], 'prod-a', { default: 10, perAction: { RecoverApp: 5 } }],
      ['cn-shanghai/prod-b', [], 'prod-b', { default: 4, perAction: {} }],
      ['cn-hangzhou', [], undefined, { default: expect.any(Number), perAction: {} }],
    ]);
    expect(lanes[0]!.ecpConfig).toMatchObject({ endpoint: 'eds-aic.cn-shanghai.aliyuncs.com', protocol: 'https', regionId: 'cn-shanghai' });
  });

  it('names the field and the rule of a bad file', () => {
    expect(() => regionLanes({ Shanghai: { endpoint: 'x' } }, TIMEOUTS)).toThrow(/Shanghai: must be a region ID like cn-shanghai/);
    expect(() => regionLanes({ 'cn-shanghai': { endpoint: 'https://x' } }, TIMEOUTS)).toThrow(
      /cn-shanghai\.endpoint: must be host\[:port\]/,
    );
    expect(() => regionLanes({ 'cn-shanghai': { endpoint: 'x', vendorQps: 'RecoverApp=zero' } }, TIMEOUTS)).toThrow(
      /cn-shanghai\.vendorQps/,
    );
    expect(() => regionLanes({ 'cn-shanghai': { endpoint: 'x', accessKeySecret: 's' } }, TIMEOUTS)).toThrow(WorkerConfigError);
    expect(() => loadRegionLanes({ CPR_REGIONS_FILE: 'r.json' }, () => '{')).toThrow(/CPR_REGIONS_FILE: r.json is not valid JSON/);
  });
});
