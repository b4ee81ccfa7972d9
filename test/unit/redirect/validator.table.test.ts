import { describe, expect, it } from '@jest/globals';
import { MAX_REDIRECT_LENGTH, pickRedirect, validateRedirect } from '../../../src/redirect/validator.js';
import { parseWhitelistDomains } from '../../../src/redirect/whitelist.js';

const ctx = {
  whitelist: parseWhitelistDomains([
    '.example.com',
    'exact.test',
    'dash.other.test:8443',
    'anyport.test:*',
    '*.wild.test',
    'bücher.example',
    'ported.test:443',
  ]),
  ownHost: 'proxy.own.test',
};

type Row = readonly [input: string, expected: string | null];

const good: Row[] = [
  ['/', '/'],
  ['/path', '/path'],
  ['/path?x=1#frag', '/path?x=1#frag'],
  ['/a/b/c?x=1&y=2', '/a/b/c?x=1&y=2'],
  ['/a%2Fb', '/a%2Fb'],
  ['/café', '/caf%C3%A9'],
  ['/\uFF0Fevil.com', '/%EF%BC%8Fevil.com'],
  ['/?', '/'],
  ['/#', '/'],
  ['/@evil.com', '/@evil.com'],
  ['/evil.com', '/evil.com'],
  ['/.', '/'],
  ['/./x', '/x'],
  ['/../x', '/x'],
  ['/a/../b', '/b'],
  ['/./evil.com', '/evil.com'],
  ['/../evil.com', '/evil.com'],
  ['/x?next=//evil.com', '/x?next=//evil.com'],
  ['/x?next=%2F%2Fevil.com', '/x?next=%2F%2Fevil.com'],
  ['/x#//evil.com', '/x#//evil.com'],
  ['/a//evil.com', '/a//evil.com'],
  ['https://example.com/', 'https://example.com/'],
  ['https://example.com', 'https://example.com/'],
  ['https://app.example.com/x?y=1#z', 'https://app.example.com/x?y=1#z'],
  ['https://a.b.example.com/', 'https://a.b.example.com/'],
  ['HTTPS://APP.EXAMPLE.COM/Path', 'https://app.example.com/Path'],
  ['HtTpS://app.example.com/', 'https://app.example.com/'],
  ['http://app.example.com/', 'http://app.example.com/'],
  ['https://app.example.com:443/', 'https://app.example.com/'],
  ['http://app.example.com:80/', 'http://app.example.com/'],
  ['https://app.example.com:/', 'https://app.example.com/'],
  ['https://app.example.com//evil.com', 'https://app.example.com//evil.com'],
  ['https://exact.test/', 'https://exact.test/'],
  ['https://dash.other.test:8443/', 'https://dash.other.test:8443/'],
  ['https://dash.other.test:08443/', 'https://dash.other.test:8443/'],
  ['https://anyport.test:1234/', 'https://anyport.test:1234/'],
  ['https://anyport.test/', 'https://anyport.test/'],
  ['https://x.wild.test/', 'https://x.wild.test/'],
  ['https://wild.test/', 'https://wild.test/'],
  ['https://xn--bcher-kva.example/', 'https://xn--bcher-kva.example/'],
  ['https://ported.test/', 'https://ported.test/'],
  ['https://ported.test:443/', 'https://ported.test/'],
  ['https://proxy.own.test/x', 'https://proxy.own.test/x'],
  ['http://proxy.own.test/x', 'http://proxy.own.test/x'],
  ['/' + 'a'.repeat(MAX_REDIRECT_LENGTH - 1), '/' + 'a'.repeat(MAX_REDIRECT_LENGTH - 1)],
];

const ports: Row[] = [
  ['https://app.example.com:8443/', null],
  ['http://app.example.com:443/', null],
  ['https://app.example.com:80/', null],
  ['https://app.example.com:0/', null],
  ['https://app.example.com:65536/', null],
  ['https://app.example.com:abc/', null],
  ['https://app.example.com:443:443/', null],
  ['https://sub.exact.test/', null],
  ['https://dash.other.test/', null],
  ['https://dash.other.test:8444/', null],
  ['https://other.test:8443/', null],
  ['https://sub.anyport.test:1/', null],
  ['http://ported.test/', null],
  ['https://ported.test:8443/', null],
  ['https://proxy.own.test:8443/', null],
];

const suffixes: Row[] = [
  ['https://badexample.com/', null],
  ['https://evilexample.com/', null],
  ['https://example.com.evil.com/', null],
  ['https://app.example.com.evil.com/', null],
  ['https://example.co/', null],
  ['https://example.com.', null],
  ['https://example.com./', null],
  ['https://app.example.com./', null],
  ['https://exact.test./', null],
  ['https://xexact.test/', null],
  ['https://exact.test.evil/', null],
  ['https://.example.com/', null],
  ['https://a..example.com/', null],
  ['https://notwild.test/', null],
  ['https://proxy.own.test.evil.com/', null],
  ['https://evil.com/', null],
  ['http://evil.com/', null],
];

