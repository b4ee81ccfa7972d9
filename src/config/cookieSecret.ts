/**
 * Cookie secrets, accepted like oauth2-proxy's: a string that base64-decodes (standard or URL alphabet,
 * padding optional) to 16, 24 or 32 bytes, else the raw string's bytes when there are exactly 16, 24 or 32.
 * authgate also accepts 32 bytes or more either way, and several secrets separated by commas (rotation:
 * the first seals, every one unseals).
 */

const BASE64ISH = /^[A-Za-z0-9+/_-]+={0,2}$/;

function usableLength(bytes: number): boolean {
  return bytes === 16 || bytes === 24 || bytes >= 32;
}

function decodeBase64(text: string): Uint8Array | null {
  if (!BASE64ISH.test(text)) return null;
  const unpadded = text.replace(/=+$/, '');
  if (unpadded.length % 4 === 1) return null; // no base64 string has this length
  return new Uint8Array(Buffer.from(unpadded.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
}

/** The key bytes of one secret, or null when it has an unusable length either way. */
export function decodeCookieSecret(secret: string): Uint8Array | null {
  const decoded = decodeBase64(secret);
  if (decoded && usableLength(decoded.length)) return decoded;
  const raw = new Uint8Array(Buffer.from(secret, 'utf8'));
  return usableLength(raw.length) ? raw : null;
}

export interface CookieSecretsResult {
  readonly secrets: Uint8Array[];
  /** 1-based positions of unusable secrets in the comma-separated list (never their values). */
  readonly unusable: number[];
  readonly count: number;
}

export function decodeCookieSecrets(text: string): CookieSecretsResult {
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const secrets: Uint8Array[] = [];
  const unusable: number[] = [];
  parts.forEach((part, index) => {
    const key = decodeCookieSecret(part);
    if (key) secrets.push(key);
    else unusable.push(index + 1);
  });
  return { secrets, unusable, count: parts.length };
}
