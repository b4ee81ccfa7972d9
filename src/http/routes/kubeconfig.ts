import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Services } from '../services.js';
import { parseCookieHeader } from '../../session/cookies.js';
import { findSession } from '../sessionGate.js';
import { renderPage, signInPage } from '../pages/pages.js';
import { escapeHtml } from '../pages/render.js';
import { sendHtml, sendJson } from '../respond.js';
import { answersWithJson } from '../answerFormat.js';

/**
 * /oauth2/kubeconfig: a short page on using kubectl with the same sign-in, and (?download=1) the kubeconfig
 * itself as an attachment. The file is the same for everyone (no token in it), but it is offered only to
 * signed-in users: it names the clusters and the issuer.
 */
export async function handleKubeconfig(
  svc: Services,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const yaml = svc.kube?.kubeconfig;
  if (!yaml) throw new Error('kubeconfig route registered without --kubeconfig-client-id');
  const p = svc.options.proxyPrefix;
  const query = new URL(req.url ?? '/', 'http://x').searchParams;
  const session = await findSession(svc, parseCookieHeader(req.headers.cookie));
  if (!session) {
    if (answersWithJson(svc, req)) sendJson(res, 401, { error: 'unauthorized', signIn: `${p}/sign_in` });
    else sendHtml(res, 401, signInPage(svc.pages, svc.provider.displayName, `${p}/kubeconfig`));
    return;
  }
  if (query.get('download') === '1') {
    res.writeHead(200, {
      'content-type': 'application/yaml; charset=utf-8',
      'content-disposition': 'attachment; filename="kubeconfig.yaml"',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    res.end(yaml);
    return;
  }
  const clusters = svc.options.kubeClusters.map(
    (c) => `<li><code>${escapeHtml(c.name)}</code>: ${escapeHtml(c.url)}</li>`,
  );
  const body = `<p>Use kubectl with the same sign-in. The file holds no token: kubectl opens your browser to sign in when it needs one.</p>
<ol>
<li>Install the kubelogin plugin: <code>kubectl krew install oidc-login</code> (or <code>brew install kubelogin</code>).</li>
<li>Download the kubeconfig: <a class="button" href="${escapeHtml(p)}/kubeconfig?download=1" download="kubeconfig.yaml">Download kubeconfig</a></li>
<li>Use it: <code>export KUBECONFIG=~/Downloads/kubeconfig.yaml</code>, then <code>kubectl get pods</code>.</li>
</ol>
<p>Clusters in the file:</p>
<ul>${clusters.join('')}</ul>
${svc.kube?.whoami ? `<p class="muted">What Kubernetes lets you do: <a href="${escapeHtml(p)}/whoami">your Kubernetes access</a>.</p>` : ''}`;
  sendHtml(res, 200, renderPage(svc.pages, 'kubectl sign-in', body));
}
