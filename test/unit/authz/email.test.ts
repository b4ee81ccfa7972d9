import { describe, expect, it } from '@jest/globals';
import { isEmailDomainAllowed, parseEmail } from '../../../src/authz/email.js';

describe('parseEmail', () => {
  it.each([
    ['alice@example.com', { local: 'alice', domain: 'example.com' }],
    ['Alice.Smith@Example.COM', { local: 'Alice.Smith', domain: 'example.com' }],
    ['a+tag@sub.example.com', { local: 'a+tag', domain: 'sub.example.com' }],
    ["o'brien@example.com", { local: "o'brien", domain: 'example.com' }],
    ['user@localhost', { local: 'user', domain: 'localhost' }],
    ['user@xn--bcher-kva.example', { local: 'user', domain: 'xn--bcher-kva.example' }],
    ['jöran@example.com', { local: 'jöran', domain: 'example.com' }],
    ['a-b_c@my-host.example.com', { local: 'a-b_c', domain: 'my-host.example.com' }],
  ])('%j parses', (raw, expected) => {
    expect(parseEmail(raw)).toEqual(expected);
  });

  it.each([
    ['a@evil@company.com', 'two @ (CVE-2026-40574)'],
    ['a@company.com@evil.com', 'two @'],
    ['"a@evil"@company.com', 'quoted local part hiding an @'],
    ['"alice"@company.com', 'quoted local part'],
    ['@company.com', 'empty local part'],
    ['alice@', 'empty domain'],
    ['alice', 'no @'],
    ['', 'empty'],
    ['alice @example.com', 'space'],
    ['alice@example.com ', 'trailing space'],
    ['alice@exam\tple.com', 'tab'],
    ['alice@example.com\n', 'newline'],
    ['ali\0ce@example.com', 'NUL'],
    ['alice@еxample.com', 'Cyrillic е lookalike'],
    ['alice@ｅxample.com', 'full-width ｅ'],
    ['alice@bücher.example', 'Unicode domain (only xn-- form accepted)'],
    ['alice@example\u3002com', 'ideographic full stop'],
    ['alice@exa\u00admple.com', 'soft hyphen'],
    ['alice@example.com.', 'trailing dot'],
    ['alice@.example.com', 'leading dot'],
    ['alice@example..com', 'empty label'],
    ['alice@-example.com', 'label starting with -'],
    ['alice@example-.com', 'label ending with -'],
    ['alice@[127.0.0.1]', 'address literal'],
    ['alice@example.com:443', 'port'],
    ['alice@example.com/x', 'slash'],
    ['alice@example_com.com', 'underscore in domain'],
    ['alice@xn--zz.example', 'invalid punycode'],
    ['.alice@example.com', 'leading dot in local part'],
    ['alice.@example.com', 'trailing dot in local part'],
    ['al..ice@example.com', 'double dot in local part'],
    ['al(ice)@example.com', 'comment characters'],
    ['a<b>@example.com', 'angle brackets'],
    ['a,b@example.com', 'comma'],
    [`${'a'.repeat(65)}@example.com`, 'local part over 64'],
    [`a@${'b'.repeat(250)}.com`, 'over 254 in total'],
  ])('%j is refused (%s)', (raw) => {
    expect(parseEmail(raw)).toBeNull();
  });
});

describe('isEmailDomainAllowed', () => {
  it.each([
    ['alice@example.com', ['example.com'], true],
    ['alice@EXAMPLE.com', ['Example.Com'], true],
    ['alice@sub.example.com', ['example.com'], false],
    ['alice@badexample.com', ['example.com'], false],
    ['alice@example.com.evil.com', ['example.com'], false],
    ['alice@sub.example.com', ['.example.com'], true],
    ['alice@a.b.example.com', ['.example.com'], true],
    ['alice@example.com', ['.example.com'], false],
    ['alice@badexample.com', ['.example.com'], false],
    ['alice@sub.example.com', ['*.example.com'], true],
    ['alice@example.com', ['*.example.com'], false],
    ['alice@anything.org', ['*'], true],
    ['a@evil@company.com', ['*'], false],
    ['a@evil@company.com', ['company.com'], false],
    ['alice@еxample.com', ['example.com'], false],
    ['alice@ｅxample.com', ['example.com'], false],
    ['alice@xn--bcher-kva.example', ['bücher.example'], true],
    ['alice@xn--bcher-kva.example', ['xn--bcher-kva.example'], true],
    ['alice@other.com', ['example.com', 'other.com'], true],
    ['alice@other.com', [], false],
    ['alice@example.com', ['  example.com  '], true],
    ['alice@example.com', ['.'], false],
    ['alice@example.com', [''], false],
    ['', ['*'], false],
  ] as const)('%j with %j -> %s', (email, domains, expected) => {
    expect(isEmailDomainAllowed(email, domains)).toBe(expected);
  });
});
