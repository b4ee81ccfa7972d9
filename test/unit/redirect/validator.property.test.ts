import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { validateRedirect } from '../../../src/redirect/validator.js';
import { matchesWhitelist, parseWhitelistDomains } from '../../../src/redirect/whitelist.js';

/**
 * Whatever validateRedirect accepts, a browser on https://<ownHost>/ that follows it stays on ownHost or on a
 * whitelisted host. Candidates are assembled from the fragments every known bypass is made of.
 */
const ownHost = 'proxy.own.test';
const whitelist = parseWhitelistDomains([
  '.example.com',
  'exact.test',
  'dash.other.test:8443',
  'anyport.test:*',
]);
const ctx = { whitelist, ownHost };

const schemes = [
  'https://',
  'http://',
  'HtTpS://',
  'HTTP://',
  'https:',
  'https:/',
  'https:///',
  'https:\\\\',
  'https:/\\',
  '//',
  '///',
  '/',
  '/\\',
  '\\\\',
  '\\/',
  '',
  'javascript:',
  'data:text/html,',
  'ftp://',
  ' https://',
  '\thttps://',
  '/%2F',
  '/%2f/',
  '/%252F/',
  '/%5C',
  '/%255C',
  '/%09/',
  '/%0a/',
  '/./',
  '/../',
  '/.//',
  '/.%2F',
  '/%2e%2e/',
  '\u3000/',
  '/\u00a0/',
  'https\uFF1A//',
  '\uFF0F\uFF0F',
];
const userinfos = ['', '', '', 'user@', 'user:pw@', 'app.example.com@', 'evil.com%40', '@', ':@', 'a%2540'];
const hosts = [
  'app.example.com',
  'example.com',
  'a.b.example.com',
  'EXAMPLE.COM',
  'evil.com',
  'badexample.com',
  'example.com.evil.com',
  'exact.test',
  'sub.exact.test',
  'dash.other.test',
  'anyport.test',
  'proxy.own.test',
  'ｅxample.com',
  'app.ｅxample.com',
  'еxample.com',
  'xn--bcher-kva.example',
  'bücher.example',
  '[::1]',
  '[::ffff:127.0.0.1]',
  '127.0.0.1',
  '2130706433',
  'evil.com#.example.com',
  'evil.com?.example.com',
  'evil.com\\.example.com',
  'evil.com%2F.example.com',
  'example.com.',
  'app.example\u3002com',
  'exa\u00admple.com',
  'evil.com;.example.com',
  '',
  '.example.com',
];
const ports = ['', '', ':443', ':80', ':8443', ':1', ':', ':*', ':0', ':99999', ':443@evil.com'];
const paths = [
  '',
  '/',
  '/x',
  '/x?y=1#z',
  '//evil.com',
  '/\\evil.com',
  '/.//evil.com',
  '?x=//evil.com',
  '#//evil.com',
  '@evil.com',
  '.evil.com',
  '/%2F%2Fevil.com',
  '\\evil.com',
  '/\uFF0Fevil.com',
];
const hostile = [
  '\t',
  '\n',
  '\r',
  '\0',
  ' ',
  '\u00a0',
  '\u2028',
  '\u200b',
  '\ufeff',
  '\\',
  '/',
  '//',
  '%2F',
  '%5C',
  '%09',
  '%25',
  '%2e',
  '@',
  '#',
  '?',
  '.',
  ':',
  '\uFF0E',
  '\u3002',
  '\u00ad',
  'ｅ',
  'е',
  '\x7f',
];

const candidate = fc
  .record({
    scheme: fc.constantFrom(...schemes),
    userinfo: fc.constantFrom(...userinfos),
    host: fc.constantFrom(...hosts),
    port: fc.constantFrom(...ports),
    path: fc.constantFrom(...paths),
    insertions: fc.array(fc.tuple(fc.nat(), fc.constantFrom(...hostile)), { maxLength: 3 }),
  })
  .map(({ scheme, userinfo, host, port, path, insertions }) => {
    let s = scheme + userinfo + host + port + path;
    for (const [at, fragment] of insertions) {
      const i = at % (s.length + 1);
      s = s.slice(0, i) + fragment + s.slice(i);
    }
    return s;
  });

function staysInside(result: string): boolean {
  const resolved = new URL(result, `https://${ownHost}/`);
  if (resolved.protocol !== 'https:' && resolved.protocol !== 'http:') return false;
  if (resolved.username !== '' || resolved.password !== '') return false;
  return resolved.host === ownHost || matchesWhitelist(whitelist, resolved);
}

describe('validateRedirect property: the browser is never sent outside', () => {
  it('holds for 20,000 hostile candidates, and accepted results are fixed points', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(candidate, (input) => {
        const result = validateRedirect(input, ctx);
        if (result === null) {
          refused++;
          return true;
        }
        accepted++;
        return staysInside(result) && validateRedirect(result, ctx) === result;
      }),
      { numRuns: 20000, seed: 20240601 },
    );
    // The generator must exercise both outcomes, or the property proves nothing.
    expect(accepted).toBeGreaterThan(500);
    expect(refused).toBeGreaterThan(5000);
  });

  it('holds for arbitrary strings built from URL punctuation (random seed, 5,000 runs)', () => {
    const alphabet = fc.constantFrom(
      ...['a', 'e', 'x', '.', '/', '\\', ':', '@', '#', '?', '%', '2', 'F', 'C', '5'],
      ...['h', 't', 'p', 's', 'example.com', 'evil.com', '\t', ' ', 'ｅ', '\u3002', '[', ']'],
    );
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 30 }), (chars) => {
        const result = validateRedirect(chars.join(''), ctx);
        return result === null || (staysInside(result) && validateRedirect(result, ctx) === result);
      }),
      { numRuns: 5000 },
    );
  });
});
