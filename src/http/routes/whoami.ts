import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Services } from '../services.js';
import type { SessionState } from '../../session/types.js';
import type { NamespaceAccess, WhoamiReport } from '../../kube/whoami.js';
import { parseCookieHeader } from '../../session/cookies.js';
import { pickRedirect } from '../../redirect/validator.js';
import { findSession } from '../sessionGate.js';
import { renderPage, signInPage } from '../pages/pages.js';
import { escapeHtml } from '../pages/render.js';
import { sendHtml, sendJson } from '../respond.js';
import { answersWithJson } from '../answerFormat.js';

/**
 * /oauth2/whoami: how Kubernetes sees the signed-in user and what it lets them do in the listed namespaces,
 * as a page or (Accept: application/json) as JSON. After a sign-in that Kubernetes would not honour, the
 * browser lands here with rd=<target>, and the page's continue link goes on to it.
 */
export async function handleWhoami(svc: Services, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const kube = svc.kube;
  if (!kube?.whoami) throw new Error('whoami route registered without --kube-apiserver-url');
  const info = svc.readInfo(req);
  const query = new URL(req.url ?? '/', 'http://x').searchParams;
  const json = answersWithJson(svc, req) || query.get('format') === 'json';
  const session = await findSession(svc, parseCookieHeader(req.headers.cookie));
  if (!session) {
    if (json) {
      sendJson(res, 401, { error: 'unauthorized', signIn: `${svc.options.proxyPrefix}/sign_in` });
      return;
    }
    const self = `${svc.options.proxyPrefix}/whoami${query.size ? `?${query.toString()}` : ''}`;
    sendHtml(res, 401, signInPage(svc.pages, svc.provider.displayName, self));
    return;
  }
  const next = pickRedirect([query.get('rd') ?? undefined], { whitelist: svc.whitelist, ownHost: info.host });
  const report = await kube.report(session);
  if (json) sendJson(res, 200, whoamiJson(session, report, next));
  else sendHtml(res, 200, whoamiPage(svc, session, report, next));
}

/** Who authgate signed in: the email, else the login, else the subject. */
function signedInAs(s: SessionState): string {
  return s.email || s.preferredUsername || s.sub;
}

/** The groups worth showing: the apiserver's own system: groups say nothing to the reader. */
function visibleGroups(groups: readonly string[]): string[] {
  return groups.filter((g) => !g.startsWith('system:'));
}

export function whoamiJson(s: SessionState, r: WhoamiReport, next: string): Record<string, unknown> {
  return {
    state: r.state,
    signedIn: { user: signedInAs(s), groups: s.groups },
    kubernetes: { user: r.user, groups: r.groups },
    namespaces: r.namespaces,
    noAccessIn: r.noAccessIn,
    ...(r.detail ? { message: r.detail } : {}),
    continue: next,
  };
}

const list = (items: readonly string[]) => items.map((i) => escapeHtml(i)).join(', ');

function namespaceSection(n: NamespaceAccess): string {
  const rules = n.rules.length
    ? `<ul>${n.rules.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>`
    : '<p>No permissions beyond the basic ones every signed-in user has.</p>';
  const checks = n.checks
    .map((c) => `<tr><th scope="row">${escapeHtml(c.action)}</th><td>${c.allowed ? 'yes' : 'no'}</td></tr>`)
    .join('');
  const note = n.incomplete ? '<p class="muted">The cluster reported an incomplete rule list.</p>' : '';
  return `<section aria-labelledby="ns-${escapeHtml(n.namespace)}">
<h2 id="ns-${escapeHtml(n.namespace)}">Namespace <code>${escapeHtml(n.namespace)}</code></h2>
${rules}${note}
<table><caption>Common actions</caption><tbody>${checks}</tbody></table>
</section>`;
}

function explanation(svc: Services, r: WhoamiReport): string {
  switch (r.state) {
    case 'ok':
    case 'no_access':
      return '';
    case 'token_refused':
      return `<p role="alert"><strong>Kubernetes does not accept your sign-in.</strong> ${escapeHtml(r.detail)}</p>
<p>An administrator should compare the cluster's OIDC settings (issuer URL, client id, username and groups prefixes) with authgate's.</p>`;
    case 'cannot_impersonate':
      return `<p role="alert"><strong>Kubernetes does not let authgate act for you.</strong></p>
<p><code>${escapeHtml(r.detail)}</code></p>
<p>An administrator must allow authgate's service account to impersonate this user and groups (see the RBAC manifest in authgate's README).</p>`;
    case 'identity_refused':
      return `<p role="alert"><strong>authgate will not present this identity to Kubernetes:</strong> ${escapeHtml(r.detail)}.</p>`;
    case 'no_credential':
      return `<p role="alert">${escapeHtml(r.detail)} ${svc.options.kubeImpersonation ? '' : 'Turn on --kube-impersonation for providers without ID tokens.'}</p>`;
    case 'unavailable':
      return `<p role="alert">${escapeHtml(r.detail)} Try again in a moment.</p>`;
  }
}

function whoamiPage(svc: Services, s: SessionState, r: WhoamiReport, next: string): string {
  const groups = s.groups.length ? ` (groups: ${list(s.groups)})` : '';
  const parts = [`<p>Signed in as <strong>${escapeHtml(signedInAs(s))}</strong>${groups}.</p>`];
  if (r.state === 'ok' || r.state === 'no_access') {
    const kubeGroups = visibleGroups(r.groups);
    if (r.user) {
      parts.push(
        `<p>Kubernetes sees you as <code>${escapeHtml(r.user)}</code>${
          kubeGroups.length
            ? ` in the groups ${kubeGroups.map((g) => `<code>${escapeHtml(g)}</code>`).join(', ')}`
            : ''
        }.</p>`,
      );
    }
    if (r.noAccessIn.length > 0) {
      const who = r.user ? `<code>${escapeHtml(r.user)}</code>` : 'your user';
      parts.push(`<p role="alert"><strong>Kubernetes grants this identity no access in: ${list(r.noAccessIn)}.</strong>
Ask an administrator for a RoleBinding to ${who}${kubeGroups.length ? ' or one of your groups' : ''}.</p>`);
    }
    parts.push(...r.namespaces.map(namespaceSection));
  } else {
    parts.push(explanation(svc, r));
  }
  parts.push(`<p><a class="button" href="${escapeHtml(next)}">Continue</a></p>`);
  return renderPage(svc.pages, 'Your Kubernetes access', parts.join('\n'));
}
