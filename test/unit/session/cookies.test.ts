import { describe, expect, it } from '@jest/globals';
import {
  clearCookie,
  parseCookieHeader,
  serializeCookie,
  stripCookies,
  type CookieAttributes,
} from '../../../src/session/cookies.js';

const ATTRS: CookieAttributes = { path: '/', secure: true, httpOnly: true, sameSite: 'lax' };

describe('parseCookieHeader', () => {
  it('reads name=value pairs, trimming spaces', () => {
    expect([...parseCookieHeader('a=1; b=two ;c=3')]).toEqual([
      ['a', '1'],
      ['b', 'two'],
      ['c', '3'],
    ]);
  });

  it('keeps the first occurrence of a name', () => {
    expect(parseCookieHeader('s=first; s=second').get('s')).toBe('first');
  });

  it('keeps values byte for byte: no percent-decoding, "=" inside values kept', () => {
    const cookies = parseCookieHeader('a=%41%42; b=x=y==; c=Fe26.2**1*abc~2');
    expect(cookies.get('a')).toBe('%41%42');
    expect(cookies.get('b')).toBe('x=y==');
    expect(cookies.get('c')).toBe('Fe26.2**1*abc~2');
  });

  it('removes surrounding double quotes', () => {
    expect(parseCookieHeader('a="quoted"').get('a')).toBe('quoted');
  });

  it('skips pairs without "=" and names with invalid characters, keeping the rest', () => {
    const cookies = parseCookieHeader('garbage; a b=1; (x)=2; =3; ok=4;;');
    expect([...cookies]).toEqual([['ok', '4']]);
  });

  it('answers an empty map for a missing or empty header', () => {
    expect(parseCookieHeader(undefined).size).toBe(0);
    expect(parseCookieHeader('').size).toBe(0);
  });
});

describe('serializeCookie', () => {
  it('writes every attribute', () => {
    const header = serializeCookie('s', 'v', {
      ...ATTRS,
      domain: 'example.com',
      maxAgeSeconds: 3600.7,
      expires: new Date(Date.UTC(2030, 0, 1)),
    });
    expect(header).toBe(
      's=v; Domain=example.com; Path=/; Max-Age=3600; Expires=Tue, 01 Jan 2030 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax',
    );
  });

  it('leaves out Domain for host-only cookies, flags that are off, and SameSite when unset', () => {
    expect(serializeCookie('s', 'v', { path: '/app', secure: false, httpOnly: false, sameSite: '' })).toBe(
      's=v; Path=/app',
    );
    expect(serializeCookie('s', 'v', { ...ATTRS, domain: null })).not.toContain('Domain');
  });

  it('spells every SameSite value as browsers expect', () => {
    expect(serializeCookie('s', 'v', { ...ATTRS, sameSite: 'strict' })).toContain('SameSite=Strict');
    expect(serializeCookie('s', 'v', { ...ATTRS, sameSite: 'none' })).toContain('SameSite=None');
  });

  it('refuses names, values and attributes that could inject attributes, without echoing the value', () => {
    expect(() => serializeCookie('a;b', 'v', ATTRS)).toThrow(
      expect.objectContaining({ code: 'cookie_invalid' }),
    );
    expect(() => serializeCookie('s', 'secret; Domain=evil.com', ATTRS)).toThrow(
      expect.not.objectContaining({ message: expect.stringContaining('secret') }),
    );
    expect(() => serializeCookie('s', 'v', { ...ATTRS, domain: 'a.com; Secure' })).toThrow();
    expect(() => serializeCookie('s', 'v', { ...ATTRS, path: '/\r\nX: y' })).toThrow();
  });
});

describe('clearCookie', () => {
  it('expires the cookie immediately with Max-Age=0 and an Expires in the past', () => {
    expect(clearCookie('s_1', { ...ATTRS, domain: 'example.com' })).toBe(
      's_1=; Domain=example.com; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax',
    );
  });
});

describe('stripCookies', () => {
  const ours = (name: string) => name === '_oauth2_proxy' || name.startsWith('_oauth2_proxy_');

  it("removes authgate's cookies and keeps the others as sent", () => {
    expect(stripCookies('_oauth2_proxy=abc; theme=dark; _oauth2_proxy_1=def;  lang=en', ours)).toBe(
      'theme=dark; lang=en',
    );
  });

  it('answers null when nothing remains', () => {
    expect(stripCookies('_oauth2_proxy_0=a; _oauth2_proxy_1=b', ours)).toBeNull();
    expect(stripCookies('', ours)).toBeNull();
  });

  it('matches names after trimming, and keeps pairs it cannot parse', () => {
    expect(stripCookies(' _oauth2_proxy =x;nameless;a=1', ours)).toBe('nameless; a=1');
  });
});
