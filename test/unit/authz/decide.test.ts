import { describe, expect, it } from '@jest/globals';
import { decideAccess, type AccessDecision, type AccessRules } from '../../../src/authz/decide.js';

const rules = (over: Partial<AccessRules> = {}): AccessRules => ({
  emailDomains: ['example.com'],
  authenticatedEmails: null,
  allowedGroups: [],
  ...over,
});
const allowed: AccessDecision = { allowed: true };
const denied = (rule: string) => ({ allowed: false, rule });

describe('decideAccess combination table', () => {
  // [case, email, emailVerified, groups, rules, allowUnverifiedEmail, expected]
  const rows: [string, string, boolean | null, string[], AccessRules, boolean, AccessDecision | object][] = [
    // row 1: email_verified
    ['verified, domain ok', 'a@example.com', true, [], rules(), false, allowed],
    ['claim absent counts as verified', 'a@example.com', null, [], rules(), false, allowed],
    ['unverified refused', 'a@example.com', false, [], rules(), false, denied('email_unverified')],
    ['unverified admitted with the insecure flag', 'a@example.com', false, [], rules(), true, allowed],
    [
      'unverified refused even when listed in the file',
      'a@other.com',
      false,
      [],
      rules({ authenticatedEmails: new Set(['a@other.com']) }),
      false,
      denied('email_unverified'),
    ],
    // row 2: well-formed email
    [
      'two @ refused (CVE-2026-40574)',
      'a@evil@example.com',
      true,
      [],
      rules(),
      false,
      denied('email_invalid'),
    ],
    [
      'two @ refused with *',
      'a@evil@example.com',
      true,
      [],
      rules({ emailDomains: ['*'] }),
      false,
      denied('email_invalid'),
    ],
    ['empty email refused', '', null, [], rules({ emailDomains: ['*'] }), false, denied('email_invalid')],
    ['lookalike domain refused', 'a@еxample.com', true, [], rules(), false, denied('email_invalid')],
    [
      'two @ refused even when that string is in the file',
      'a@evil@example.com',
      true,
      [],
      rules({ authenticatedEmails: new Set(['a@evil@example.com']) }),
      false,
      denied('email_invalid'),
    ],
    // row 3: domain OR file
    ['domain mismatch refused', 'a@other.com', true, [], rules(), false, denied('email_domain')],
    [
      'subdomain of an exact entry refused',
      'a@sub.example.com',
      true,
      [],
      rules(),
      false,
      denied('email_domain'),
    ],
    ['* admits any domain', 'a@other.com', true, [], rules({ emailDomains: ['*'] }), false, allowed],
    [
      'listed in the file admits outside the domains',
      'A@Other.com',
      true,
      [],
      rules({ authenticatedEmails: new Set(['a@other.com']) }),
      false,
      allowed,
    ],
    [
      'file alone (no domains), listed',
      'a@other.com',
      true,
      [],
      rules({ emailDomains: [], authenticatedEmails: new Set(['a@other.com']) }),
      false,
      allowed,
    ],
    [
      'file alone (no domains), not listed',
      'b@other.com',
      true,
      [],
      rules({ emailDomains: [], authenticatedEmails: new Set(['a@other.com']) }),
      false,
      denied('email_domain'),
    ],
    [
      'domain ok, not in the file: still admitted (OR)',
      'a@example.com',
      true,
      [],
      rules({ authenticatedEmails: new Set(['x@other.com']) }),
      false,
      allowed,
    ],
    [
      'no domains and no file admits nobody',
      'a@example.com',
      true,
      [],
      rules({ emailDomains: [] }),
      false,
      denied('email_domain'),
    ],
    // row 4: groups AND
    [
      'in an allowed group',
      'a@example.com',
      true,
      ['devs', 'admins'],
      rules({ allowedGroups: ['admins'] }),
      false,
      allowed,
    ],
    [
      'in none of the allowed groups',
      'a@example.com',
      true,
      ['devs'],
      rules({ allowedGroups: ['admins'] }),
      false,
      denied('group'),
    ],
    [
      'no groups at all',
      'a@example.com',
      true,
      [],
      rules({ allowedGroups: ['admins'] }),
      false,
      denied('group'),
    ],
    [
      'listed in the file but not in the group',
      'a@other.com',
      true,
      ['devs'],
      rules({ authenticatedEmails: new Set(['a@other.com']), allowedGroups: ['admins'] }),
      false,
      denied('group'),
    ],
    [
      'domain wrong and group right: the domain fails first',
      'a@other.com',
      true,
      ['admins'],
      rules({ allowedGroups: ['admins'] }),
      false,
      denied('email_domain'),
    ],
    [
      'everything at once passes',
      'a@example.com',
      null,
      ['admins'],
      rules({ emailDomains: ['.example.org', 'example.com'], allowedGroups: ['x', 'admins'] }),
      false,
      allowed,
    ],
  ];

  it.each(rows)('%s', (_name, email, emailVerified, groups, r, allowUnverifiedEmail, expected) => {
    expect(decideAccess({ email, emailVerified, groups }, r, { allowUnverifiedEmail })).toEqual(expected);
  });
});
