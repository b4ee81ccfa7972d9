/**
 * Deep links with a query and a `#fragment` (the Kubernetes Dashboard's hash routes) come back exact after
 * sign-in, in real Chromium, in the three deployment modes: authgate in the data path, forward auth through
 * real nginx, and the central deployment with authgate on a second subdomain.
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
import { nginxAvailable, startNginxForwardAuth, type RunningNginx } from '../support/nginx.js';
import { describeWithBinary, freePort } from '../support/processes.js';
import { dashboardState, DEEP_LINK, startStack, type Stack } from './stack.js';

const FRAGMENT = DEEP_LINK.slice(DEEP_LINK.indexOf('#'));

describeWithBinary(
  { describe, it },
  'chromium and nginx',
  chromiumAvailable() && nginxAvailable(),
  'deep links survive sign-in in Chromium',
  () => {
    let browser: Browser;
    let stack: Stack;
    let dataPath: RunningAuthgate;
    let skipButton: RunningAuthgate;
    let forward: RunningAuthgate;
    let central: RunningAuthgate;
    let forwardNginx: RunningNginx;
    let centralNginx: RunningNginx;
    let port: number;
    const sub = (name: string) => `http://${name}.example.test:${port}`;
    const pages: Page[] = [];
    const newPage = async () => {
      const page = await browser.newPage();
      pages.push(page);
      return page;
    };

    beforeAll(async () => {
      [browser, stack] = await Promise.all([launchChromium(), startStack()]);
      const upstream = `--upstream=${stack.dashboard.url}/`;
      const forwardFlags = ['--reverse-proxy', '--trusted-proxy-ip=127.0.0.1', '--set-authorization-header'];
      port = await freePort();
      [dataPath, skipButton, forward, central] = await Promise.all([
        startAuthgate(stack.flags([upstream])),
        startAuthgate(stack.flags([upstream, '--skip-provider-button'])),
        startAuthgate(stack.flags(forwardFlags)),
        startAuthgate(
          stack.flags([
            ...forwardFlags,
            `--redirect-url=${sub('auth')}/oauth2/callback`,
            '--cookie-domain=.example.test',
            '--whitelist-domain=.example.test:*',
          ]),
        ),
      ]);
      [forwardNginx, centralNginx] = await Promise.all([
        // ingress-nginx's documented auth-signin: /oauth2/start on the same host
        startNginxForwardAuth({ authgatePort: forward.port, upstreamPort: stack.dashboard.port }),
        // central: the sign-in page on auth.example.test, the applications on other subdomains
        startNginxForwardAuth({
          authgatePort: central.port,
          upstreamPort: stack.dashboard.port,
          virtualHosts: ['auth.example.test', 'a.example.test', 'b.example.test'],
          signinUrl: `${sub('auth')}/oauth2/sign_in`,
          port,
        }),
      ]);
    });
    afterAll(async () => {
      await Promise.all(pages.map((p) => p.context().close()));
      await browser?.close();
      await Promise.all([forwardNginx?.stop(), centralNginx?.stop()]);
      await Promise.all([dataPath, skipButton, forward, central].map((a) => a?.stop()));
      await stack?.stop();
    });

    it('data path: the sign-in page at the deep link, the provider, and back to the exact URL', async () => {
      const page = await newPage();
      const deep = `${dataPath.url}${DEEP_LINK}`;
      const first = await page.goto(deep);
      expect(first?.status()).toBe(401);
      await expect(
        page.getByRole('button', { name: 'Sign in with OpenID Connect' }).isVisible(),
      ).resolves.toBe(true);
      await screenshot(page, 'deep-links', 'data-path-sign-in');
      await page.getByRole('button', { name: 'Sign in with OpenID Connect' }).click();
      await signInAtIssuer(page, stack.issuer.url);
      await page.waitForURL(deep);
      expect(page.url()).toBe(deep);
      const state = await dashboardState(page);
      expect(state.hash).toBe(FRAGMENT);
      expect(state.me).toContain('"name":"alice@example.com"');
      await screenshot(page, 'deep-links', 'data-path-back');
    });

    it('data path with --skip-provider-button: no click, the fragment still comes back', async () => {
      const page = await newPage();
      const deep = `${skipButton.url}${DEEP_LINK}`;
      await page.goto(deep);
      await signInAtIssuer(page, stack.issuer.url);
      await page.waitForURL(deep);
      expect((await dashboardState(page)).hash).toBe(FRAGMENT);
    });

    it('forward auth through nginx auth_request, signing in at /oauth2/start: back to the exact URL', async () => {
      const page = await newPage();
      const deep = `${forwardNginx.url}${DEEP_LINK}`;
      await page.goto(deep);
      await signInAtIssuer(page, stack.issuer.url);
      await page.waitForURL(deep);
      expect(page.url()).toBe(deep);
      const state = await dashboardState(page);
      expect(state.hash).toBe(FRAGMENT);
      // the bearer came from authgate's /oauth2/auth answer, through nginx, to the app
      expect(state.me).toContain('"name":"alice@example.com"');
      await screenshot(page, 'deep-links', 'nginx-back');
    });

    it('central: sign-in on auth.example.test, back to the deep link on a.example.test, then b without sign-in', async () => {
      const page = await newPage();
      const deep = `${sub('a')}${DEEP_LINK}`;
      await page.goto(deep);
      expect(new URL(page.url()).host).toBe(`auth.example.test:${port}`);
      await screenshot(page, 'deep-links', 'central-sign-in');
      await page.getByRole('button', { name: /^Sign in with/ }).click();
      await signInAtIssuer(page, stack.issuer.url);
      await page.waitForURL(deep);
      expect(page.url()).toBe(deep);
      expect((await dashboardState(page)).hash).toBe(FRAGMENT);
      const authorizations = stack.issuer.counts.authorization;
      const other = `${sub('b')}/#/workloads?namespace=prod`;
      await page.goto(other);
      expect(page.url()).toBe(other);
      const state = await dashboardState(page);
      expect(state.me).toContain('"name":"alice@example.com"');
      expect(state.hash).toBe('#/workloads?namespace=prod');
      expect(stack.issuer.counts.authorization).toBe(authorizations);
      await screenshot(page, 'deep-links', 'central-second-subdomain');
    });

    it('a fragment never turns the target into another site', async () => {
      const page = await newPage();
      // rd is this host's own path; the fragment tries to smuggle an authority in
      await page.goto(`${dataPath.url}/oauth2/sign_in?rd=/safe#@evil.test/x`);
      await page.getByRole('button', { name: /^Sign in with/ }).click();
      await signInAtIssuer(page, stack.issuer.url);
      await page.waitForURL((u) => u.pathname === '/safe');
      const landed = new URL(page.url());
      expect(landed.origin).toBe(dataPath.url);
      expect(landed.hash).toBe('#@evil.test/x');
    });
  },
);
