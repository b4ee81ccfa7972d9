/**
 * What every browser test stands on: a real oidc-provider issuer, the dashboard-like app (hash routes, XHR,
 * WebSocket, a streamed response) checking bearers as kube-apiserver does, and authgate flags for it.
 */
import type { Page } from 'playwright-core';
import { startIssuer, type Issuer, type IssuerOptions } from '../support/issuer.js';
import { startDashboardApp, type DashboardApp } from '../support/dashboard/server.js';
import { createOidcAuthenticator } from '../support/apiserver/tokenAuthenticator.js';
import { TEST_COOKIE_SECRET } from '../support/authgate.js';

export interface Stack {
  readonly issuer: Issuer;
  readonly dashboard: DashboardApp;
  /** authgate flags for this issuer (add --upstream or forward-auth flags). */
  flags(extra?: string[]): string[];
  stop(): Promise<void>;
}

export async function startStack(issuerOptions: IssuerOptions = {}): Promise<Stack> {
  const issuer = await startIssuer(issuerOptions);
  const dashboard = await startDashboardApp(
    createOidcAuthenticator({
      issuerUrl: issuer.url,
      clientIds: [issuer.clientId],
      usernameClaim: 'email',
      groupsClaim: 'groups',
      // every request checked afresh: an expired bearer is caught, not served from a cache
      successCacheTtlMs: 0,
    }),
  );
  return {
    issuer,
    dashboard,
    flags: (extra = []) => [
      `--oidc-issuer-url=${issuer.url}`,
      `--client-id=${issuer.clientId}`,
      `--client-secret=${issuer.clientSecret}`,
      `--cookie-secret=${TEST_COOKIE_SECRET}`,
      '--cookie-secure=false',
      '--email-domain=*',
      ...extra,
    ],
    stop: async () => {
      await dashboard.stop();
      await issuer.stop();
    },
  };
}

/** A deep link of the Kubernetes Dashboard kind: path, query and a hash route with its own query. */
export const DEEP_LINK = '/some/path?q=1#/pod/kube-system/coredns?tab=logs';

/** What the dashboard page shows once its script ran: the route and the apiserver's answer to its XHR. */
export async function dashboardState(page: Page): Promise<{ hash: string; me: string; ws: string }> {
  await page.waitForFunction(() => {
    const doc = (
      globalThis as unknown as { document: { getElementById(id: string): { textContent: string } | null } }
    ).document;
    const me = doc.getElementById('me')?.textContent ?? '';
    const ws = doc.getElementById('ws')?.textContent ?? '';
    return !me.startsWith('loading') && !ws.startsWith('connecting');
  });
  const text = (id: string) => page.locator(`#${id}`).innerText();
  return { hash: await text('hash'), me: await text('me'), ws: await text('ws') };
}
