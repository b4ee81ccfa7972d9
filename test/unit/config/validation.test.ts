import { describe, expect, it } from '@jest/globals';
import { formatConfigError } from '../../../src/config/load.js';
import {
  CLIENT_SECRET,
  COOKIE_SECRET,
  configErrorOf,
  optionsOf,
  problemsOf,
  VALID_ARGV,
  validArgvWithout,
} from './configFixtures.js';

describe('each problem on its own', () => {
  // [what, argv, the one expected problem's flag, a piece of its message]
  it.each([
    ['unknown flag', [...VALID_ARGV, '--cookie-secure-x'], '--cookie-secure-x', 'is not a known flag'],
    [
      'oauth2-proxy flag authgate lacks',
      [...VALID_ARGV, '--keycloak-group=admins'],
      '--keycloak-group',
      'does not implement',
    ],
    ['missing client-id', validArgvWithout('client-id'), '--client-id', 'is missing'],
    [
      'missing client secret',
      validArgvWithout('client-secret'),
      '--client-secret',
      'neither --client-secret',
    ],
    [
      'missing issuer (oidc)',
      validArgvWithout('oidc-issuer-url'),
      '--oidc-issuer-url',
      'required for --provider=oidc',
    ],
    [
      'issuer not http(s)',
      [...VALID_ARGV, '--oidc-issuer-url=dex.example.com'],
      '--oidc-issuer-url',
      'not an absolute',
    ],
    [
      'unknown provider',
      [...VALID_ARGV, '--provider=keycloak'],
      '--provider',
      'is not one of oidc, github, google',
    ],
    [
      'relative redirect-url',
      [...VALID_ARGV, '--redirect-url=/oauth2/callback'],
      '--redirect-url',
      'not an absolute',
    ],
    [
      'ftp redirect-url',
      [...VALID_ARGV, '--redirect-url=ftp://h/cb'],
      '--redirect-url',
      'not an absolute http(s)',
    ],
    ['upstream not absolute', [...VALID_ARGV, '--upstream=dashboard'], '--upstream', 'not an absolute URL'],
    ['nobody may enter', validArgvWithout('email-domain'), '--email-domain', 'no one may sign in'],
    [
      'bad samesite',
      [...VALID_ARGV, '--cookie-samesite=sometimes'],
      '--cookie-samesite',
      'lax, strict, none, ""',
    ],
    [
      'samesite=none, not secure',
      [...VALID_ARGV, '--cookie-samesite=none', '--cookie-secure=false'],
      '--cookie-samesite',
      'requires --cookie-secure',
    ],
    [
      'bad PKCE method',
      [...VALID_ARGV, '--code-challenge-method=S512'],
      '--code-challenge-method',
      'is not one of S256, plain',
    ],
    [
      'bad skip-auth-route regex',
      [...VALID_ARGV, '--skip-auth-route=GET=^/(a'],
      '--skip-auth-route',
      'not a valid regular expression',
    ],
    [
      'bad api-route regex',
      [...VALID_ARGV, '--api-route=[z-a]'],
      '--api-route',
      'not a valid regular expression',
    ],
    [
      'bad skip-auth-regex',
      [...VALID_ARGV, '--skip-auth-regex=*x'],
      '--skip-auth-regex',
      'not a valid regular expression',
    ],
    [
      'empty skip-auth regex',
      [...VALID_ARGV, '--skip-auth-route=GET='],
      '--skip-auth-route',
      'matches every path',
    ],
    [
      'http-address without port',
      [...VALID_ARGV, '--http-address=localhost'],
      '--http-address',
      'is not host:port',
    ],
    [
      'http-address port too big',
      [...VALID_ARGV, '--http-address=:70000'],
      '--http-address',
      'is not host:port',
    ],
    [
      'trusted-proxy-ip not an IP',
      [...VALID_ARGV, '--trusted-proxy-ip=10.0.0.0/33'],
      '--trusted-proxy-ip',
      'not an IP address or CIDR',
    ],
    [
      'trusted-proxy-ip hostname',
      [...VALID_ARGV, '--trusted-proxy-ip=ingress.local'],
      '--trusted-proxy-ip',
      'not an IP',
    ],
    ['cookie-name with a space', [...VALID_ARGV, '--cookie-name=my cookie'], '--cookie-name', 'cannot have'],
    ['cookie-name with ;', [...VALID_ARGV, '--cookie-name=a;b'], '--cookie-name', 'cannot have'],
    [
      'proxy-prefix without /',
      [...VALID_ARGV, '--proxy-prefix=oauth2'],
      '--proxy-prefix',
      'must start with /',
    ],
    [
      'proxy-prefix ending in /',
      [...VALID_ARGV, '--proxy-prefix=/oauth2/'],
      '--proxy-prefix',
      'not end with /',
    ],
    ['ping-path without /', [...VALID_ARGV, '--ping-path=ping'], '--ping-path', 'does not start with /'],
    ['bad log level', [...VALID_ARGV, '--log-level=verbose'], '--log-level', 'is not one of trace'],
    [
      'bad session store',
      [...VALID_ARGV, '--session-store-type=memcached'],
      '--session-store-type',
      'cookie, redis',
    ],
    [
      'bad header name',
      [...VALID_ARGV, '--pass-id-token-header=X Id Token'],
      '--pass-id-token-header',
      'not a valid header name',
    ],
    [
      'whitelist-domain as URL',
      [...VALID_ARGV, '--whitelist-domain=https://a.example/'],
      '--whitelist-domain',
      'is a URL',
    ],
    ['zero timeout', [...VALID_ARGV, '--upstream-timeout=0s'], '--upstream-timeout', 'longer than 0'],
  ])('%s', (_what, argv, flag, message) => {
    const problems = problemsOf(argv);
    expect(problems).toEqual([{ flag, message: expect.stringContaining(message), fix: expect.any(String) }]);
    expect(problems[0]?.fix.length).toBeGreaterThan(5);
  });

  it('--skip-oidc-discovery needs the three endpoint URLs', () => {
    const problems = problemsOf([...VALID_ARGV, '--skip-oidc-discovery', '--login-url=https://dex/auth']);
    expect(problems.map((p) => p.flag)).toEqual(['--redeem-url', '--oidc-jwks-url']);
    const ok = optionsOf([
      ...VALID_ARGV,
      '--skip-oidc-discovery',
      '--login-url=https://dex/auth',
      '--redeem-url=https://dex/token',
      '--oidc-jwks-url=https://dex/keys',
    ]);
    expect([ok.loginUrl, ok.redeemUrl, ok.oidcJwksUrl]).toEqual([
      'https://dex/auth',
      'https://dex/token',
      'https://dex/keys',
    ]);
  });

  it('reads the client secret from --client-secret-file; unreadable and empty files are problems', () => {
    const argv = [...validArgvWithout('client-secret'), '--client-secret-file=/s/client'];
    expect(optionsOf(argv, {}, { '/s/client': `${CLIENT_SECRET}\n` }).clientSecret).toBe(CLIENT_SECRET);
    expect(problemsOf(argv)).toEqual([
      { flag: '--client-secret-file', message: 'cannot read /s/client (ENOENT)', fix: expect.any(String) },
    ]);
    expect(problemsOf(argv, {}, { '/s/client': '\n' })[0]?.message).toBe('/s/client is empty');
  });
});

