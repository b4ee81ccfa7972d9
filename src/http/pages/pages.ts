import { PRODUCT_NAME, PRODUCT_VERSION } from '../../version.js';
import { escapeHtml, footerText, renderFrame } from './render.js';
import { renderTemplate, type TemplateTexts, type TemplateValues } from './templates.js';

export interface PageContext {
  /** Where the stylesheet and script live: `<proxy-prefix>/static`. */
  readonly staticPrefix: string;
  readonly proxyPrefix: string;
  /** --banner ('' for none). */
  readonly banner?: string;
  /** --footer ('' for the default, '-' for none). */
  readonly footer?: string;
  /** --custom-templates-dir contents, read and checked at start; null for the built-in pages. */
  readonly templates?: TemplateTexts | null;
}

/**
 * The query parameter the sign-in form always sends, holding `location.hash` when the page script ran. Its
 * presence tells /oauth2/start that a page already had the chance to read the fragment.
 */
export const FRAGMENT_PARAM = 'fragment';

function commonValues(ctx: PageContext, title: string): TemplateValues {
  const p = ctx.proxyPrefix;
  return {
    title,
    product: PRODUCT_NAME,
    version: PRODUCT_VERSION,
    banner: ctx.banner ?? '',
    footer: footerText(ctx.footer) ?? '',
    proxy_prefix: p,
    static_url: ctx.staticPrefix,
    stylesheet_url: `${ctx.staticPrefix}/authgate.css`,
    script_url: `${ctx.staticPrefix}/authgate.js`,
    sign_in_url: `${p}/sign_in`,
    sign_out_url: `${p}/sign_out`,
  };
}

/** A built-in page with the operator's banner and footer (also used by the whoami and kubeconfig pages). */
export function renderPage(ctx: PageContext, title: string, body: string, script = false): string {
  return renderFrame({
    title,
    body,
    script,
    staticPrefix: ctx.staticPrefix,
    ...(ctx.banner ? { banner: ctx.banner } : {}),
    ...(ctx.footer ? { footer: ctx.footer } : {}),
  });
}

/** The form that starts the round trip; authgate.js copies location.hash into its fragment field. */
function startForm(ctx: PageContext, providerName: string, redirect: string, auto: boolean): string {
  return `<form method="get" action="${escapeHtml(ctx.proxyPrefix)}/start" data-authgate-start${auto ? ' data-authgate-auto' : ''}>
<input type="hidden" name="rd" value="${escapeHtml(redirect)}">
<input type="hidden" name="${FRAGMENT_PARAM}" value="">
<button type="submit" class="button">${auto ? 'Continue to' : 'Sign in with'} ${escapeHtml(providerName)}</button>
</form>`;
}

export function signInPage(ctx: PageContext, providerName: string, redirect: string): string {
  const custom = ctx.templates?.['sign_in.html'];
  if (custom) {
    return renderTemplate(custom, {
      ...commonValues(ctx, 'Sign in'),
      provider_name: providerName,
      redirect,
      start_url: `${ctx.proxyPrefix}/start`,
    });
  }
  const body = `<p class="lead">You need to sign in to continue.</p>
${startForm(ctx, providerName, redirect, false)}
<p class="muted">You will be sent to ${escapeHtml(providerName)} and brought back to the page you asked for.</p>`;
  return renderPage(ctx, 'Sign in', body, true);
}

/**
 * --skip-provider-button (and /oauth2/start opened as a page): a page that continues to the provider by
 * itself. A redirect would do the same, but only a page can read the `#fragment` the browser never sends.
 */
export function signInContinuePage(ctx: PageContext, providerName: string, redirect: string): string {
  const body = `<p class="lead" role="status">Taking you to ${escapeHtml(providerName)} to sign in…</p>
${startForm(ctx, providerName, redirect, true)}`;
  return renderPage(ctx, 'Signing in', body, true);
}

/** error.html stands in for the optional signed_out.html and forbidden.html. */
function fromTemplate(
  ctx: PageContext,
  file: 'error.html' | 'signed_out.html' | 'forbidden.html',
  values: TemplateValues,
): string | null {
  const text = ctx.templates?.[file] ?? ctx.templates?.['error.html'];
  return text ? renderTemplate(text, values) : null;
}

export function signedOutPage(ctx: PageContext): string {
  const title = 'Signed out';
  const message = 'You have been signed out.';
  const custom = fromTemplate(ctx, 'signed_out.html', {
    ...commonValues(ctx, title),
    message,
    status: '200',
  });
  if (custom) return custom;
  const body = `<p class="lead" role="status">${message}</p>
<p class="muted">Close the browser window if this is a shared computer.</p>
<p><a class="button" href="${escapeHtml(ctx.proxyPrefix)}/sign_in">Sign in again</a></p>`;
  return renderPage(ctx, title, body);
}

/** A refused user learns what to do next, never which rule refused them. */
export function forbiddenPage(ctx: PageContext, message: string): string {
  const title = 'Access denied';
  const custom = fromTemplate(ctx, 'forbidden.html', { ...commonValues(ctx, title), message, status: '403' });
  if (custom) return custom;
  const body = `<p class="lead">${escapeHtml(message)}</p>
<p>If you have another account that should have access, sign in with it instead. If you think this account
should have access, ask the people who run this application.</p>
<p><a class="button" href="${escapeHtml(ctx.proxyPrefix)}/sign_in">Sign in with another account</a></p>`;
  return renderPage(ctx, title, body);
}

export function errorPage(ctx: PageContext, status: number, message: string, requestId: string): string {
  const title = status >= 500 ? 'Something went wrong' : 'Request refused';
  const custom = fromTemplate(ctx, 'error.html', {
    ...commonValues(ctx, title),
    message,
    status: String(status),
    request_id: requestId,
  });
  if (custom) return custom;
  const body = `<p class="lead">${escapeHtml(message)}</p>
<dl class="facts">
<dt>Status</dt><dd>${status}</dd>
<dt>Request id</dt><dd><code id="request-id">${escapeHtml(requestId)}</code></dd>
</dl>
<p class="muted">If this keeps happening, send the request id to the people who run this application.</p>
<p><a class="button" href="${escapeHtml(ctx.proxyPrefix)}/sign_in">Start again</a></p>`;
  return renderPage(ctx, title, body);
}