const hashAndQuery: Row[] = [
  ['https://evil.com#.example.com', null],
  ['https://evil.com?.example.com', null],
  ['https://evil.com/.example.com', null],
  ['https://evil.com\\.example.com', null],
  ['https://evil.com%23.example.com', null],
  ['https://evil.com%3F.example.com', null],
  ['https://evil.com%2F.example.com', null],
  ['https://evil.com%2e.example.com', null],
  ['https://evil.com;.example.com', null],
  ['https://evil.com&.example.com', null],
  ['https://evil.com~.example.com', null],
  ['https://evil.com#@app.example.com', null],
  ['https://evil.com?@app.example.com', null],
];

const userinfo: Row[] = [
  ['https://example.com@evil.com', null],
  ['https://app.example.com@evil.com/', null],
  ['https://user:pw@app.example.com/', null],
  ['https://user@app.example.com/', null],
  ['https://@app.example.com/', null],
  ['https://:@app.example.com/', null],
  ['https://app.example.com:443@evil.com/', null],
  ['https://evil.com%40app.example.com/', null],
  ['https://app.example.com%40evil.com/', null],
  ['https://app.example.com%2540evil.com/', null],
  ['//app.example.com@evil.com', null],
];

const schemes: Row[] = [
  ['javascript:alert(1)', null],
  ['JavaScript://app.example.com/%0aalert(1)', null],
  ['javascript://%0aalert(1)', null],
  ['data:text/html,<script>alert(1)</script>', null],
  ['vbscript:msgbox(1)', null],
  ['file:///etc/passwd', null],
  ['ftp://app.example.com/', null],
  ['ws://app.example.com/', null],
  ['wss://app.example.com/', null],
  ['blob:https://app.example.com/uuid', null],
  ['httpx://app.example.com/', null],
  ['https:app.example.com', null],
  ['https:evil.com', null],
  ['https:/evil.com', null],
  ['https:///evil.com', null],
  ['https:////evil.com', null],
  ['http:/\\evil.com', null],
  ['https//evil.com', null],
  ['://evil.com', null],
  ['evil.com', null],
  ['app.example.com/x', null],
  ['?x=1', null],
  ['#x', null],
  ['', null],
];

const slashes: Row[] = [
  ['//evil.com', null],
  ['///evil.com', null],
  ['////evil.com', null],
  ['//evil.com/path', null],
  ['/\\evil.com', null],
  ['\\/evil.com', null],
  ['\\\\evil.com', null],
  ['/\\/evil.com', null],
  ['\\evil.com', null],
  ['/%2F/evil.com', null],
  ['/%2f/evil.com', null],
  ['/%2Fevil.com', null],
  ['/%2F%2Fevil.com', null],
  ['/%5Cevil.com', null],
  ['/%5cevil.com', null],
  ['/%5C%5Cevil.com', null],
  ['/%252F/evil.com', null],
  ['/%252f%252fevil.com', null],
  ['/%25252F/evil.com', null],
  ['/%255Cevil.com', null],
  ['/%25255cevil.com', null],
  ['%2F%2Fevil.com', null],
  ['%2F/evil.com', null],
  ['/.//evil.com', null],
  ['/..//evil.com', null],
  ['/a/..//evil.com', null],
  ['/a/b/../../..//evil.com', null],
  ['/%2e%2e//evil.com', null],
  ['/%2e//evil.com', null],
  ['/.%2F/evil.com', null],
  ['/.%2F%2Fevil.com', null],
  ['/%2e%2e%2F%2Fevil.com', null],
  ['/./%2Fevil.com', null],
  ['/%2e%252f%252fevil.com', null],
];

const controls: Row[] = [
  ['/\t/evil.com', null],
  ['/\n/evil.com', null],
  ['/\r/evil.com', null],
  ['/\0/evil.com', null],
  ['/ /evil.com', null],
  ['/\t\t/evil.com', null],
  ['/\u00a0/evil.com', null],
  ['/\u2028/evil.com', null],
  ['/\u2029/evil.com', null],
  ['/\u3000/evil.com', null],
  ['/\ufeff/evil.com', null],
  ['/\u200b/evil.com', null],
  ['/\u00ad/evil.com', null],
  ['/\u202e/evil.com', null],
  ['/\x7f/evil.com', null],
  ['/\x85/evil.com', null],
  ['\t//evil.com', null],
  [' /path', null],
  ['/path ', null],
  ['/path\n', null],
  ['/pa\tth', null],
  ['https://app.example.com/\n', null],
  ['https://app.example.com\t.evil.com/', null],
  ['https://evil.com\n.example.com/', null],
  ['/%09/evil.com', null],
  ['/%0a/evil.com', null],
  ['/%0D/evil.com', null],
  ['/%00/evil.com', null],
  ['/%20/evil.com', null],
  ['/%09%09/evil.com', null],
  ['/%2509/evil.com', null],
  ['/%250A/evil.com', null],
  ['/%C2%A0/evil.com', null],
  ['/%E2%80%A8/evil.com', null],
  ['/%E3%80%80/evil.com', null],
];

