import { describe, expect, it } from '@jest/globals';
import { AuthgateError } from '../../../src/errors.js';
import { matchesWhitelist, parseWhitelistDomains } from '../../../src/redirect/whitelist.js';

describe('parseWhitelistDomains', () => {
  it.each([
    ['example.com', { host: 'example.com', subdomains: false, port: null }],
    ['  Example.COM  ', { host: 'example.com', subdomains: false, port: null }],
    ['.example.com', { host: 'example.com', subdomains: true, port: null }],
    ['*.example.com', { host: 'example.com', subdomains: true, port: null }],
    ['dash.example.com:8443', { host: 'dash.example.com', subdomains: false, port: '8443' }],
    ['dash.example.com:08443', { host: 'dash.example.com', subdomains: false, port: '8443' }],
    ['host:*', { host: 'host', subdomains: false, port: '*' }],
    ['.example.com:*', { host: 'example.com', subdomains: true, port: '*' }],
    ['bücher.example', { host: 'xn--bcher-kva.example', subdomains: false, port: null }],
    ['127.0.0.1:8080', { host: '127.0.0.1', subdomains: false, port: '8080' }],
  ])('%j parses', (entry, expected) => {
    expect(parseWhitelistDomains([entry])).toEqual([expected]);
  });

  it.each([
    '',
    '   ',
    '.',
    '*.',
    '*',
    '*example.com',
    'a.*.example.com',
    '**.example.com',
    'example.com.',
    '.example.com.',
    'example.com:',
    'example.com:0',
    'example.com:65536',
    'example.com:http',
    'example.com:80:80',
    'https://example.com',
    'example.com/path',
    'user@example.com',
    'exa mple.com',
    'exa\tmple.com',
    'example.com?x',
    'example.com#x',
    'ex%41mple.com',
    'ex\\ample.com',
    '[::1]',
    '[::1]:443',
    '.1',
    '*.10.0.0.1',
  ])('%j is refused with ERR_WHITELIST_DOMAIN', (entry) => {
    let error: unknown;
    try {
      parseWhitelistDomains(['ok.example.com', entry]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AuthgateError);
    expect((error as AuthgateError).code).toBe('ERR_WHITELIST_DOMAIN');
  });
});

describe('matchesWhitelist', () => {
  const list = parseWhitelistDomains(['.example.com', 'exact.test:8443', 'any.test:*']);
  it.each([
    [{ protocol: 'https:', hostname: 'example.com', port: '' }, true],
    [{ protocol: 'https:', hostname: 'a.example.com', port: '' }, true],
    [{ protocol: 'https:', hostname: 'badexample.com', port: '' }, false],
    [{ protocol: 'https:', hostname: 'a.example.com', port: '8443' }, false],
    [{ protocol: 'https:', hostname: 'exact.test', port: '8443' }, true],
    [{ protocol: 'http:', hostname: 'exact.test', port: '8443' }, true],
    [{ protocol: 'https:', hostname: 'exact.test', port: '' }, false],
    [{ protocol: 'https:', hostname: 'any.test', port: '1' }, true],
    [{ protocol: 'https:', hostname: 'x.any.test', port: '1' }, false],
  ])('%j -> %s', (target, expected) => {
    expect(matchesWhitelist(list, target)).toBe(expected);
  });
  it('an empty whitelist matches nothing', () => {
    expect(matchesWhitelist([], { protocol: 'https:', hostname: 'example.com', port: '' })).toBe(false);
  });
});
