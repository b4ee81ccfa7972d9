import { describe, expect, it } from '@jest/globals';
import { parseArgv } from '../../../src/config/argv.js';
import { configErrorOf, optionsOf, VALID_ARGV } from './configFixtures.js';

describe('parseArgv', () => {
  it('takes --name=value and --name value', () => {
    const { settings, problems } = parseArgv(['--client-id=a', '--scope', 'openid email']);
    expect(problems).toEqual([]);
    expect(settings.get('client-id')?.value).toBe('a');
    expect(settings.get('scope')?.value).toBe('openid email');
  });

  it('keeps everything after the first = as the value', () => {
    expect(parseArgv(['--skip-auth-route=GET=^/a=b']).settings.get('skip-auth-route')?.value).toEqual([
      'GET=^/a=b',
    ]);
  });

  it('recognises the meta flags', () => {
    expect(parseArgv(['--config', '/etc/a.cfg', '--config-test']).meta).toEqual({
      help: false,
      version: false,
      configTest: true,
      config: '/etc/a.cfg',
    });
    expect(parseArgv(['-h']).meta.help).toBe(true);
    expect(parseArgv(['--version']).meta.version).toBe(true);
  });

  it('reports a flag whose value is missing at the end or followed by another flag', () => {
    expect(parseArgv(['--client-id']).problems.map((p) => p.flag)).toEqual(['--client-id']);
    const { problems, settings } = parseArgv(['--client-id', '--scope=x']);
    expect(problems.map((p) => p.message)).toEqual(['needs a value']);
    expect(settings.get('scope')?.value).toBe('x');
  });
});

describe('flags in the loader', () => {
  it('bool flags: bare means true, =false and =true are read', () => {
    const options = optionsOf([
      ...VALID_ARGV,
      '--reverse-proxy',
      '--cookie-secure=false',
      '--pass-host-header=0',
    ]);
    expect(options.reverseProxy).toBe(true);
    expect(options.cookieSecure).toBe(false);
    expect(options.passHostHeader).toBe(false);
  });

  it('a bool flag does not take the next argument; the error says how to write it', () => {
    const err = configErrorOf([...VALID_ARGV, '--reverse-proxy', 'false']);
    expect(err.problems).toEqual([
      {
        flag: '--reverse-proxy',
        message: 'is a true/false flag and does not take the next argument "false"',
        fix: 'write --reverse-proxy=false',
      },
    ]);
  });

  it('an invalid bool value is a problem', () => {
    const err = configErrorOf([...VALID_ARGV, '--cookie-httponly=maybe']);
    expect(err.problems.map((p) => [p.flag, p.message])).toEqual([
      ['--cookie-httponly', '"maybe" is not true or false'],
    ]);
  });

  it('repeatable list flags accumulate in order', () => {
    const options = optionsOf([
      ...VALID_ARGV,
      '--allowed-group=a',
      '--allowed-group',
      'b',
      '--api-route=^/api/',
      '--api-route=^/v2/',
    ]);
    expect(options.allowedGroups).toEqual(['a', 'b']);
    expect(options.apiRoutes).toEqual(['^/api/', '^/v2/']);
  });

  it('comma-separated values are split where oauth2-proxy allows it', () => {
    const options = optionsOf([
      ...VALID_ARGV,
      '--email-domain=example.org, example.net',
      '--whitelist-domain=.example.com,example.org:8443',
      '--cookie-domain=.a.example,.example',
      '--allowed-group=x,y',
      '--trusted-proxy-ip=10.0.0.0/8,192.0.2.1',
    ]);
    expect(options.emailDomains).toEqual(['example.com', 'example.org', 'example.net']);
    expect(options.whitelistDomains).toEqual(['.example.com', 'example.org:8443']);
    expect(options.cookieDomains).toEqual(['.a.example', '.example']);
    expect(options.allowedGroups).toEqual(['x', 'y']);
    expect(options.trustedProxyIps).toEqual(['10.0.0.0/8', '192.0.2.1']);
  });

  it('regex-valued lists are never split on commas', () => {
    const options = optionsOf([...VALID_ARGV, '--skip-auth-route=^/a{1,3}$', '--api-route=^/(x|y){2,}']);
    expect(options.skipAuthRoutes).toEqual([{ method: null, negateMethod: false, pattern: '^/a{1,3}$' }]);
    expect(options.apiRoutes).toEqual(['^/(x|y){2,}']);
  });

  it('a repeated scalar flag keeps the last value (as pflag)', () => {
    expect(optionsOf([...VALID_ARGV, '--cookie-name=a', '--cookie-name=b']).cookieName).toBe('b');
  });

  it('a stray argument is reported by position, without echoing it (it may be a secret)', () => {
    const err = configErrorOf([...VALID_ARGV, 'hunter2-secret']);
    expect(err.problems).toEqual([expect.objectContaining({ flag: 'argument 6' })]);
    expect(err.message).not.toContain('hunter2');
  });
});
