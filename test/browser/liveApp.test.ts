/**
 * The dashboard's live parts in Chromium behind authgate (data path): the WebSocket carries the identity, a
 * streamed response arrives piece by piece, the ID token expires while the page is open (refresh, or a 401
 * the app can act on and a reload that signs in and returns to the same deep link), and two tabs signing in
 * at once.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import {
  chromiumAvailable,
  launchChromium,
  screenshot,
  signInAtIssuer,
} from '../support/browser/chromium.js';
import { startAuthgate, type RunningAuthgate } from '../support/authgate.js';
import { describeWithBinary } from '../support/processes.js';
import { dashboardState, DEEP_LINK, startStack, type Stack } from './stack.js';

const ID_TOKEN_TTL = 4; // seconds
/** The page's location, as used in evaluated callbacks (the test files are type-checked without lib.dom). */
declare const location: { host: string };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The page's own XHR, as the dashboard makes it. */
function xhrMe(page: Page): Promise<{ status: number; body: string }> {
  return page.evaluate(async () => {
    const res = await fetch('/api/v1/me', { headers: { accept: 'application/json' } });
    return { status: res.status, body: await res.text() };
  });
}

describeWithBinary(
  { describe, it },
  'chromium',
  chromiumAvailable(),
  'a live dashboard page in Chromium',
  () => {
    let browser: Browser;
    let stack: Stack;
    let ag: RunningAuthgate;

    /** A new browser profile signed in at `path`, the page left on it. */
    const signedIn = async (path = DEEP_LINK, login = 'alice'): Promise<Page> => {
      const page = await browser.newPage();
      await page.goto(`${ag.url}${path}`);
      await page.getByRole('button', { name: /^Sign in with/ }).click();
      await signInAtIssuer(page, stack.issuer.url, login);
      await page.waitForURL(`${ag.url}${path}`);
      return page;
    };

    beforeAll(async () => {
      [browser, stack] = await Promise.all([
        launchChromium(),
        startStack({ idTokenTtl: ID_TOKEN_TTL, rotateRefreshTokens: true }),
      ]);
      ag = await startAuthgate(
        stack.flags([`--upstream=${stack.dashboard.url}/`, '--token-refresh-margin=2s']),
      );
    });
    afterAll(async () => {
      await browser?.close();
      await ag?.stop();
      await stack?.stop();
    });

    it('the WebSocket the page opens after sign-in carries the identity (the exec shell case)', async () => {
      const page = await signedIn();
      const state = await dashboardState(page);
      expect(JSON.parse(state.ws)).toEqual({ user: 'alice@example.com', groups: ['dev', 'ops'] });
      const echoed = await page.evaluate(
        () =>
          new Promise<string>((resolve, reject) => {
            const ws = new WebSocket(`ws://${location.host}/api/sockjs/ws`);
            ws.onmessage = (e) => {
              if (String(e.data).startsWith('{')) ws.send('ls -l');
              else resolve(String(e.data));
            };
            ws.onerror = () => reject(new Error('WebSocket refused'));
          }),
      );
      expect(echoed).toBe('ls -l');
      await screenshot(page, 'live-app', 'dashboard');
      await page.context().close();
    });

    it('a streamed response arrives piece by piece, not all at the end', async () => {
      const page = await signedIn('/');
      const arrivals = await page.evaluate(async () => {
        const res = await fetch('/api/v1/stream');
        const reader = res.body!.getReader();
        const start = performance.now();
        const out: { at: number; text: string }[] = [];
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return out;
          out.push({ at: performance.now() - start, text: new TextDecoder().decode(value) });
        }
      });
      expect(arrivals.map((a) => a.text).join('')).toBe('line 1\nline 2\nline 3\nline 4\nline 5\n');
      // the app writes a line every 100 ms: several pieces, spread over the 400 ms between the first and last
      expect(arrivals.length).toBeGreaterThanOrEqual(3);
      expect(arrivals.at(-1)!.at - arrivals[0]!.at).toBeGreaterThan(250);
      await page.context().close();
    });

    it('the ID token expires while the page is open: the next XHR still succeeds (refreshed)', async () => {
      const page = await signedIn();
      const refreshes = stack.issuer.counts.refresh;
      await sleep(ID_TOKEN_TTL * 1000 + 300);
      const me = await xhrMe(page);
      expect(me.status).toBe(200);
      expect(JSON.parse(me.body)).toMatchObject({ name: 'alice@example.com', authenticated: true });
      expect(stack.issuer.counts.refresh).toBe(refreshes + 1);
      await page.context().close();
    });

    it('refresh impossible: the XHR gets a 401 the app can act on, a reload signs in and returns to the deep link', async () => {
      const page = await signedIn(DEEP_LINK, 'revoked');
      await stack.issuer.revokeRefreshTokens('revoked');
      await sleep(2300);
      const me = await xhrMe(page);
      expect(me.status).toBe(401);
      expect(JSON.parse(me.body)).toMatchObject({ error: 'unauthorized', signIn: '/oauth2/sign_in' });
      const reload = await page.reload();
      expect(reload?.status()).toBe(401);
      await screenshot(page, 'live-app', 'sign-in-after-expiry');
      await page.getByRole('button', { name: /^Sign in with/ }).click();
      await signInAtIssuer(page, stack.issuer.url, 'revoked');
      await page.waitForURL(`${ag.url}${DEEP_LINK}`);
      const state = await dashboardState(page);
      expect(state.hash).toBe(DEEP_LINK.slice(DEEP_LINK.indexOf('#')));
      expect(state.me).toContain('"name":"revoked@example.com"');
      await page.context().close();
    });

    it('two tabs signing in at once both end up signed in', async () => {
      const context = await browser.newContext();
      const tabs = await Promise.all([context.newPage(), context.newPage()]);
      const links = ['/one?tab=1#/workloads?namespace=a', '/two?tab=2#/workloads?namespace=b'];
      await Promise.all(tabs.map((tab, i) => tab.goto(`${ag.url}${links[i]}`)));
      await Promise.all(
        tabs.map(async (tab) => {
          await tab.getByRole('button', { name: /^Sign in with/ }).click();
          await signInAtIssuer(tab, stack.issuer.url);
        }),
      );
      for (const [i, tab] of tabs.entries()) {
        await tab.waitForURL(`${ag.url}${links[i]}`);
        expect((await dashboardState(tab)).me).toContain('"name":"alice@example.com"');
        await screenshot(tab, 'live-app', `tab-${i + 1}`);
      }
      // and both stay signed in: the cookie the later callback set serves both
      for (const tab of tabs) expect((await xhrMe(tab)).status).toBe(200);
      await context.close();
    });
  },
);
