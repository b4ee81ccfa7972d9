import { describe, expect, it } from '@jest/globals';
import { AuthgateError } from '../../../src/errors.js';
import { compileTrustedProxies, firstUntrustedClientIp } from '../../../src/http/trustedProxy.js';

describe('compileTrustedProxies', () => {
  const isTrusted = compileTrustedProxies([
    '10.0.0.0/8',
    '192.168.1.7',
    '2001:db8::/32',
    '::1',
    ' 172.16.0.0/12 ',
  ]);
  it.each([
    ['10.1.2.3', true],
    ['10.255.255.255', true],
    ['11.0.0.1', false],
    ['192.168.1.7', true],
    ['192.168.1.8', false],
    ['172.20.0.1', true],
    ['172.32.0.1', false],
    ['::ffff:10.1.2.3', true],
    ['::FFFF:192.168.1.7', true],
    ['::ffff:11.0.0.1', false],
    ['2001:db8::1', true],
    ['2001:db8:ffff::1', true],
    ['2001:db9::1', false],
    ['::1', true],
    ['fe80::1%eth0', false],
    ['127.0.0.1', false],
    ['', false],
    ['not-an-ip', false],
    ['10.1.2.3:443', false],
  ])('%j -> %s', (ip, expected) => {
    expect(isTrusted(ip)).toBe(expected);
  });

  it('matches an IPv6 peer with a zone id against its address', () => {
    expect(compileTrustedProxies(['fe80::/10'])('fe80::1%eth0')).toBe(true);
  });

  it('an empty list trusts every peer', () => {
    const all = compileTrustedProxies([]);
    expect(all('203.0.113.9')).toBe(true);
    expect(all('2001:db8::9')).toBe(true);
  });

  it.each([
    '10.0.0.0/33',
    '::/129',
    '10.0.0.0/',
    '10.0.0.0/8/8',
    '10.0.0',
    'example.com',
    '',
    '10.0.0.0/-1',
    'fe80::1%eth0',
  ])('refuses %j with ERR_TRUSTED_PROXY', (entry) => {
    let error: unknown;
    try {
      compileTrustedProxies([entry]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AuthgateError);
    expect((error as AuthgateError).code).toBe('ERR_TRUSTED_PROXY');
  });
});

describe('firstUntrustedClientIp', () => {
  const isTrusted = compileTrustedProxies(['10.0.0.0/8', '2001:db8::/32']);
  it.each([
    ['203.0.113.5', '203.0.113.5'],
    ['203.0.113.5, 10.0.0.2', '203.0.113.5'],
    ['203.0.113.5,10.0.0.2,10.0.0.3', '203.0.113.5'],
    // the client wrote the leftmost entries: the rightmost untrusted one wins
    ['1.1.1.1, 203.0.113.5, 10.0.0.2', '203.0.113.5'],
    ['10.9.9.9, 203.0.113.5, 10.0.0.2', '203.0.113.5'],
    ['spoofed, 203.0.113.5, 10.0.0.2', '203.0.113.5'],
    // every hop trusted: the leftmost is the client
    ['10.0.0.9, 10.0.0.2', '10.0.0.9'],
    // ports and brackets, IPv4-mapped and IPv6 entries
    ['203.0.113.5:51234, 10.0.0.2', '203.0.113.5'],
    ['[2001:db9::7]:443, 10.0.0.2', '2001:db9::7'],
    ['2001:db9::7, 2001:db8::1', '2001:db9::7'],
    ['::ffff:203.0.113.5, 10.0.0.2', '203.0.113.5'],
    ['::ffff:10.0.0.3, 203.0.113.5', '203.0.113.5'],
    // nothing usable
    ['', null],
    [' , ', null],
    ['203.0.113.5, garbage, 10.0.0.2', null],
    ['unknown', null],
  ])('%j -> %j', (header, expected) => {
    expect(firstUntrustedClientIp(header, isTrusted)).toBe(expected);
  });

  it('with trust-all the leftmost entry is the client', () => {
    expect(firstUntrustedClientIp('198.51.100.1, 203.0.113.5', compileTrustedProxies([]))).toBe(
      '198.51.100.1',
    );
  });
});
