import { escapeHtml, renderFrame } from './render.js';

export interface PageContext {
  /** Where the stylesheet lives: `<proxy-prefix>/static`. */
  readonly staticPrefix: string;
  readonly proxyPrefix: string;
}

export function signInPage(ctx: PageContext, providerName: string, redirect: string): string {
  const body = `<p>Sign in to continue to this application.</p>
<form method="get" action="${escapeHtml(ctx.proxyPrefix)}/start">
<input type="hidden" name="rd" value="${escapeHtml(redirect)}">
<button type="submit" class="button">Sign in with ${escapeHtml(providerName)}</button>
</form>`;
  return renderFrame({ title: 'Sign in', body, staticPrefix: ctx.staticPrefix });
}

export function signedOutPage(ctx: PageContext): string {
  const body = `<p>You have been signed out.</p>
<p><a class="button" href="${escapeHtml(ctx.proxyPrefix)}/sign_in">Sign in again</a></p>`;
  return renderFrame({ title: 'Signed out', body, staticPrefix: ctx.staticPrefix });
}

export function forbiddenPage(ctx: PageContext, message: string): string {
  const body = `<p>${escapeHtml(message)}</p>
<p>If you have another account that should have access, sign in with it instead.</p>
<p><a class="button" href="${escapeHtml(ctx.proxyPrefix)}/sign_in">Sign in with another account</a></p>`;
  return renderFrame({ title: 'Access denied', body, staticPrefix: ctx.staticPrefix });
}

export function errorPage(ctx: PageContext, status: number, message: string, requestId: string): string {
  const body = `<p>${escapeHtml(message)}</p>
<p class="muted">Status ${status}. Request id: <code>${escapeHtml(requestId)}</code></p>
<p><a class="button" href="${escapeHtml(ctx.proxyPrefix)}/sign_in">Start again</a></p>`;
  return renderFrame({
    title: status >= 500 ? 'Something went wrong' : 'Request refused',
    body,
    staticPrefix: ctx.staticPrefix,
  });
}
