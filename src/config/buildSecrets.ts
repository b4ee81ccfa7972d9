/**
 * The two secrets: the OAuth client secret and the cookie secret(s), each given directly or in a file.
 * As in oauth2-proxy, a direct value wins over its -file flag. Problems name the flag, never the value.
 */
import type { Checker } from './checks.js';
import { decodeCookieSecrets } from './cookieSecret.js';

export type ReadFile = (path: string) => string;

const OPENSSL =
  'generate one with `openssl rand -base64 32` and pass it as --cookie-secret or --cookie-secret-file';

/** The file's trimmed contents, or null (reported) when it cannot be read. */
function readSecretFile(check: Checker, flagName: string, path: string, readFile: ReadFile): string | null {
  try {
    return readFile(path).trim();
  } catch (err) {
    // Only the error code: fs messages are safe, but a code is all the reader needs.
    const code = (err as { code?: unknown } | null)?.code;
    check.report(
      flagName,
      `cannot read ${path} (${typeof code === 'string' ? code : 'unreadable'})`,
      'check the path and that authgate may read the file',
    );
    return null;
  }
}

export function clientSecret(check: Checker, readFile: ReadFile): string {
  const direct = check.values.str('client-secret');
  if (direct !== '') return direct;
  const path = check.values.str('client-secret-file');
  if (path === '') {
    check.report(
      'client-secret',
      'is missing (neither --client-secret nor --client-secret-file is set)',
      "set --client-secret, or --client-secret-file to a file holding the provider's client secret",
    );
    return '';
  }
  const fromFile = readSecretFile(check, 'client-secret-file', path, readFile);
  if (fromFile === '') check.report('client-secret-file', `${path} is empty`, 'put the client secret in it');
  return fromFile ?? '';
}

export function cookieSecrets(check: Checker, readFile: ReadFile): Uint8Array[] {
  let flagName = 'cookie-secret';
  let text = check.values.str('cookie-secret');
  if (text === '' && check.values.str('cookie-secret-file') !== '') {
    flagName = 'cookie-secret-file';
    const path = check.values.str('cookie-secret-file');
    const fromFile = readSecretFile(check, flagName, path, readFile);
    if (fromFile === null) return [];
    text = fromFile;
  }
  const { secrets, unusable, count } = decodeCookieSecrets(text);
  if (count === 0) {
    check.report(flagName, 'is missing: cookies cannot be sealed without it', OPENSSL);
    return [];
  }
  for (const position of unusable) {
    const which = count > 1 ? `secret ${position} of ${count} (comma-separated)` : 'the secret';
    check.report(
      flagName,
      `${which} is not 16, 24 or 32+ bytes long, neither raw nor base64-decoded`,
      OPENSSL.replace('generate one', `generate ${count > 1 ? 'a new one' : 'one'}`),
    );
  }
  return secrets;
}
