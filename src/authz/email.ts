/**
 * Email parsing and --email-domain matching. The domain check is only as good as the split into local part and
 * domain, so anything that different parsers could split differently is refused outright: a second '@'
 * (`a@evil@company.com`, CVE-2026-40574), quoted local parts, whitespace and control characters, and non-ASCII
 * domains (an IDN domain is accepted only in its xn-- form, so a Cyrillic 'е' or a full-width 'ｅ' never passes for
 * example.com).
 */
import { domainToASCII } from 'node:url';

export interface ParsedEmail {
  readonly local: string;
  /** Lower-case ASCII (IDN in xn-- form). */
  readonly domain: string;
}

/** RFC 5321 limits. */
const MAX_EMAIL_LENGTH = 254;
const MAX_LOCAL_LENGTH = 64;
/**
 * Dot-atom local part (RFC 5322 atext), plus Unicode letters, marks and digits for internationalised addresses
 * (RFC 6531). No quotes, no leading, trailing or doubled dots.
 */
const LOCAL_PART = /^[\p{L}\p{M}\p{N}!#$%&'*+/=?^_`{|}~-]+(\.[\p{L}\p{M}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u;
const DOMAIN_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

function isAsciiDomain(domain: string): boolean {
  if (domain.length > 253) return false;
  if (!domain.split('.').every((label) => DOMAIN_LABEL.test(label))) return false;
  // An xn-- label must be valid punycode: domainToASCII returns '' for an invalid one.
  return !domain.includes('xn--') || domainToASCII(domain) === domain;
}

export function parseEmail(raw: string): ParsedEmail | null {
  if (typeof raw !== 'string' || raw.length > MAX_EMAIL_LENGTH) return null;
  const parts = raw.split('@');
  if (parts.length !== 2) return null;
  const [local, rawDomain] = parts as [string, string];
  if (local === '' || local.length > MAX_LOCAL_LENGTH || !LOCAL_PART.test(local)) return null;
  const domain = rawDomain.toLowerCase();
  if (!isAsciiDomain(domain)) return null;
  return { local, domain };
}

/**
 * Normalises one --email-domain entry: lower case, IDN to xn--, `*.example.com` accepted as an alias of
 * `.example.com`. Returns '' for an entry that can never match.
 */
function normaliseDomainEntry(entry: string): string {
  let e = entry.trim().toLowerCase();
  if (e === '*') return e;
  if (e.startsWith('*.')) e = e.slice(1);
  const dot = e.startsWith('.') ? '.' : '';
  const ascii = domainToASCII(e.slice(dot.length));
  return ascii === '' ? '' : dot + ascii;
}

/**
 * oauth2-proxy's --email-domain semantics, case-insensitive:
 *   `*`             any well-formed email
 *   `example.com`   exactly @example.com (not its subdomains)
 *   `.example.com`  any subdomain of example.com (a.example.com, a.b.example.com), not example.com itself
 */
export function isEmailDomainAllowed(email: string, domains: readonly string[]): boolean {
  const parsed = parseEmail(email);
  if (parsed === null) return false;
  return domains.some((entry) => {
    const e = normaliseDomainEntry(entry);
    if (e === '') return false;
    if (e === '*') return true;
    if (e.startsWith('.')) return e.length > 1 && parsed.domain.endsWith(e);
    return parsed.domain === e;
  });
}
