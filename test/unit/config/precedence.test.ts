import { describe, expect, it } from '@jest/globals';
import { load, optionsOf, VALID_ARGV } from './configFixtures.js';

const FILE = '/etc/authgate/authgate.cfg';
const files = { [FILE]: 'cookie_name = "from_file"\nallowed_groups = ["file-a", "file-b"]\n' };

describe('precedence: flag > environment > config file > default', () => {
  it('a scalar takes the highest source that sets it', () => {
    const env = { OAUTH2_PROXY_COOKIE_NAME: 'from_env' };
    expect(optionsOf(VALID_ARGV).cookieName).toBe('_authgate');
    expect(optionsOf([...VALID_ARGV, `--config=${FILE}`], {}, files).cookieName).toBe('from_file');
    expect(optionsOf([...VALID_ARGV, `--config=${FILE}`], env, files).cookieName).toBe('from_env');
    expect(
      optionsOf([...VALID_ARGV, `--config=${FILE}`, '--cookie-name=from_flag'], env, files).cookieName,
    ).toBe('from_flag');
  });

  it('a list from a higher source replaces the lower one entirely (no merging)', () => {
    const env = { OAUTH2_PROXY_ALLOWED_GROUPS: 'env-a,env-b' };
    expect(optionsOf(VALID_ARGV).allowedGroups).toEqual([]);
    expect(optionsOf([...VALID_ARGV, `--config=${FILE}`], {}, files).allowedGroups).toEqual([
      'file-a',
      'file-b',
    ]);
    expect(optionsOf([...VALID_ARGV, `--config=${FILE}`], env, files).allowedGroups).toEqual([
      'env-a',
      'env-b',
    ]);
    const argv = [...VALID_ARGV, `--config=${FILE}`, '--allowed-group=flag-a', '--allowed-group=flag-b'];
    expect(optionsOf(argv, env, files).allowedGroups).toEqual(['flag-a', 'flag-b']);
  });

  it('the config file path may come from the environment', () => {
    expect(optionsOf(VALID_ARGV, { AUTHGATE_CONFIG: FILE }, files).cookieName).toBe('from_file');
    expect(optionsOf(VALID_ARGV, { OAUTH2_PROXY_CONFIG: FILE }, files).cookieName).toBe('from_file');
  });
});

describe('environment variables', () => {
  it('AUTHGATE_ wins over OAUTH2_PROXY_ when both are set', () => {
    const env = { OAUTH2_PROXY_COOKIE_PATH: '/legacy', AUTHGATE_COOKIE_PATH: '/new' };
    expect(optionsOf(VALID_ARGV, env).cookiePath).toBe('/new');
    expect(optionsOf(VALID_ARGV, { OAUTH2_PROXY_COOKIE_PATH: '/legacy' }).cookiePath).toBe('/legacy');
  });

  it('uses the plural key for lists, comma-separated, including upstreams', () => {
    const options = optionsOf(VALID_ARGV, {
      OAUTH2_PROXY_UPSTREAMS: 'http://a:1/,http://b:2/b',
      OAUTH2_PROXY_EMAIL_DOMAINS: 'one.example, two.example',
      AUTHGATE_SKIP_AUTH_ROUTES: 'GET=^/ok,^/public/',
      AUTHGATE_SKIP_AUTH_REGEX: '^/legacy',
    });
    expect(options.upstreams.map((u) => u.pathPrefix)).toEqual(['/', '/b/']);
    expect(options.emailDomains).toEqual(['example.com']); // the flag still wins
    expect(
      optionsOf(
        VALID_ARGV.filter((a) => !a.startsWith('--email-domain')),
        {
          OAUTH2_PROXY_EMAIL_DOMAINS: 'one.example, two.example',
        },
      ).emailDomains,
    ).toEqual(['one.example', 'two.example']);
    expect(options.skipAuthRoutes.map((r) => r.pattern)).toEqual(['^/ok', '^/public/', '^/legacy']);
  });

  it('accepts the singular name of a list variable, the plural winning when both are set', () => {
    expect(optionsOf(VALID_ARGV, { OAUTH2_PROXY_UPSTREAM: 'http://a/' }).upstreams).toHaveLength(1);
    const both = { OAUTH2_PROXY_UPSTREAM: 'http://single/', OAUTH2_PROXY_UPSTREAMS: 'http://plural/' };
    expect(optionsOf(VALID_ARGV, both).upstreams[0]?.url.host).toBe('plural');
  });

  it('reads bools and treats empty values as unset', () => {
    const options = optionsOf(VALID_ARGV, {
      OAUTH2_PROXY_REVERSE_PROXY: 'true',
      OAUTH2_PROXY_COOKIE_NAME: '',
    });
    expect(options.reverseProxy).toBe(true);
    expect(options.cookieName).toBe('_authgate');
  });

  it('warns about unknown OAUTH2_PROXY_ variables instead of failing', () => {
    const result = load(VALID_ARGV, {
      OAUTH2_PROXY_KEYCLOAK_GROUP: 'acme',
      OAUTH2_PROXY_COOKIE_SECERT: 'x',
      PATH: '/bin',
    });
    expect(result.kind).toBe('run');
    expect(result.warnings).toEqual([
      'OAUTH2_PROXY_COOKIE_SECERT is not supported by authgate, ignored (did you mean OAUTH2_PROXY_COOKIE_SECRET?)',
      'OAUTH2_PROXY_KEYCLOAK_GROUP is not supported by authgate, ignored',
    ]);
  });

  it('rejects unknown AUTHGATE_ variables with the closest name', () => {
    expect(() => load(VALID_ARGV, { AUTHGATE_UPSTREEMS: 'http://a/' })).toThrow(
      expect.objectContaining({
        problems: [
          {
            flag: 'AUTHGATE_UPSTREEMS',
            message: 'is not a known authgate setting',
            fix: 'did you mean AUTHGATE_UPSTREAMS?',
          },
        ],
      }),
    );
  });

  it('ignores Kubernetes service-link variables of a Service named authgate or oauth2-proxy', () => {
    const env = {
      AUTHGATE_PORT: 'tcp://10.0.0.7:4180',
      AUTHGATE_PORT_4180_TCP: 'tcp://10.0.0.7:4180',
      AUTHGATE_PORT_4180_TCP_ADDR: '10.0.0.7',
      AUTHGATE_SERVICE_HOST: '10.0.0.7',
      AUTHGATE_SERVICE_PORT_HTTP: '4180',
      AUTHGATE_REDIS_SERVICE_PORT: '6379',
      OAUTH2_PROXY_SERVICE_HOST: '10.0.0.8',
    };
    expect(load(VALID_ARGV, env).warnings).toEqual([]);
  });
});
