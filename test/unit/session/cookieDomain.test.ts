import { describe, expect, it } from '@jest/globals';
import { selectCookieDomain } from '../../../src/session/cookieDomain.js';

describe('selectCookieDomain', () => {
  const cases: Array<[string, string[], string | null]> = [
    ['a.example.com', ['example.com'], 'example.com'],
    ['example.com', ['example.com'], 'example.com'],
    ['a.example.com', ['.example.com'], '.example.com'],
    ['example.com', ['.example.com'], '.example.com'],
    ['badexample.com', ['example.com'], null],
    ['badexample.com', ['.example.com'], null],
    ['example.com.evil.org', ['example.com'], null],
    ['a.b.example.com', ['example.com', 'b.example.com'], 'b.example.com'],
    ['a.b.example.com', ['b.example.com', 'example.com'], 'b.example.com'],
    ['other.example.com', ['b.example.com', 'example.com'], 'example.com'],
    ['A.Example.COM:8443', ['example.com'], 'example.com'],
    ['a.example.com.', ['example.com'], 'example.com'],
    ['a.example.com', ['Example.com.'], 'Example.com.'],
    ['localhost:4180', ['example.com'], null],
    ['[::1]:4180', ['example.com'], null],
    ['a.example.com', [], null],
    ['a.example.com', [''], null],
    ['', ['example.com'], null],
  ];

  it.each(cases)('%s with %j -> %s', (host, domains, expected) => {
    expect(selectCookieDomain(host, domains)).toBe(expected);
  });
});