describe('values that are accepted and normalized', () => {
  it('http-address forms', () => {
    expect(optionsOf([...VALID_ARGV, '--http-address=:4180']).httpAddress).toEqual({
      host: '0.0.0.0',
      port: 4180,
    });
    expect(optionsOf([...VALID_ARGV, '--http-address=[::1]:8080']).httpAddress).toEqual({
      host: '::1',
      port: 8080,
    });
    expect(optionsOf([...VALID_ARGV, '--http-address=http://0.0.0.0:80']).httpAddress).toEqual({
      host: '0.0.0.0',
      port: 80,
    });
    expect(optionsOf(VALID_ARGV).httpAddress).toEqual({ host: '127.0.0.1', port: 4180 });
  });

  it('code-challenge-method: none and "" turn PKCE off; case of S256 is forgiven', () => {
    expect(optionsOf([...VALID_ARGV, '--code-challenge-method=none']).codeChallengeMethod).toBe('');
    expect(optionsOf([...VALID_ARGV, '--code-challenge-method=']).codeChallengeMethod).toBe('');
    expect(optionsOf([...VALID_ARGV, '--code-challenge-method=s256']).codeChallengeMethod).toBe('S256');
    expect(optionsOf([...VALID_ARGV, '--code-challenge-method=plain']).codeChallengeMethod).toBe('plain');
    expect(optionsOf(VALID_ARGV).codeChallengeMethod).toBe('S256');
  });

  it('redirect-url becomes a URL; unset it is null', () => {
    expect(
      optionsOf([...VALID_ARGV, '--redirect-url=https://d.example/oauth2/callback']).redirectUrl?.href,
    ).toBe('https://d.example/oauth2/callback');
    expect(optionsOf(VALID_ARGV).redirectUrl).toBeNull();
  });

  it('fills the display name from the provider when empty', () => {
    expect(optionsOf(VALID_ARGV).providerDisplayName).toBe('OpenID Connect');
    const github = optionsOf([...validArgvWithout('oidc-issuer-url'), '--provider=github']);
    expect([github.provider, github.providerDisplayName]).toEqual(['github', 'GitHub']);
    expect(optionsOf([...VALID_ARGV, '--provider=google']).providerDisplayName).toBe('Google');
    expect(optionsOf([...VALID_ARGV, '--provider-display-name=Dex']).providerDisplayName).toBe('Dex');
  });

  it('an authenticated-emails-file alone lets people in', () => {
    const options = optionsOf([...validArgvWithout('email-domain'), '--authenticated-emails-file=/e/list']);
    expect([options.emailDomains, options.authenticatedEmailsFile]).toEqual([[], '/e/list']);
  });

  it('samesite=none with secure cookies, and IPv6 CIDRs', () => {
    const options = optionsOf([...VALID_ARGV, '--cookie-samesite=None', '--trusted-proxy-ip=fd00::/8,::1']);
    expect(options.cookieSameSite).toBe('none');
    expect(options.trustedProxyIps).toEqual(['fd00::/8', '::1']);
  });
});

