import { PRODUCT_NAME, PRODUCT_VERSION } from '../../version.js';

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** What every page around the main card shows: --banner above, --footer and the product below. */
export interface PageChrome {
  /** Where the stylesheet and script live: `<proxy-prefix>/static`. */
  readonly staticPrefix: string;
  /** --banner text ('' for none). Text, never HTML. */
  readonly banner?: string;
  /** --footer text ('' for the default, '-' for no footer at all). */
  readonly footer?: string;
}

export interface PageFrame extends PageChrome {
  readonly title: string;
  /** Already-escaped HTML of the main region. */
  readonly body: string;
  /** Loads <static>/authgate.js (the fragment carrier); only pages with a sign-in form need it. */
  readonly script?: boolean;
}

/** A padlock drawn in SVG markup: no image request, and presentation attributes are not affected by the CSP. */
const MARK = `<svg class="mark" aria-hidden="true" focusable="false" viewBox="0 0 24 24" width="40" height="40">
<rect x="4" y="10" width="16" height="11" rx="2.5" fill="currentColor"/>
<path d="M8 10V7a4 4 0 0 1 8 0v3" fill="none" stroke="currentColor" stroke-width="2.2"/>
<circle cx="12" cy="15.5" r="1.8" fill="var(--card)"/></svg>`;

export function footerText(footer: string | undefined): string | null {
  if (footer === '-') return null;
  const product = `Secured by ${PRODUCT_NAME} ${PRODUCT_VERSION}`;
  return footer ? `${footer} · ${product}` : product;
}

/** The page chrome every authgate page shares: no inline script or style, one same-origin stylesheet. */
export function renderFrame(frame: PageFrame): string {
  const prefix = escapeHtml(frame.staticPrefix);
  const banner = frame.banner ? `<header class="banner"><p>${escapeHtml(frame.banner)}</p></header>\n` : '';
  const footer = footerText(frame.footer);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<title>${escapeHtml(frame.title)} · ${PRODUCT_NAME}</title>
<link rel="stylesheet" href="${prefix}/authgate.css">
${frame.script ? `<script src="${prefix}/authgate.js" defer></script>\n` : ''}</head>
<body>
${banner}<main class="card" id="main" aria-labelledby="page-title">
${MARK}
<h1 id="page-title">${escapeHtml(frame.title)}</h1>
${frame.body}
</main>
${footer === null ? '' : `<footer class="footer"><p>${escapeHtml(footer)}</p></footer>\n`}</body>
</html>
`;
}
