/**
 * authgate's own pages in Chromium: sign-out and the back button, the forbidden and error pages, axe-core on
 * each page (desktop and phone), --banner/--footer, and --custom-templates-dir still carrying the fragment.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import {
  chromiumAvailable,
  launchChromium,
  screenshot,
  seriousAxeViolations,
  signInAtIssuer,
} from '../support/browser/chromium.js';
import { startAuthgate, type RunningAuthgate } from '../support/authgate.js';
import { describeWithBinary } from '../support/processes.js';
import { dashboardState, DEEP_LINK, startStack, type Stack } from './stack.js';

const PHONE = { width: 390, height: 844 };
/** The parts of the page's DOM the evaluated callbacks use (the test files are type-checked without lib.dom). */
declare const document: {
  documentElement: { scrollWidth: number };
  activeElement: { textContent: string | null } | null;
};

/** An app page that sets no caching of its own, and an asset that does. */
async function startPlainApp(): Promise<{ url: string; stop(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url === '/plain/asset.css') {
      res.writeHead(200, { 'content-type': 'text/css', 'cache-control': 'public, max-age=600' });
      res.end('body{color:#222}');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><head><title>Plain</title><link rel="stylesheet" href="/plain/asset.css"></head>
<body><main><h1>Secret plain page</h1><p><a href="/oauth2/sign_out">Sign out</a></p></main></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describeWithBinary({ describe, it }, 'chromium', chromiumAvailable(), "authgate's pages in Chromium", () => {
  let browser: Browser;
  let stack: Stack;
  let plain: Awaited<ReturnType<typeof startPlainApp>>;
  let ag: RunningAuthgate;
  let refusing: RunningAuthgate;
  let templated: RunningAuthgate;
  let templatesDir: string;

  const signIn = async (page: Page, gate: RunningAuthgate, path: string) => {
    await page.goto(`${gate.url}${path}`);
    await page.getByRole('button', { name: /^Sign in with/ }).click();
    await signInAtIssuer(page, stack.issuer.url);
  };
  const axeClean = async (page: Page, name: string) => {
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'pages', name);
    await page.setViewportSize(PHONE);
    expect(await seriousAxeViolations(page)).toEqual([]);
    // nothing wider than the phone's screen
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await screenshot(page, 'pages', `${name}-phone`);
  };

  beforeAll(async () => {
    templatesDir = mkdtempSync(join(tmpdir(), 'authgate-templates-'));
    writeFileSync(
      join(templatesDir, 'sign_in.html'),
      `<!doctype html><html lang="en"><head><title>{{title}} · ACME</title><link rel="stylesheet" href="{{stylesheet_url}}">
<script src="{{script_url}}" defer></script></head><body><main class="card"><h1>ACME sign-in</h1>
<form method="get" action="{{start_url}}" data-authgate-start><input type="hidden" name="rd" value="{{redirect}}">
<input type="hidden" name="fragment" value=""><button class="button" type="submit">Continue with {{provider_name}}</button></form>
</main><footer class="footer"><p>{{footer}}</p></footer></body></html>`,
    );
    writeFileSync(
      join(templatesDir, 'error.html'),
      `<!doctype html><html lang="en"><head><title>{{title}}</title></head><body><main><h1>ACME: {{title}}</h1>
<p>{{message}}</p><p>Reference <code id="request-id">{{request_id}}</code></p></main></body></html>`,
    );
    [browser, stack, plain] = await Promise.all([launchChromium(), startStack(), startPlainApp()]);
    const upstreams = [`--upstream=${stack.dashboard.url}/`, `--upstream=${plain.url}/plain/`];
    [ag, refusing, templated] = await Promise.all([
      startAuthgate(
        stack.flags([
          ...upstreams,
          '--banner=Production cluster: authorised staff only',
          '--footer=ACME platform team',
          // sign-out ends here, not at the issuer's logout confirmation (tokenLifecycle covers that round trip)
          '--oidc-rp-initiated-logout=false',
        ]),
      ),
      startAuthgate([
        ...stack.flags(upstreams).filter((f) => f !== '--email-domain=*'),
        '--email-domain=other.test',
      ]),
      startAuthgate(stack.flags([...upstreams, `--custom-templates-dir=${templatesDir}`])),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([ag, refusing, templated].map((a) => a?.stop()));
    await plain?.stop();
    await stack?.stop();
    rmSync(templatesDir, { recursive: true, force: true });
  });

  it('sign-in page: provider on the button, banner, footer with product and version; no serious axe violations', async () => {
    const page = await browser.newPage();
    await page.goto(`${ag.url}${DEEP_LINK}`);
    await expect(page.getByRole('button', { name: 'Sign in with OpenID Connect' }).isVisible()).resolves.toBe(
      true,
    );
    await expect(page.getByRole('banner').innerText()).resolves.toBe(
      'Production cluster: authorised staff only',
    );
    await expect(page.getByRole('contentinfo').innerText()).resolves.toMatch(
      /^ACME platform team · Secured by authgate \d+\.\d+\.\d+/,
    );
    // keyboard: the first Tab reaches the button, and Enter starts the sign-in
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe(
      'Sign in with OpenID Connect',
    );
    await axeClean(page, 'sign-in');
    await page.context().close();
  });

  it('sign-out lands on the signed-out page; back shows nothing protected; a reload leads to sign-in', async () => {
    const page = await browser.newPage();
    await signIn(page, ag, '/plain/doc');
    await page.waitForURL(`${ag.url}/plain/doc`);
    const doc = await page.reload();
    // HTML without caching of its own is marked no-store; the app's asset keeps its own caching
    expect(doc?.headers()['cache-control']).toBe('no-store');
    const asset = await page.request.get(`${ag.url}/plain/asset.css`);
    expect(asset.headers()['cache-control']).toBe('public, max-age=600');
    await page.getByRole('link', { name: 'Sign out' }).click();
    await page.waitForURL(`${ag.url}/oauth2/sign_out`);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Signed out');
    await axeClean(page, 'signed-out');
    await page.setViewportSize({ width: 1280, height: 720 });

    await page.goBack();
    await page.waitForLoadState('load');
    expect(page.url()).toBe(`${ag.url}/plain/doc`);
    await expect(page.content()).resolves.not.toContain('Secret plain page');
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Sign in');
    await screenshot(page, 'pages', 'back-after-sign-out');
    const reload = await page.reload();
    expect(reload?.status()).toBe(401);
    await expect(page.content()).resolves.not.toContain('Secret plain page');
    await page.context().close();
  });

  it('back after signing out of the dashboard (which caches its own page) shows nothing protected', async () => {
    const page = await browser.newPage();
    await signIn(page, ag, DEEP_LINK);
    await page.waitForURL(`${ag.url}${DEEP_LINK}`);
    expect((await dashboardState(page)).me).toContain('alice@example.com');
    await page.getByRole('link', { name: 'Sign out' }).click();
    await page.waitForURL(`${ag.url}/oauth2/sign_out`);
    await page.goBack();
    await page.waitForLoadState('load');
    await expect(page.content()).resolves.not.toContain('Who the apiserver sees');
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Sign in');
    await page.context().close();
  });

  it('forbidden: tells the user to sign in with another account, and not which rule refused them', async () => {
    const page = await browser.newPage();
    await signIn(page, refusing, '/');
    await page.waitForURL((u) => u.pathname === '/oauth2/callback');
    const text = await page.locator('main').innerText();
    expect(text).toContain('not permitted');
    await expect(
      page.getByRole('link', { name: 'Sign in with another account' }).getAttribute('href'),
    ).resolves.toBe('/oauth2/sign_in');
    expect(text).not.toMatch(/other\.test|example\.com|domain|group|rule/i);
    await axeClean(page, 'forbidden');
    await page.context().close();
  });

  it('error page: the request id shown is the one in the log line', async () => {
    const page = await browser.newPage();
    const res = await page.goto(`${ag.url}/oauth2/callback?code=forged&state=forged`);
    expect(res?.status()).toBe(403);
    const id = await page.locator('#request-id').innerText();
    expect(id).toMatch(/^\S{8,}$/);
    const line = ag
      .logs()
      .split('\n')
      .find((l) => l.includes(`"requestId":"${id}"`));
    expect(line).toMatch(/"outcome":"refused"/);
    await axeClean(page, 'error');
    await page.context().close();
  });

  it('--skip-provider-button page and 404 page pass axe too', async () => {
    const page = await browser.newPage();
    // no script: the continue page stays put, as it does for a browser without JavaScript
    await page.context().route('**/authgate.js', (route) => route.abort());
    await page.goto(`${ag.url}/oauth2/start?rd=/x`);
    await expect(page.getByRole('button', { name: 'Continue to OpenID Connect' }).isVisible()).resolves.toBe(
      true,
    );
    await axeClean(page, 'continue');
    await page.goto(`${ag.url}/oauth2/nothing-here`);
    await axeClean(page, 'not-found');
    await page.context().close();
  });

  it('--custom-templates-dir: the operator page, values escaped, the fragment still carried', async () => {
    const page = await browser.newPage();
    await page.goto(`${templated.url}${DEEP_LINK}`);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('ACME sign-in');
    // the redirect value is attribute-escaped by the template renderer
    await expect(page.locator('input[name="rd"]').getAttribute('value')).resolves.toBe('/some/path?q=1');
    await screenshot(page, 'pages', 'custom-sign-in');
    await page.getByRole('button', { name: 'Continue with OpenID Connect' }).click();
    await signInAtIssuer(page, stack.issuer.url);
    await page.waitForURL(`${templated.url}${DEEP_LINK}`);
    const res = await page.goto(`${templated.url}/oauth2/callback?code=x&state=y`);
    expect(res?.status()).toBe(403);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('ACME: Request refused');
    await expect(page.locator('#request-id').innerText()).resolves.toMatch(/^\S{8,}$/);
    await page.context().close();
  });
});
