/**
 * Which --cookie-domain a cookie is set on for a request host (oauth2-proxy semantics: the longest match wins,
 * no match means a host-only cookie). Pure.
 */

/** The request host without its port, lower-case, without a trailing dot. Handles `[v6]:port`. */
function hostName(host: string): string {
  let name = host.trim().toLowerCase();
  if (name.startsWith('[')) {
    const end = name.indexOf(']');
    name = end === -1 ? name : name.slice(0, end + 1);
  } else {
    const colon = name.indexOf(':');
    if (colon !== -1) name = name.slice(0, colon);
  }
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** A configured domain compared without case, leading dot or trailing dot (`.Example.com.` = `example.com`). */
function domainName(domain: string): string {
  let name = domain.trim().toLowerCase();
  if (name.startsWith('.')) name = name.slice(1);
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/**
 * The longest of `domains` that `host` (may carry `:port`) equals or ends with on a dot boundary, returned as
 * configured; null when none matches, i.e. the cookie should be host-only. `example.com` matches `example.com`
 * and `a.example.com`, never `badexample.com`.
 */
export function selectCookieDomain(host: string, domains: readonly string[]): string | null {
  const name = hostName(host);
  if (name === '') return null;
  let best: string | null = null;
  let bestLength = 0;
  for (const domain of domains) {
    const candidate = domainName(domain);
    if (candidate === '' || candidate.length <= bestLength) continue;
    if (name === candidate || name.endsWith(`.${candidate}`)) {
      best = domain.trim();
      bestLength = candidate.length;
    }
  }
  return best;
}
