import { describe, expect, it } from '@jest/globals';
import { FLAGS } from '../../../src/config/flags.js';
import { renderHelp } from '../../../src/config/load.js';
import { load, optionsOf, VALID_ARGV } from './configFixtures.js';

describe('result kinds', () => {
  it('run by default, config-test with --config-test, both with options', () => {
    expect(load(VALID_ARGV).kind).toBe('run');
    const test = load([...VALID_ARGV, '--config-test']);
    expect(test.kind).toBe('config-test');
    expect(test.options?.clientId).toBe('dashboard');
  });

  it('help and version need no valid configuration and carry no options', () => {
    expect(load(['--help', '--nonsense', 'stray'])).toEqual({ kind: 'help', options: null, warnings: [] });
    expect(load(['-h']).kind).toBe('help');
    expect(load(['--version'])).toEqual({ kind: 'version', options: null, warnings: [] });
  });

  it('--config-test still fails on a bad configuration', () => {
    expect(() => load(['--config-test'])).toThrow(expect.objectContaining({ code: 'ERR_CONFIG' }));
  });
});

describe('defaults', () => {
  it('match the documented authgate defaults', () => {
    const o = optionsOf(VALID_ARGV);
    expect(o).toMatchObject({
      reverseProxy: false,
      trustedProxyIps: [],
      realClientIpHeader: 'X-Real-IP',
      proxyPrefix: '/oauth2',
      pingPath: '/ping',
      readyPath: '/ready',
      provider: 'oidc',
      scope: '',
      codeChallengeMethod: 'S256',
      oidcEmailClaim: 'email',
      oidcGroupsClaim: 'groups',
      providerTimeout: 10_000,
      cookieName: '_authgate',
      cookiePath: '/',
      cookieExpire: 168 * 3_600_000,
      cookieRefresh: 0,
      cookieSecure: true,
      cookieHttpOnly: true,
      cookieSameSite: 'lax',
      passAuthorizationHeader: true,
      setAuthorizationHeader: false,
      passUserHeaders: true,
      passHostHeader: true,
      passIdTokenHeader: '',
      upstreams: [],
      proxyWebsockets: true,
      upstreamTimeout: 30_000,
      flushInterval: 1000,
      sessionStoreType: 'cookie',
      logLevel: 'info',
      requestLogging: true,
      silencePingLogging: false,
      requestIdHeader: 'x-request-id',
    });
  });
});

describe('the Options object is deeply frozen', () => {
  const options = optionsOf([
    ...VALID_ARGV,
    '--upstream=http://a/',
    '--skip-auth-route=GET=^/x',
    '--allowed-group=g',
  ]);

  it('rejects changes at every level (ESM is strict mode, so they throw)', () => {
    const o = options as unknown as Record<string, unknown> & {
      httpAddress: { port: number };
      allowedGroups: string[];
      upstreams: { pathPrefix: string }[];
      skipAuthRoutes: { pattern: string }[];
    };
    expect(() => {
      o.clientId = 'evil';
    }).toThrow(TypeError);
    expect(() => {
      o.httpAddress.port = 1;
    }).toThrow(TypeError);
    expect(() => o.allowedGroups.push('admins')).toThrow(TypeError);
    expect(() => {
      (o.upstreams[0] as { pathPrefix: string }).pathPrefix = '/';
    }).toThrow(TypeError);
    expect(() => {
      (o.skipAuthRoutes[0] as { pattern: string }).pattern = '.*';
    }).toThrow(TypeError);
    expect(options.allowedGroups).toEqual(['g']);
  });
});

describe('renderHelp', () => {
  const help = renderHelp();

  it('lists every flag under its group heading, and the meta flags', () => {
    for (const flag of FLAGS) expect(help).toContain(`--${flag.name}`);
    for (const heading of [
      'General:',
      'Server:',
      'Provider:',
      'Cookie:',
      'Headers:',
      'Routing:',
      'Logging:',
    ]) {
      expect(help).toContain(`\n${heading}\n`);
    }
    expect(help.indexOf('--cookie-expire')).toBeGreaterThan(help.indexOf('Cookie:'));
    expect(help.indexOf('--cookie-expire')).toBeLessThan(help.indexOf('Headers:'));
    for (const meta of ['--config path', '--config-test', '--help', '--version'])
      expect(help).toContain(meta);
  });

  it('shows defaults and the plural keys of lists', () => {
    expect(help).toMatch(/--cookie-expire duration +.*\(default 168h\)/);
    expect(help).toMatch(/--http-address string +.*\(default "127\.0\.0\.1:4180"\)/);
    expect(help).toMatch(/--cookie-secure +.*\(default true\)/);
    expect(help).toMatch(/--upstream strings +.*\[key: upstreams\]/);
    expect(help).toMatch(/--skip-auth-regex strings +.*\[key: skip_auth_regex\]/);
  });
});

describe('the flag table', () => {
  it('uses oauth2-proxy plural keys for lists (skip_auth_regex singular)', () => {
    const keys = Object.fromEntries(FLAGS.filter((f) => f.type === 'list').map((f) => [f.name, f.configKey]));
    expect(keys).toEqual({
      'trusted-proxy-ip': 'trusted_proxy_ips',
      'oidc-extra-audience': 'oidc_extra_audiences',
      'provider-ca-file': 'provider_ca_files',
      'github-user': 'github_users',
      'google-hosted-domain': 'google_hosted_domains',
      'google-group': 'google_groups',
      'email-domain': 'email_domains',
      'allowed-group': 'allowed_groups',
      'cookie-domain': 'cookie_domains',
      upstream: 'upstreams',
      'upstream-ca': 'upstream_ca',
      'skip-auth-route': 'skip_auth_routes',
      'skip-auth-regex': 'skip_auth_regex',
      'api-route': 'api_routes',
      'whitelist-domain': 'whitelist_domains',
      'exclude-logging-path': 'exclude_logging_paths',
      'extra-jwt-issuers': 'extra_jwt_issuers',
      'redis-sentinel-connection-urls': 'redis_sentinel_connection_urls',
      'redis-cluster-connection-urls': 'redis_cluster_connection_urls',
      'kube-extra-claim': 'kube_extra_claims',
      'kube-whoami-namespace': 'kube_whoami_namespaces',
      'kube-cluster': 'kube_clusters',
    });
  });

  it('has unique names and config keys, and every default parses', () => {
    expect(new Set(FLAGS.map((f) => f.name)).size).toBe(FLAGS.length);
    expect(new Set(FLAGS.map((f) => f.configKey)).size).toBe(FLAGS.length);
    expect(() => optionsOf(VALID_ARGV)).not.toThrow();
  });
});
