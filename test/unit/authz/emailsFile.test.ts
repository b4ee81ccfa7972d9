import { describe, expect, it } from '@jest/globals';
import { parseAuthenticatedEmails } from '../../../src/authz/emailsFile.js';
import { AuthgateError } from '../../../src/errors.js';

describe('parseAuthenticatedEmails', () => {
  it('reads one email per line, trimmed and lower-cased, skipping blanks and comments', () => {
    const text =
      '\uFEFF# admins\nAlice@Example.com\r\n\n   bob@example.org  \n  # not: x@y.z\n\t\ncarol@example.net';
    expect([...parseAuthenticatedEmails(text)]).toEqual([
      'alice@example.com',
      'bob@example.org',
      'carol@example.net',
    ]);
  });

  it('de-duplicates case variants', () => {
    expect(parseAuthenticatedEmails('a@x.com\nA@X.COM\n').size).toBe(1);
  });

  it('returns an empty set for an empty file', () => {
    expect(parseAuthenticatedEmails('').size).toBe(0);
    expect(parseAuthenticatedEmails('# only a comment\n\n').size).toBe(0);
  });

  it.each([
    ['ok@example.com\na@evil@company.com', 2],
    ['not-an-email', 1],
    ['alice@example.com # inline comment', 1],
    ['x@y.com\n\n\nalice@еxample.com', 4],
  ])('refuses %j naming line %i, without echoing the line', (text, line) => {
    let error: unknown;
    try {
      parseAuthenticatedEmails(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AuthgateError);
    expect((error as AuthgateError).code).toBe('ERR_AUTHENTICATED_EMAILS');
    expect((error as Error).message).toContain(`line ${line} `);
    expect((error as Error).message).not.toContain('@');
  });
});
