/**
 * Recognises and fills the three HTML forms oidc-provider's dev interactions show (login, consent, logout
 * confirmation), so the BrowserClient can complete a sign-in without a real browser. Only these forms are
 * submitted: an application's own forms (authgate's sign-in page) must be driven by the test itself.
 */

export interface FormSubmission {
  action: string;
  fields: Record<string, string>;
  kind: 'login' | 'consent' | 'logout';
}

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  '#39': "'",
  '#x27': "'",
  '#x2F': '/',
};

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (m, e: string) => {
    const named = ENTITIES[e] ?? ENTITIES[e.toLowerCase()];
    if (named) return named;
    if (e.startsWith('#x') || e.startsWith('#X')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return m;
  });
}

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([a-zA-Z_:][\w:.-]*)\s*=\s*("([^"]*)"|'([^']*)')/g)) {
    const name = m[1];
    if (name) out[name.toLowerCase()] = decodeEntities(m[3] ?? m[4] ?? '');
  }
  return out;
}

/** The oidc-provider form in `html`, filled in, or undefined when the page is not one of them. */
export function oidcProviderForm(
  html: string,
  pageUrl: string,
  creds: { login: string; password: string },
): FormSubmission | undefined {
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const formAttrs = attributes(m[1] ?? '');
    if ((formAttrs.method ?? 'get').toLowerCase() !== 'post' || formAttrs.action === undefined) continue;
    const fields: Record<string, string> = {};
    for (const input of (m[2] ?? '').matchAll(/<input\b([^>]*)>/gi)) {
      const a = attributes(input[1] ?? '');
      if (a.name !== undefined) fields[a.name] = a.value ?? '';
    }
    const action = new URL(formAttrs.action, pageUrl).toString();
    if (fields.prompt === 'login' && 'login' in fields) {
      return { action, kind: 'login', fields: { ...fields, login: creds.login, password: creds.password } };
    }
    if (fields.prompt === 'consent') return { action, kind: 'consent', fields };
    // The logout confirmation's submit button lives outside the form (form="op.logoutForm", name=logout value=yes).
    if (formAttrs.id === 'op.logoutForm')
      return { action, kind: 'logout', fields: { ...fields, logout: 'yes' } };
  }
  return undefined;
}
