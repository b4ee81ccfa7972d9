import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startIssuer, type Issuer } from '../support/issuer.js';
import { BrowserClient } from '../support/browserClient.js';
import { TEST_COOKIE_SECRET } from '../support/authgate.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echoUpstream.js';
import { freePort, spawnServer, waitForPort, type ServerProcess } from '../support/processes.js';
import { loadOptions } from '../../src/config/load.js';
import { CookieSessionStore } from '../../src/session/cookieStore.js';
import { parseCookieHeader } from '../../src/session/cookies.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('no secret is ever printed, even at --log-level=trace', () => {
  let issuer: Issuer;
  let upstream: EchoUpstream;
  let proc: ServerProcess;
  let flags: string[];
  let base: string;

  beforeAll(async () => {
    // Short ID tokens so that a refresh happens (and is logged) during the test.
    issuer = await startIssuer({ idTokenTtl: 4, refreshTokenPolicy: 'always', rotateRefreshTokens: true });
    upstream = await startEchoUpstream();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    flags = [
      `--http-address=127.0.0.1:${port}`,
      `--oidc-issuer-url=${issuer.url}`,
      `--client-id=${issuer.clientId}`,
      `--client-secret=${issuer.clientSecret}`,
      `--cookie-secret=${TEST_COOKIE_SECRET}`,
      '--cookie-secure=false',
      '--email-domain=example.com',
      `--upstream=${upstream.url}/`,
      '--pass-access-token=true',
      '--token-refresh-margin=2s',
      '--metrics-address=127.0.0.1:0',
      '--log-level=trace',
    ];
    proc = spawnServer(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...flags], {
      env: { PATH: process.env.PATH ?? '' },
    });
    await waitForPort(port, { server: proc, timeoutMs: 20_000 });
  });
  afterAll(async () => {
    await proc?.stop(5000);
    await upstream?.stop();
    await issuer?.stop();
  });

  it('signs in, refreshes, signs out: no client secret, cookie secret, token, code or cookie value in stdout or stderr', async () => {
    for (let i = 0; i < 100; i += 1) {
      if ((await fetch(`${base}/ready`)).status === 200) break;
      await sleep(100);
    }
    const secrets = new Map<string, string>([
      ['client secret', issuer.clientSecret],
      ['cookie secret', TEST_COOKIE_SECRET],
    ]);
    const options = loadOptions({ argv: flags, env: {} }).options;
    if (!options) throw new Error('no options');
    const store = CookieSessionStore.fromOptions(options);
    const collect = async (browser: BrowserClient, label: string) => {
      const cookieHeader = browser.cookies(`${base}/`);
      for (const [name, value] of parseCookieHeader(cookieHeader))
        secrets.set(`${label} cookie ${name}`, value);
      const session = await store.load(parseCookieHeader(cookieHeader));
      if (!session) throw new Error('no session in the cookie');
      secrets.set(`${label} ID token`, session.state.idToken);
      secrets.set(`${label} access token`, session.state.accessToken);
      secrets.set(`${label} refresh token`, session.state.refreshToken);
    };

    const browser = new BrowserClient();
    const { final, hops } = await browser.follow(`${base}/oauth2/start?rd=/app`);
    expect(final.status).toBe(200);
    const callback = new URL(hops.find((h) => h.includes('/oauth2/callback?')) ?? '');
    secrets.set('authorization code', callback.searchParams.get('code') ?? '');
    secrets.set('state', callback.searchParams.get('state') ?? '');
    await collect(browser, 'first');
    // What the upstream received is the same ID token and access token.
    const seen = upstream.last()?.headers;
    expect(seen?.authorization).toBe(`Bearer ${secrets.get('first ID token')}`);
    expect(seen?.['x-forwarded-access-token']).toBe(secrets.get('first access token'));

    await sleep(2500); // the ID token now has less than --token-refresh-margin left
    expect((await browser.get(`${base}/app/after-refresh`)).status).toBe(200);
    await collect(browser, 'refreshed');
    expect(secrets.get('refreshed ID token')).not.toBe(secrets.get('first ID token'));
    expect((await browser.get(`${base}/oauth2/sign_out`)).status).toBeLessThan(400);

    // Every value searched for is real (an empty one would match nothing and prove nothing).
    for (const value of secrets.values()) expect(value.length).toBeGreaterThan(8);
    await sleep(300); // let the child's asynchronous log writes land
    const printed = proc.stdout() + proc.stderr();
    // The log covers what happened (nothing on this path logs below info today; the level is trace anyway).
    expect(printed).toContain('"audit":"sign_in"');
    expect(printed).toContain('"audit":"refresh"');
    expect(printed).toContain('"audit":"sign_out"');
    const leaked = [...secrets].filter(([, value]) => printed.includes(value)).map(([name]) => name);
    expect(leaked).toEqual([]);
  }, 30_000);
});
