import { describe, expect, it } from '@jest/globals';
import { identityFromClaims } from '../../../src/providers/claims.js';

const tokens = { idToken: 'h.p.s', accessToken: '', refreshToken: '' };
const mapping = { emailClaim: 'email', groupsClaim: 'groups' };
const base = { sub: 'alice', email: 'alice@example.com', email_verified: true, exp: 2_000_000_000 };

describe('identityFromClaims', () => {
  it('maps the claims authgate keeps', () => {
    expect(
      identityFromClaims({ ...base, groups: 'dev', preferred_username: 'al' }, tokens, mapping),
    ).toMatchObject({
      sub: 'alice',
      email: 'alice@example.com',
      emailVerified: true,
      groups: ['dev'],
      preferredUsername: 'al',
      tokenExpiresAt: 2_000_000_000,
    });
    expect(identityFromClaims({ ...base, groups: null }, tokens, mapping).groups).toEqual([]);
    expect(identityFromClaims({ ...base, email_verified: 'true' }, tokens, mapping).emailVerified).toBe(
      false,
    );
  });

  it.each([
    ['a groups claim that is a number', { groups: 42 }],
    ['a groups claim with a non-string item', { groups: ['dev', { admin: true }] }],
    ['a line feed in a group', { groups: ['dev\nImpersonate-User: admin'] }],
    ['a control character in the email', { email: 'alice@example.com\r' }],
    ['a control character in sub', { sub: 'alice\u0000' }],
  ])('refuses %s', (_name, change) => {
    expect(() => identityFromClaims({ ...base, ...change }, tokens, mapping)).toThrow(/cannot be used/);
  });
});
