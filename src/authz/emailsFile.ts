/**
 * --authenticated-emails-file: one email per line; blank lines and lines starting with '#' are skipped. Read once
 * at start. A line that is not a well-formed email stops the start (with its line number) instead of being silently
 * ignored: a typo in an allow-list should be loud.
 */
import { AuthgateError } from '../errors.js';
import { parseEmail } from './email.js';

export function parseAuthenticatedEmails(text: string): Set<string> {
  const emails = new Set<string>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((line, index) => {
    const entry = line.trim();
    if (entry === '' || entry.startsWith('#')) return;
    if (parseEmail(entry) === null) {
      throw new AuthgateError(
        'ERR_AUTHENTICATED_EMAILS',
        `--authenticated-emails-file line ${index + 1} is not a single well-formed email address`,
      );
    }
    emails.add(entry.toLowerCase());
  });
  return emails;
}
