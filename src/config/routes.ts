/** --upstream and --skip-auth-route values, parsed into the shapes Options carries. */
import type { SkipAuthRouteOption, UpstreamOption } from './options.js';

export type Parsed<T> = { readonly value: T } | { readonly error: string };

/** An absolute http(s) URL without query or fragment; its path (ending in '/') is the route prefix. */
export function parseUpstream(text: string): Parsed<UpstreamOption> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { error: 'is not an absolute URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return {
      error: `uses ${url.protocol.replace(/:$/, '')}://; authgate proxies to http:// and https:// only`,
    };
  }
  // oauth2-proxy splits --upstream on commas; authgate does not, so `a,b` would silently be one odd path.
  if (/,\s*https?:\/\//i.test(text)) return { error: 'holds several URLs; give each its own --upstream' };
  // Checked on the text: `new URL` drops an empty '?' or '#'.
  if (text.includes('?') || text.includes('#')) return { error: 'must not have a query or fragment' };
  const pathPrefix = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  return { value: { url, pathPrefix } };
}

// A method is an HTTP token of letters only: `^/x=y` or `/a=b` are regexes, not methods.
const METHOD_PREFIX = /^([A-Za-z]+)(!?=)(.*)$/s;

/** `METHOD=regex`, `METHOD!=regex` or a bare `regex` (which may itself contain '='). */
export function parseSkipAuthRoute(text: string): SkipAuthRouteOption {
  const match = METHOD_PREFIX.exec(text);
  if (!match) return { method: null, negateMethod: false, pattern: text };
  return { method: (match[1] ?? '').toUpperCase(), negateMethod: match[2] === '!=', pattern: match[3] ?? '' };
}

/** Why `pattern` does not compile as a JavaScript RegExp, or null when it does. */
export function regexError(pattern: string): string | null {
  try {
    new RegExp(pattern);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : 'invalid regular expression';
  }
}
