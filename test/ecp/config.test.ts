import { describeEcpConfig, EcpConfigError, loadEcpConfig } from '../../activities/ecp/config';

describe('loadEcpConfig', () => {
  it('applies defaults: regional endpoint, https, explicit 10 s / 15 s timeouts, default credential chain', () => {
    expect(loadEcpConfig({})).toEqual({
      endpoint: 'eds-aic.cn-shanghai.aliyuncs.com',
      protocol: 'https',
      regionId: 'cn-shanghai',
      connectTimeoutMs: 10_000,
      readTimeoutMs: 15_000,
    });
  });

  it('derives the endpoint from the region', () => {
    expect(loadEcpConfig({ CPR_ECP_REGION: 'ap-southeast-1' }).endpoint).toBe('eds-aic.ap-southeast-1.aliyuncs.com');
  });

  it('reads every variable (emulator style)', () => {
    const cfg = loadEcpConfig(
      {
        CPR_ECP_ENDPOINT: '127.0.0.1:18080',
        CPR_ECP_PROTOCOL: 'HTTP',
        CPR_ECP_REGION: 'cn-hangzhou',
        CPR_ECP_CONNECT_TIMEOUT_MS: '2500',
        CPR_ECP_READ_TIMEOUT_MS: '4000',
      },
      { credentials: { accessKeyId: 'cpr-emulator-id', accessKeySecret: 'cpr-emulator-secret' } },
    );
    expect(cfg).toEqual({
      endpoint: '127.0.0.1:18080',
      protocol: 'http',
      regionId: 'cn-hangzhou',
      connectTimeoutMs: 2500,
      readTimeoutMs: 4000,
      credentials: { accessKeyId: 'cpr-emulator-id', accessKeySecret: 'cpr-emulator-secret' },
    });
  });

  it('treats blank values as unset', () => {
    expect(loadEcpConfig({ CPR_ECP_ENDPOINT: ' ', CPR_ECP_READ_TIMEOUT_MS: '' }).readTimeoutMs).toBe(15_000);
  });

  it.each([
    [{ CPR_ECP_PROTOCOL: 'ftp' }, 'CPR_ECP_PROTOCOL'],
    [{ CPR_ECP_ENDPOINT: 'https://eds-aic.cn-shanghai.aliyuncs.com' }, 'CPR_ECP_ENDPOINT'],
    [{ CPR_ECP_ENDPOINT: 'host/path' }, 'CPR_ECP_ENDPOINT'],
    [{ CPR_ECP_CONNECT_TIMEOUT_MS: 'soon' }, 'CPR_ECP_CONNECT_TIMEOUT_MS'],
    [{ CPR_ECP_READ_TIMEOUT_MS: '-1' }, 'CPR_ECP_READ_TIMEOUT_MS'],
    [{ CPR_ECP_READ_TIMEOUT_MS: '1.5' }, 'CPR_ECP_READ_TIMEOUT_MS'],
    [{ CPR_ECP_REGION: 'CN Shanghai' }, 'CPR_ECP_REGION'],
  ])('rejects %j naming %s', (env, name) => {
    expect(() => loadEcpConfig(env)).toThrow(EcpConfigError);
    expect(() => loadEcpConfig(env)).toThrow(name);
  });

  it('rejects empty explicit credentials without echoing them', () => {
    expect(() => loadEcpConfig({}, { credentials: { accessKeyId: 'id', accessKeySecret: '' } })).toThrow(/credentials\.accessKeySecret/);
  });

  it('does not read ALIBABA_CLOUD_* itself (the default chain does, lazily)', () => {
    const cfg = loadEcpConfig({ ALIBABA_CLOUD_ACCESS_KEY_ID: 'x', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'y' });
    expect(cfg.credentials).toBeUndefined();
  });
});

describe('describeEcpConfig', () => {
  const SECRET = 'S3cr3t-value-never-logged';
  it('never includes the secret or token, and masks the key ID', () => {
    const cfg = loadEcpConfig(
      { CPR_ECP_ENDPOINT: '127.0.0.1:1', CPR_ECP_PROTOCOL: 'http' },
      { credentials: { accessKeyId: 'LTAI5tAbCdEfGhIjKl', accessKeySecret: SECRET, securityToken: 'TOKEN-abc' } },
    );
    const summary = describeEcpConfig(cfg);
    const text = JSON.stringify(summary);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('TOKEN-abc');
    expect(text).not.toContain('LTAI5tAbCdEfGhIjKl');
    expect(summary).toEqual({
      endpoint: '127.0.0.1:1',
      protocol: 'http',
      regionId: 'cn-shanghai',
      connectTimeoutMs: 10_000,
      readTimeoutMs: 15_000,
      credentialSource: 'sts',
      accessKeyId: 'LTAI****Kl',
    });
  });

  it('reports the default chain when no explicit credentials', () => {
    expect(describeEcpConfig(loadEcpConfig({})).credentialSource).toBe('default-chain');
  });
});