const unicode: Row[] = [
  ['https://ｅxample.com/', null],
  ['https://app.ｅxample.com/', null],
  ['https://еxample.com/', null],
  ['https://app.еxample.com/', null],
  ['https://xn--xample-2of.com/', null],
  ['https://bücher.example/', null],
  ['https://BÜCHER.example/', null],
  ['https://app.example.com\uFF0Fevil.com', null],
  ['https://evil.com\uFF03.example.com', null],
  ['https://example.com\u2215evil.com', null],
  ['https://app.example\u3002com/', null],
  ['https://app.example\uFF0Ecom/', null],
  ['https://exa\u00admple.com/', null],
  ['https://ℯxample.com/', null],
  ['https://app.example.com\u200b/', null],
];

const addresses: Row[] = [
  ['https://[::1]/', null],
  ['https://[::ffff:127.0.0.1]/', null],
  ['http://[2001:db8::1]:8080/', null],
  ['https://[::ffff:7f00:1]/', null],
  ['https://127.0.0.1/', null],
  ['https://2130706433/', null],
  ['https://0x7f.0.0.1/', null],
  ['https://0177.0.0.1/', null],
];

const lengths: Row[] = [
  ['/' + 'a'.repeat(MAX_REDIRECT_LENGTH), null],
  ['https://app.example.com/' + 'a'.repeat(MAX_REDIRECT_LENGTH), null],
];

const families: Record<string, Row[]> = {
  'good targets': good,
  ports,
  'suffixes without a dot boundary, trailing dots, foreign hosts': suffixes,
  '# and ? tricks': hashAndQuery,
  userinfo,
  'schemes and scheme-relative forms': schemes,
  'slashes, backslashes and their encodings': slashes,
  'control characters and whitespace': controls,
  'IDN, full-width and lookalike hosts': unicode,
  'IP literals': addresses,
  'maximum length': lengths,
};

describe('validateRedirect table', () => {
  it('covers at least 150 rows', () => {
    expect(Object.values(families).flat().length).toBeGreaterThanOrEqual(150);
  });

  for (const [family, rows] of Object.entries(families)) {
    describe(family, () => {
      it.each(rows)('%j -> %j', (input, expected) => {
        expect(validateRedirect(input, ctx)).toBe(expected);
      });
    });
  }

  it('is idempotent: every accepted result validates to itself', () => {
    for (const [input] of good) {
      const once = validateRedirect(input, ctx);
      expect(once).not.toBeNull();
      expect(validateRedirect(once as string, ctx)).toBe(once);
    }
  });

  it('without ownHost, the own host is just another host', () => {
    expect(validateRedirect('https://proxy.own.test/x', { whitelist: ctx.whitelist })).toBeNull();
    expect(validateRedirect('/x', { whitelist: [] })).toBe('/x');
  });

  it('accepts ownHost spelled with the default port, only for the matching scheme', () => {
    const own = { whitelist: [], ownHost: 'proxy.own.test:443' };
    expect(validateRedirect('https://proxy.own.test/a', own)).toBe('https://proxy.own.test/a');
    expect(validateRedirect('http://proxy.own.test/a', own)).toBeNull();
    expect(
      validateRedirect('https://proxy.own.test:4180/a', { whitelist: [], ownHost: 'proxy.own.test:4180' }),
    ).toBe('https://proxy.own.test:4180/a');
  });

  it('ignores an ownHost that is not a plain host[:port]', () => {
    expect(validateRedirect('https://evil.com/', { whitelist: [], ownHost: 'evil.com/' })).toBeNull();
    expect(validateRedirect('https://a.evil.com/', { whitelist: [], ownHost: 'x@a.evil.com' })).toBeNull();
  });
});

describe('pickRedirect', () => {
  it('returns the first valid candidate', () => {
    expect(pickRedirect(['//evil.com', undefined, 'https://app.example.com/a', '/b'], ctx)).toBe(
      'https://app.example.com/a',
    );
  });
  it('skips undefined and invalid candidates in order', () => {
    expect(pickRedirect([undefined, 'javascript:alert(1)', '/ok'], ctx)).toBe('/ok');
  });
  it("falls back to '/' when nothing validates", () => {
    expect(pickRedirect(['//evil.com', '/\\evil.com', undefined], ctx)).toBe('/');
    expect(pickRedirect([], ctx)).toBe('/');
  });
});
