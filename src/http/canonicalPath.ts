/**
 * True when `path` is already in the form every server normalises it to: no dot segments, no empty segments,
 * no backslashes, no percent-encoded dot, slash or backslash. Route rules that LOOSEN security
 * (skip-auth) only apply to such paths, so `/public/../admin` can never borrow `/public`'s exemption.
 */
const SUSPICIOUS = /\\|\/\/|%2e|%2f|%5c|%00|(?:^|\/)\.{1,2}(?:\/|$)/i;

export function isCanonicalPath(path: string): boolean {
  return path.startsWith('/') && !SUSPICIOUS.test(path);
}
