import { describe, expect, it } from '@jest/globals';
import { configFileFormat } from '../../../src/config/configFile.js';
import { configErrorOf, optionsOf, VALID_ARGV } from './configFixtures.js';

function withFile(path: string, text: string) {
  return { argv: [...VALID_ARGV, `--config=${path}`], files: { [path]: text } };
}

describe('config file format', () => {
  it('is YAML for .yaml/.yml and oauth2-proxy TOML for anything else', () => {
    expect(configFileFormat('/a/authgate.yaml')).toBe('yaml');
    expect(configFileFormat('/a/authgate.YML')).toBe('yaml');
    expect(configFileFormat('/a/oauth2-proxy.cfg')).toBe('toml');
    expect(configFileFormat('/a/authgate.toml')).toBe('toml');
    expect(configFileFormat('/a/config')).toBe('toml');
  });
});

describe('TOML (oauth2-proxy format)', () => {
  it('reads snake_case keys, plural list keys and typed values', () => {
    const { argv, files } = withFile(
      '/etc/oauth2-proxy.cfg',
      [
        'http_address = "0.0.0.0:4180"',
        'reverse_proxy = true',
        'upstreams = ["http://a:1/", "http://b:2/b/"]',
        'skip_auth_regex = ["^/legacy"]',
        'cookie_expire = "12h"',
        'provider_timeout = 20', // a bare number of seconds
        'scope = "openid email groups"',
      ].join('\n'),
    );
    const options = optionsOf(argv, {}, files);
    expect(options.httpAddress).toEqual({ host: '0.0.0.0', port: 4180 });
    expect(options.reverseProxy).toBe(true);
    expect(options.upstreams.map((u) => u.pathPrefix)).toEqual(['/', '/b/']);
    expect(options.skipAuthRoutes).toEqual([{ method: null, negateMethod: false, pattern: '^/legacy' }]);
    expect(options.cookieExpire).toBe(12 * 3_600_000);
    expect(options.providerTimeout).toBe(20_000);
    expect(options.scope).toBe('openid email groups');
  });

  it('rejects kebab-case and singular list keys, suggesting the TOML key', () => {
    const { argv, files } = withFile('/c.cfg', 'cookie-name = "x"\nemail_domain = ["a.example"]\n');
    expect(configErrorOf(argv, {}, files).problems).toEqual([
      { flag: 'cookie-name', message: 'in /c.cfg is not a known setting', fix: 'did you mean cookie_name?' },
      {
        flag: 'email_domain',
        message: 'in /c.cfg is not a known setting',
        fix: 'did you mean email_domains?',
      },
    ]);
  });

  it('names oauth2-proxy options authgate does not implement as such', () => {
    const { argv, files } = withFile('/c.cfg', 'keycloak_group = "acme"\n');
    expect(configErrorOf(argv, {}, files).problems[0]?.message).toBe(
      'in /c.cfg is an oauth2-proxy option that authgate does not implement',
    );
  });

  it('reports a syntax error by position only, never echoing the file', () => {
    const { argv, files } = withFile('/c.cfg', 'client_id = "ok"\ncookie_secret = "s3cr3t-value-here\n');
    const err = configErrorOf(argv, {}, files);
    expect(err.problems).toEqual([
      {
        flag: '--config',
        message: expect.stringMatching(/^\/c\.cfg is not valid TOML at line 2, column \d+$/),
        fix: expect.any(String),
      },
    ]);
    expect(err.message).not.toContain('s3cr3t');
  });

  it('reports a value of the wrong type with the key that set it', () => {
    const { argv, files } = withFile('/c.cfg', 'cookie_secure = "sometimes"\nupstreams = [1.5, true]\n');
    expect(configErrorOf(argv, {}, files).problems.map((p) => [p.flag, p.message])).toEqual([
      ['--cookie-secure', '"sometimes" is not true or false (set by cookie_secure in /c.cfg)'],
      ['--upstream', '[1.5,true] is not a list of strings (set by upstreams in /c.cfg)'],
    ]);
  });

  it('reports an unreadable config file', () => {
    expect(configErrorOf([...VALID_ARGV, '--config=/missing.cfg']).problems).toEqual([
      { flag: '--config', message: 'cannot read /missing.cfg (ENOENT)', fix: 'check the path' },
    ]);
  });
});

describe('YAML', () => {
  it('reads kebab flag names, snake_case keys and kebab plural keys', () => {
    const { argv, files } = withFile(
      '/a.yaml',
      [
        'cookie-name: kebab',
        'cookie_path: /snake',
        'allowed-group: [g1, g2]',
        'whitelist-domains: [.example.com]',
        'cookie-secure: false',
        'cookie-samesite: strict',
        'upstream:',
        '  - http://dash:9090/',
      ].join('\n'),
    );
    const options = optionsOf(argv, {}, files);
    expect(options.cookieName).toBe('kebab');
    expect(options.cookiePath).toBe('/snake');
    expect(options.allowedGroups).toEqual(['g1', 'g2']);
    expect(options.whitelistDomains).toEqual(['.example.com']);
    expect(options.cookieSecure).toBe(false);
    expect(options.upstreams[0]?.url.port).toBe('9090');
  });

  it('treats a key with no value as unset', () => {
    const { argv, files } = withFile('/a.yml', 'cookie-name:\n');
    expect(optionsOf(argv, {}, files).cookieName).toBe('_authgate');
  });

  it('reports the same setting written twice in different styles', () => {
    const { argv, files } = withFile('/a.yml', 'email-domain: [a.example]\nemail_domains: [b.example]\n');
    expect(configErrorOf(argv, {}, files).problems.map((p) => p.flag)).toEqual(['email_domains']);
  });

  it('suggests in the style the key was written', () => {
    const { argv, files } = withFile('/a.yml', 'cookie-expires: 1h\ncookie_expires: 1h\n');
    expect(configErrorOf(argv, {}, files).problems.map((p) => p.fix)).toEqual([
      'did you mean cookie-expire?',
      'did you mean cookie_expire?',
    ]);
  });

  it('refuses a file that is not a mapping, and syntax errors by position only', () => {
    const list = withFile('/a.yaml', '- a\n- b\n');
    expect(configErrorOf(list.argv, {}, list.files).problems[0]?.message).toContain('must be a YAML mapping');
    const broken = withFile('/b.yaml', 'client-secret: "topsecret-value\n');
    const err = configErrorOf(broken.argv, {}, broken.files);
    expect(err.problems[0]?.message).toMatch(
      /^\/b\.yaml is not valid YAML at line \d+, column \d+ \([A-Z_]+\)$/,
    );
    expect(err.message).not.toContain('topsecret');
  });

  it('refuses a config key inside the file', () => {
    const { argv, files } = withFile('/a.yaml', 'config: /other.yaml\n');
    expect(configErrorOf(argv, {}, files).problems[0]).toEqual(
      expect.objectContaining({ flag: 'config', fix: 'pass --config on the command line' }),
    );
  });
});
