/**
 * fast-check generators of redirect targets an attacker would try: built from parts that each defeated some
 * authenticating proxy once (scheme spellings, userinfo, lookalike and IDN hosts, ports, slash and backslash
 * tricks), then mixed up with case changes, single and double percent-encoding, and whitespace or control
 * characters inserted anywhere. Whitelist used by the tests: `.allowed.test:*`.
 */
import fc from 'fast-check';

export const HOSTILE_HOSTS = [
  'evil.test',
  'allowed.test',
  'app.allowed.test',
  'ALLOWED.TEST',
  'evilallowed.test',
  'allowed.test.evil.test',
  'allowed.test.',
  '.allowed.test',
  'xn--llowed-ogg.test',
  'аllowed.test', // Cyrillic а
  'ａｌｌｏｗｅｄ.test', // full-width
  'allowed。test', // ideographic full stop
  '127.0.0.1',
  '[::1]',
  '0x7f.1',
  '2130706433',
  'evil.test%2eallowed.test',
  'allowed.test%00.evil.test',
  'evil.test\\.allowed.test',
  'evil.test#.allowed.test',
  'evil.test?.allowed.test',
  'evil.test/.allowed.test',
];

const SCHEMES = [
  'http://',
  'https://',
  'HTTP://',
  'hTtPs://',
  'https:/',
  'https:',
  'https:\\\\',
  'https:/\\',
  '//',
  '\\\\',
  '/\\',
  '\\/',
  '///',
  '/%2F',
  '/%2f/',
  '/%252F/',
  '/%5C',
  '/%09/',
  '/ /',
  '/./',
  '/../',
  'javascript:',
  'data:text/html,',
  'ftp://',
  ' https://',
  'ht\ttp://',
  '',
];
const USERINFO = ['', 'user@', 'allowed.test@', 'a:b@', 'app.allowed.test%40', 'x@allowed.test@'];
const PORTS = ['', ':80', ':443', ':8443', ':99999', ':', ':0x50', ':@'];
const PATHS = [
  '',
  '/',
  '/x',
  '//evil.test/',
  '/\\evil.test',
  '/%2f%2fevil.test',
  '/..//evil.test',
  '?a=b',
  '#frag',
  '/%09/x',
  '/@evil.test',
];
const NOISE = [
  ' ',
  '\t',
  '\n',
  '\r',
  '\u0000',
  '\u000b',
  '\u00a0',
  '\u2028',
  '\u200b',
  '\u202e',
  '\u3000',
  '\\',
  '%00',
  '%0a',
  '%20',
  '%2e',
  '%252f',
  '@',
  '。',
];

function mixCase(s: string, mask: number[]): string {
  return [...s]
    .map((c, i) => ((mask[i % mask.length] ?? 0) % 2 ? c.toUpperCase() : c.toLowerCase()))
    .join('');
}

function percentEncode(s: string, rounds: number, mask: number[]): string {
  let out = s;
  for (let r = 0; r < rounds; r++) {
    out = [...out]
      .map((c, i) =>
        (mask[i % mask.length] ?? 0) % 3 === 0
          ? encodeURIComponent(c).replace(/[!'()*]/g, (x) => `%${x.charCodeAt(0).toString(16)}`) || c
          : c,
      )
      .join('');
  }
  return out;
}

/** One hostile redirect target. */
export function hostileRedirectTarget(): fc.Arbitrary<string> {
  const structured = fc
    .record({
      scheme: fc.constantFrom(...SCHEMES),
      userinfo: fc.constantFrom(...USERINFO),
      host: fc.constantFrom(...HOSTILE_HOSTS),
      port: fc.constantFrom(...PORTS),
      path: fc.constantFrom(...PATHS),
      noise: fc.array(fc.tuple(fc.constantFrom(...NOISE), fc.nat()), { maxLength: 2 }),
      caseMask: fc.array(fc.nat({ max: 7 }), { minLength: 1, maxLength: 8 }),
      encodeRounds: fc.constantFrom(0, 0, 1, 2),
      encodeMask: fc.array(fc.nat({ max: 7 }), { minLength: 1, maxLength: 8 }),
    })
    .map(({ scheme, userinfo, host, port, path, noise, caseMask, encodeRounds, encodeMask }) => {
      let authority = `${userinfo}${host}${port}`;
      if (encodeRounds > 0) authority = percentEncode(authority, encodeRounds, encodeMask);
      let s = `${mixCase(scheme, caseMask)}${authority}${path}`;
      for (const [ch, at] of noise) {
        const i = at % (s.length + 1);
        s = s.slice(0, i) + ch + s.slice(i);
      }
      return s;
    });
  return fc.oneof(
    { weight: 6, arbitrary: structured },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
    { weight: 1, arbitrary: fc.webUrl({ withQueryParameters: true, withFragments: true }) },
  );
}
