import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { decodeCookieSecret, decodeCookieSecrets } from '../../../src/config/cookieSecret.js';
import { configErrorOf, optionsOf, validArgvWithout } from './configFixtures.js';

const withoutSecret = validArgvWithout('cookie-secret');

/** Bytes whose base64 uses both URL-unsafe characters, so alphabet handling is really exercised. */
function bytesWithPlusAndSlash(length: number): Buffer {
  for (;;) {
    const bytes = randomBytes(length);
    const b64 = bytes.toString('base64');
    if (b64.includes('+') && b64.includes('/')) return bytes;
  }
}

describe('decodeCookieSecret', () => {
  it.each([16, 24, 32])('base64url of %d bytes, with and without padding, decodes to those bytes', (n) => {
    const bytes = bytesWithPlusAndSlash(n);
    const url = bytes.toString('base64url'); // unpadded
    const padded = url.padEnd(Math.ceil(url.length / 4) * 4, '=');
    expect(Buffer.from(decodeCookieSecret(url) ?? [])).toEqual(bytes);
    expect(Buffer.from(decodeCookieSecret(padded) ?? [])).toEqual(bytes);
  });

  it.each([16, 24, 32])('standard base64 of %d bytes decodes too', (n) => {
    const bytes = bytesWithPlusAndSlash(n);
    expect(Buffer.from(decodeCookieSecret(bytes.toString('base64')) ?? [])).toEqual(bytes);
  });

  it.each([16, 24, 32])(
    'a raw string of %d bytes that is not base64 of a usable length is used as is',
    (n) => {
      const raw = 'r@w!'.repeat(8).slice(0, n); // '@' and '!' are not base64
      expect(Buffer.from(decodeCookieSecret(raw) ?? []).toString('utf8')).toBe(raw);
    },
  );

  it('prefers the base64 meaning of a 32-character secret that decodes to 24 bytes (as oauth2-proxy)', () => {
    const bytes = randomBytes(24);
    expect(decodeCookieSecret(bytes.toString('base64url'))).toHaveLength(24);
  });

  it('accepts longer secrets, decoded or raw', () => {
    expect(decodeCookieSecret(randomBytes(64).toString('base64'))).toHaveLength(64);
    expect(decodeCookieSecret('x!'.repeat(25))).toHaveLength(50);
  });

  it.each([
    ['too short raw', 'short!'],
    ['base64 of 8 bytes', randomBytes(8).toString('base64')],
    ['20 raw bytes', 'abcdefghij!@#$%^&*()'],
    ['31 raw bytes', 'x!'.repeat(15) + 'y'],
  ])('rejects %s', (_label, secret) => {
    expect(decodeCookieSecret(secret)).toBeNull();
  });
});

describe('decodeCookieSecrets (rotation)', () => {
  it('keeps the order, the first seals, and reports positions of unusable ones', () => {
    const first = randomBytes(32);
    const second = randomBytes(16);
    const result = decodeCookieSecrets(
      `${first.toString('base64')}, tooshort ,${second.toString('base64url')}`,
    );
    expect(result.count).toBe(3);
    expect(result.unusable).toEqual([2]);
    expect(result.secrets.map((s) => Buffer.from(s))).toEqual([first, second]);
  });
});

describe('cookie secret in the loader', () => {
  it('fills cookieSecrets from a comma-separated flag value', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    const options = optionsOf([
      ...withoutSecret,
      `--cookie-secret=${a.toString('base64')},${b.toString('base64')}`,
    ]);
    expect(options.cookieSecrets.map((s) => Buffer.from(s))).toEqual([a, b]);
  });

  it('reads --cookie-secret-file, trimming the newline', () => {
    const a = randomBytes(32);
    const options = optionsOf(
      [...withoutSecret, '--cookie-secret-file=/run/secret'],
      {},
      {
        '/run/secret': `${a.toString('base64')}\n`,
      },
    );
    expect(Buffer.from(options.cookieSecrets[0] ?? [])).toEqual(a);
  });

  it('reports a missing secret with the openssl command', () => {
    const err = configErrorOf(withoutSecret);
    expect(err.problems).toEqual([
      {
        flag: '--cookie-secret',
        message: expect.stringContaining('missing'),
        fix: expect.stringContaining('openssl rand -base64 32'),
      },
    ]);
  });

  it('reports each unusable secret of a rotation list by position, never by value', () => {
    const good = randomBytes(32).toString('base64');
    const err = configErrorOf([...withoutSecret, `--cookie-secret=${good},tiny-secret-1,tiny-secret-2`]);
    expect(err.problems.map((p) => p.message)).toEqual([
      expect.stringContaining('secret 2 of 3'),
      expect.stringContaining('secret 3 of 3'),
    ]);
    expect(err.message).not.toContain('tiny-secret');
    expect(err.message).not.toContain(good);
  });

  it('reports an unreadable --cookie-secret-file as its own problem', () => {
    const err = configErrorOf([...withoutSecret, '--cookie-secret-file=/nope']);
    expect(err.problems).toEqual([
      { flag: '--cookie-secret-file', message: 'cannot read /nope (ENOENT)', fix: expect.any(String) },
    ]);
  });
});
