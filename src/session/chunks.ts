/**
 * Splitting a sealed value across several cookies, and reading it back. Pure.
 *
 * Browsers cap one cookie (name + value) near 4096 bytes. A value that fits is stored under `<name>`; a larger
 * one under `<name>_0`, `<name>_1`, ... Chunks are slices of one seal, so the seal's MAC covers all of them:
 * a chunk swapped in from another session, or a missing one, makes the whole value fail to unseal.
 */
import { AuthgateError } from '../errors.js';

export interface CookiePair {
  readonly name: string;
  readonly value: string;
}

/** Default budget for `name=value` of one cookie, below the 4096 browsers allow. */
export const DEFAULT_MAX_COOKIE_BYTES = 4000;

/** The chunk index of `cookieName` in the family `name` (`<name>_<n>`, n without leading zeros), or null. */
function chunkIndex(cookieName: string, name: string): number | null {
  if (!cookieName.startsWith(`${name}_`)) return null;
  const suffix = cookieName.slice(name.length + 1);
  return /^(0|[1-9][0-9]{0,5})$/.test(suffix) ? Number(suffix) : null;
}

/**
 * The cookies that store `value` under `name`. Values must be ASCII (iron seals are), so characters are bytes.
 * Throws AuthgateError `cookie_invalid` when the value is not ASCII or the name leaves no room for a value.
 */
export function splitIntoChunks(
  name: string,
  value: string,
  maxCookieBytes: number = DEFAULT_MAX_COOKIE_BYTES,
): CookiePair[] {
  if (!/^[\x20-\x7E]*$/.test(value))
    throw new AuthgateError('cookie_invalid', 'chunked values must be ASCII');
  if (name.length + 1 + value.length <= maxCookieBytes) return [{ name, value }];
  const chunks: CookiePair[] = [];
  for (let offset = 0, index = 0; offset < value.length; index += 1) {
    const chunkName = `${name}_${index}`;
    const room = maxCookieBytes - chunkName.length - 1;
    if (room <= 0) throw new AuthgateError('cookie_invalid', 'cookie name too long to chunk');
    chunks.push({ name: chunkName, value: value.slice(offset, offset + room) });
    offset += room;
  }
  return chunks;
}

/**
 * The value stored under `name`: the `<name>` cookie when present and non-empty, else the chunks `<name>_0`..
 * `<name>_k` joined. Null when there is neither, or when the chunks are not one contiguous run of non-empty
 * values starting at 0 (a chunk missing in the middle means the value is incomplete).
 */
export function joinChunks(cookies: ReadonlyMap<string, string>, name: string): string | null {
  const whole = cookies.get(name);
  if (whole !== undefined && whole !== '') return whole;
  const parts: string[] = [];
  let highest = -1;
  for (const [cookieName, value] of cookies) {
    const index = chunkIndex(cookieName, name);
    if (index === null) continue;
    parts[index] = value;
    highest = Math.max(highest, index);
  }
  if (highest === -1) return null;
  for (let index = 0; index <= highest; index += 1) {
    const part = parts[index];
    if (part === undefined || part === '') return null;
  }
  return parts.join('');
}

/**
 * Cookies of the family `name` (`<name>` or `<name>_<n>`) present in the request that a write of `written`
 * does not overwrite: they must be cleared, or a later read could join them with the new chunks.
 */
export function staleChunkNames(
  cookies: ReadonlyMap<string, string>,
  name: string,
  written: readonly string[],
): string[] {
  const overwritten = new Set(written);
  const stale: string[] = [];
  for (const cookieName of cookies.keys()) {
    const inFamily = cookieName === name || chunkIndex(cookieName, name) !== null;
    if (inFamily && !overwritten.has(cookieName)) stale.push(cookieName);
  }
  return stale;
}
