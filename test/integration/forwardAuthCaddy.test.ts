import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startIssuer, type Issuer } from '../support/issuer.js';
import { BrowserClient } from '../support/browserClient.js';
import { issuerFlags, startAuthgate, type RunningAuthgate } from '../support/authgate.js';
import { startApiserverTrusting } from '../support/apiserver/forIssuer.js';
import type { Apiserver } from '../support/apiserver/server.js';
import { caddyAvailable, startCaddyForwardAuth, type RunningCaddy } from '../support/caddy.js';
import { describeWithBinary } from '../support/processes.js';

type Whoami = {
  user: { username: string; groups: string[] } | null;
  headers: Record<string, string[] | undefined>;
};

describeWithBinary(
  { describe, it },
  'caddy',
  caddyAvailable(),
  'forward auth through real Caddy (forward_auth)',
  () => {
    let issuer: Issuer;
    let apiserver: Apiserver;
    let ag: RunningAuthgate;
    let caddy: RunningCaddy;
    let caddyStart: RunningCaddy;
    let restricted: RunningCaddy;

    beforeAll(async () => {
      issuer = await startIssuer();
      apiserver = await startApiserverTrusting(issuer);
      ag = await startAuthgate([
        ...issuerFlags(issuer),
        '--email-domain=*',
        '--reverse-proxy',
        '--trusted-proxy-ip=127.0.0.1',
        '--set-authorization-header',
      ]);
      caddy = await startCaddyForwardAuth({ authgatePort: ag.port, upstreamPort: apiserver.port });
      caddyStart = await startCaddyForwardAuth({
        authgatePort: ag.port,
        upstreamPort: apiserver.port,
        signin: 'proxy-start',
      });
      restricted = await startCaddyForwardAuth({
        authgatePort: ag.port,
        upstreamPort: apiserver.port,
        authQuery: 'allowed_groups=admins',
      });
    });
    afterAll(async () => {
      await Promise.all([caddy?.stop(), caddyStart?.stop(), restricted?.stop()]);
      await ag?.stop();
      await apiserver?.stop();
      await issuer?.stop();
    });

    it('redirects to sign-in and then forwards a bearer the apiserver accepts', async () => {
      const browser = new BrowserClient();
      const first = await browser.get(`${caddy.url}/_test/whoami`);
      expect(first.status).toBe(302);
      expect(first.header('location')).toBe(`/oauth2/start?rd=${caddy.url}/_test/whoami`);
      const { final, hops } = await browser.follow(`${caddy.url}${first.header('location')}`, {
        login: 'alice',
      });
      expect(hops.at(-1)).toBe(`${caddy.url}/_test/whoami`);
      const who = final.json<Whoami>();
      expect(who.user?.username).toBe('alice@example.com');
      expect(who.headers['authorization']?.join(',')).toMatch(/^Bearer ey/);
    });

    it('keeps a deep link with a query exact when Caddy hands the 401 to /oauth2/start', async () => {
      const browser = new BrowserClient();
      const { final, hops } = await browser.follow(`${caddyStart.url}/_test/whoami?a=1&b=x%20y`, {
        login: 'alice',
      });
      expect(hops.at(-1)).toBe(`${caddyStart.url}/_test/whoami?a=1&b=x%20y`);
      expect(final.status).toBe(200);
    });

    it('passes a 403 through when the query rules refuse the user', async () => {
      const browser = new BrowserClient();
      await browser.follow(`${caddy.url}/oauth2/start?rd=/`, { login: 'alice' });
      const res = await browser.get(`${restricted.url}/_test/whoami`);
      expect(res.status).toBe(403);
    });

    it('replaces a client-sent Authorization', async () => {
      const browser = new BrowserClient();
      await browser.follow(`${caddy.url}/oauth2/start?rd=/`, { login: 'alice' });
      const res = await browser.get(`${caddy.url}/_test/whoami`, {
        headers: { authorization: 'Bearer forged' },
      });
      expect(res.json<Whoami>().user?.username).toBe('alice@example.com');
    });
  },
);
