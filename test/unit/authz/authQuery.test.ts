import { describe, expect, it } from '@jest/globals';
import { checkAuthQuery, parseAuthQuery } from '../../../src/authz/authQuery.js';

describe('parseAuthQuery', () => {
  it('splits comma lists, merges repeated parameters, trims and drops empty items', () => {
    const q = new URLSearchParams(
      'allowed_groups=a,b&allowed_groups=c&allowed_emails=X@Example.com,%20y@example.com,,&allowed_email_domains=.example.org',
    );
    expect(parseAuthQuery(q)).toEqual({
      groups: ['a', 'b', 'c'],
      emails: ['x@example.com', 'y@example.com'],
      emailDomains: ['.example.org'],
    });
  });

  it('gives empty rules for an empty query and ignores unrelated parameters', () => {
    expect(parseAuthQuery(new URLSearchParams('rd=/x&allowed_group=a'))).toEqual({
      groups: [],
      emails: [],
      emailDomains: [],
    });
  });
});

describe('checkAuthQuery', () => {
  const alice = { email: 'Alice@Example.com', groups: ['devs', 'ops'] };
  it.each([
    ['', true],
    ['allowed_groups=ops', true],
    ['allowed_groups=admins,ops', true],
    ['allowed_groups=admins', false],
    ['allowed_groups=Ops', false],
    ['allowed_emails=alice@example.com', true],
    ['allowed_emails=ALICE@EXAMPLE.COM', true],
    ['allowed_emails=bob@example.com', false],
    ['allowed_emails=alice@example.co', false],
    ['allowed_email_domains=example.com', true],
    ['allowed_email_domains=.example.com', false],
    ['allowed_email_domains=other.com,example.com', true],
    ['allowed_email_domains=*', true],
    ['allowed_groups=ops&allowed_emails=alice@example.com&allowed_email_domains=example.com', true],
    ['allowed_groups=ops&allowed_emails=bob@example.com', false],
    ['allowed_groups=admins&allowed_email_domains=example.com', false],
    ['allowed_groups=&allowed_emails=,', true],
  ])('%j -> %s', (query, expected) => {
    expect(checkAuthQuery(alice, parseAuthQuery(new URLSearchParams(query)))).toBe(expected);
  });

  it('refuses a malformed email even when the exact string is listed (CVE-2026-40574)', () => {
    const smuggler = { email: 'a@evil@company.com', groups: [] };
    const rules = { groups: [], emails: ['a@evil@company.com'], emailDomains: [] };
    expect(checkAuthQuery(smuggler, rules)).toBe(false);
    expect(checkAuthQuery(smuggler, { groups: [], emails: [], emailDomains: ['company.com'] })).toBe(false);
  });
});
