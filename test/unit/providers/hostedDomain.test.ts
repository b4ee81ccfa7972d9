import { describe, expect, it } from '@jest/globals';
import { hostedDomainHint, isHostedDomainAllowed } from '../../../src/authz/hostedDomain.js';

describe('isHostedDomainAllowed', () => {
  it.each([
    [undefined, [], true],
    ['example.com', [], true],
    ['example.com', ['example.com'], true],
    ['Example.COM', ['example.com'], true],
    ['example.com', ['EXAMPLE.com'], true],
    ['sub.example.com', ['example.com'], false],
    ['example.com.evil', ['example.com'], false],
    [undefined, ['example.com'], false],
    ['', ['example.com'], false],
    [['example.com'], ['example.com'], false],
    [undefined, ['*'], false],
    ['any.org', ['*'], true],
    ['b.org', ['a.org', 'b.org'], true],
  ])('hd=%j allowed=%j -> %s', (hd, allowed, expected) => {
    expect(isHostedDomainAllowed(hd, allowed)).toBe(expected);
  });

  it('hints one domain, or * for several', () => {
    expect([hostedDomainHint([]), hostedDomainHint(['a.org']), hostedDomainHint(['a.org', 'b.org'])]).toEqual(
      ['', 'a.org', '*'],
    );
  });
});
