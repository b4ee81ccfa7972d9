/**
 * Redis connection URLs as oauth2-proxy takes them: `redis://[user[:password]@]host[:port][/db]`, and
 * `rediss://` for TLS. Pure; used by the configuration checks and by the connection builder alike.
 */

export interface RedisAddress {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** '' when the URL has none. */
  readonly username: string;
  readonly password: string;
  /** Database index; 0 when the URL names none. */
  readonly db: number;
}

/** The address in `text`, or a reason it is not a usable Redis URL (never quotes the URL: it may hold a password). */
export function parseRedisUrl(text: string): RedisAddress | { readonly error: string } {
  if (!URL.canParse(text)) return { error: 'is not a URL' };
  const url = new URL(text);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    return { error: `uses ${url.protocol.replace(/:$/, '')}://, not redis:// or rediss://` };
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') return { error: 'has no host' };
  if (url.search !== '' || url.hash !== '')
    return { error: 'has a query or fragment authgate does not read' };
  const path = url.pathname.replace(/^\//, '');
  if (path !== '' && !/^(0|[1-9][0-9]?)$/.test(path)) {
    return { error: 'has a path that is not a database number (e.g. /0)' };
  }
  const username = decoded(url.username);
  const password = decoded(url.password);
  if (username === null || password === null) return { error: 'has a malformed %-escape in its credentials' };
  return {
    host,
    port: url.port === '' ? 6379 : Number(url.port),
    tls: url.protocol === 'rediss:',
    username,
    password,
    db: path === '' ? 0 : Number(path),
  };
}

function decoded(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

export function isRedisAddress(value: RedisAddress | { readonly error: string }): value is RedisAddress {
  return !('error' in value);
}
