import { PRODUCT_NAME, PRODUCT_VERSION } from '../../version.js';

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface PageFrame {
  readonly title: string;
  /** Already-escaped HTML of the main region. */
  readonly body: string;
  readonly staticPrefix: string;
}

/** The page chrome every authgate page shares: no inline script or style, one same-origin stylesheet. */
export function renderFrame(frame: PageFrame): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(frame.title)} · ${PRODUCT_NAME}</title>
<link rel="stylesheet" href="${escapeHtml(frame.staticPrefix)}/authgate.css">
</head>
<body>
<main class="card" aria-labelledby="page-title">
<h1 id="page-title">${escapeHtml(frame.title)}</h1>
${frame.body}
</main>
<footer class="footer">${PRODUCT_NAME} ${escapeHtml(PRODUCT_VERSION)}</footer>
</body>
</html>
`;
}