describe('several problems at once', () => {
  it('lists every problem, in one ConfigError with a readable message', () => {
    const err = configErrorOf([
      '--cookie-secert=x',
      '--cookie-samesite=sometimes',
      '--upstream=ftp://files/',
      '--proxy-prefix=/oauth2/',
      '--cookie-expire=forever',
    ]);
    expect(err.code).toBe('ERR_CONFIG');
    expect(err.problems.map((p) => p.flag).sort()).toEqual(
      [
        '--client-id',
        '--client-secret',
        '--cookie-expire',
        '--cookie-samesite',
        '--cookie-secert',
        '--cookie-secret',
        '--email-domain',
        '--oidc-issuer-url',
        '--proxy-prefix',
        '--upstream',
      ].sort(),
    );
    const lines = err.message.split('\n');
    expect(lines[0]).toBe('the configuration has 10 problems:');
    expect(lines).toHaveLength(11);
    expect(lines[1]).toBe('- --cookie-secert: is not a known flag (fix: did you mean --cookie-secret?)');
  });

  it('formatConfigError: a header, then flag, problem and fix for each', () => {
    const text = formatConfigError(configErrorOf([...VALID_ARGV, '--log-level=loud', '--cookie-path=x']));
    expect(text).toBe(
      [
        'authgate: the configuration has 2 problems:',
        '',
        '  --cookie-path',
        '    problem: "x" does not start with /',
        '    fix:     e.g. /x',
        '',
        '  --log-level',
        '    problem: "loud" is not one of trace, debug, info, warn, error, fatal, silent',
        '    fix:     set --log-level to one of trace, debug, info, warn, error, fatal, silent',
        '',
      ].join('\n'),
    );
  });
});

describe('closest-name suggestions', () => {
  it.each([
    ['--upstreams=http://a/', 'did you mean --upstream?'],
    ['--cookie-secert=abc', 'did you mean --cookie-secret?'],
    ['--emaildomain=a.example', 'did you mean --email-domain?'],
    ['--skip-auth-routes=^/a', 'did you mean --skip-auth-route?'],
    ['--totally-unrelated-thing=1', 'see authgate --help for the known flags'],
  ])('%s -> %s', (arg, fix) => {
    expect(problemsOf([...VALID_ARGV, arg])).toEqual([
      { flag: arg.split('=')[0], message: 'is not a known flag', fix },
    ]);
  });
});

describe('secret values never appear in problem text', () => {
  const shortCookieSecret = 'tiny-cookie-s3cret';
  const unknownFlagSecret = 'value-of-a-typo-flag-9f8e';

  it('holds for bad secrets, typos carrying secrets and stray arguments', () => {
    const err = configErrorOf(
      [
        ...validArgvWithout('cookie-secret', 'client-id'),
        `--cookie-secret=${shortCookieSecret}`,
        `--clent-secret=${unknownFlagSecret}`,
        '--clent-secret',
        `${unknownFlagSecret}-2`,
        '--cookie-samesite=bogus',
      ],
      { AUTHGATE_COOKIE_SECRET_FILEE: 'x', OAUTH2_PROXY_CLIENT_SECRET: CLIENT_SECRET },
    );
    expect(err.problems.length).toBeGreaterThanOrEqual(4);
    const everything = [err.message, formatConfigError(err), JSON.stringify(err.problems)].join('\n');
    for (const secret of [shortCookieSecret, unknownFlagSecret, CLIENT_SECRET, COOKIE_SECRET]) {
      expect(everything).not.toContain(secret);
    }
  });

  it('holds for a secret of the wrong type in a config file', () => {
    const err = configErrorOf(
      [...validArgvWithout('cookie-secret'), '--config=/a.yaml'],
      {},
      {
        '/a.yaml': 'cookie-secret: [123456789012345678901234567890]\n',
      },
    );
    expect(err.problems).toEqual([
      expect.objectContaining({
        flag: '--cookie-secret',
        message: 'must be a string (set by cookie-secret in /a.yaml)',
      }),
    ]);
    expect(err.message).not.toContain('1234567890');
  });
});
