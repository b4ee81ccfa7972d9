/**
 * The Cookie header, read once per connection rather than once per request. A browser (or an ingress relaying
 * one user) repeats the very same header on every request of a keep-alive connection; for a session split into
 * chunks that header is 8 KB, and parsing it, joining the chunks, hashing the seal for the unseal cache and
 * removing authgate's cookies for the upstream cost ~20 us per request. Here a request whose header is
 * identical (===, every byte) to the previous one on its connection gets the previous result: the same parsed
 * jar object (which CookieSessionStore uses to skip re-joining and re-hashing the seal) and the same upstream
 * header. A different header, from another user behind a shared ingress connection, is simply a miss: the memo
 * is a pure function of the exact header, so it can never hand one user's cookies to another.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { parseCookieHeader, stripCookies } from '../session/cookies.js';

export interface RequestCookies {
  /** name -> value, first occurrence wins. Shared between requests: never modify it. */
  readonly jar: ReadonlyMap<string, string>;
  /** The Cookie header for the upstream without authgate's own cookies, or null when none are left. */
  readonly forUpstream: string | null;
}

export type RequestCookieReader = (req: IncomingMessage) => RequestCookies;

const NO_COOKIES: RequestCookies = Object.freeze({ jar: new Map<string, string>(), forUpstream: null });

/** `ownsCookie`: the session store's test for its own cookie names (session, chunks, CSRF). */
export function createRequestCookieReader(ownsCookie: (name: string) => boolean): RequestCookieReader {
  // One entry per open connection, gone with it: bounded by the connection limit, no eviction needed.
  const lastOnConnection = new WeakMap<
    Socket,
    { readonly header: string; readonly cookies: RequestCookies }
  >();
  return (req) => {
    const header = req.headers.cookie;
    if (header === undefined || header === '') return NO_COOKIES;
    const last = lastOnConnection.get(req.socket);
    if (last !== undefined && last.header === header) return last.cookies;
    const cookies: RequestCookies = {
      jar: parseCookieHeader(header),
      forUpstream: stripCookies(header, ownsCookie),
    };
    lastOnConnection.set(req.socket, { header, cookies });
    return cookies;
  };
}
