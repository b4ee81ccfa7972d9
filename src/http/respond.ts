import type { IncomingMessage, ServerResponse } from 'node:http';

/** Headers for every page authgate renders itself (helmet adds the rest on express routes). */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; form-action 'self' https: http:; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

export function sendHtml(
  res: ServerResponse,
  status: number,
  html: string,
  extra?: Record<string, string | string[]>,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { ...PAGE_HEADERS, ...extra });
  res.end(html);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  extra?: Record<string, string | string[]>,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...extra,
  });
  res.end(JSON.stringify(body));
}

/**
 * A request that wants JSON rather than a page: an XHR, or an Accept that names JSON but not HTML.
 * (--api-route and --force-json-errors are decided by the caller.)
 */
export function wantsJson(req: IncomingMessage): boolean {
  if (req.headers['x-requested-with'] === 'XMLHttpRequest') return true;
  const accept = req.headers.accept;
  if (!accept) return false;
  return accept.includes('application/json') && !accept.includes('text/html');
}
