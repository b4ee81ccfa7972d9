import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startIssuer, type Issuer } from '../support/issuer.js';
import { BrowserClient } from '../support/browserClient.js';
import { issuerFlags, startAuthgate, type RunningAuthgate } from '../support/authgate.js';
import { startApiserverTrusting } from '../support/apiserver/forIssuer.js';
import type { Apiserver } from '../support/apiserver/server.js';
import { nginxAvailable, startNginxForwardAuth, type RunningNginx } from '../support/nginx.js';
import { describeWithBinary } from '../support/processes.js';

type Whoami = {
  user: { username: string; groups: string[] } | null;
  headers: Record<string, string[] | undefined>;
};
const GUID_GROUPS = Array.from({ length: 40 }, () => randomUUID());

describeWithBinary(
  { describe, it },
  'nginx',
  nginxAvailable(),
  'forward auth through real nginx (ingress-nginx layout)',
  () => {
    let issuer: Issuer;
    let apiserver: Apiserver;
    let ag: RunningAuthgate;
    let nginx: RunningNginx;
    let restricted: RunningNginx;

    beforeAll(async () => {
      issuer = await startIssuer({ users: { big: { groups: GUID_GROUPS } } });
      apiserver = await startApiserverTrusting(issuer);
      ag = await startAuthgate([
        ...issuerFlags(issuer),
        '--email-domain=*',
        '--reverse-proxy',
        '--trusted-proxy-ip=127.0.0.1',
        '--set-authorization-header',
        '--set-xauthrequest',
      ]);
      nginx = await startNginxForwardAuth({ authgatePort: ag.port, upstreamPort: apiserver.port });
      restricted = await startNginxForwardAuth({
        authgatePort: ag.port,
        upstreamPort: apiserver.port,
        authQuery: 'allowed_groups=admins',
      });
    });
    afterAll(async () => {
      await restricted?.stop();
      await nginx?.stop();
      await ag?.stop();
      await apiserver?.stop();
      await issuer?.stop();
    });

    it('redirects to sign-in, then the upstream gets a bearer the apiserver accepts', async () => {
      const browser = new BrowserClient();
      const first = await browser.get(`${nginx.url}/_test/whoami?q=1&r=2`);
      expect(first.status).toBe(302);
      expect(first.header('location')).toBe(
        `${nginx.url}/oauth2/start?rd=${nginx.url}${encodeURIComponent('/_test/whoami?q=1&r=2')}`,
      );
      const { final, hops } = await browser.follow(first.header('location')!, { login: 'alice' });
      expect(hops.at(-1)).toBe(`${nginx.url}/_test/whoami?q=1&r=2`);
      expect(final.status).toBe(200);
      const who = final.json<Whoami>();
      expect(who.user?.username).toBe('alice@example.com');
      expect(who.headers['authorization']?.join(',')).toMatch(/^Bearer ey/);
    });

    it('answers /oauth2/auth with 202 and the identity headers, 401 without a session', async () => {
      const browser = new BrowserClient();
      await browser.follow(`${nginx.url}/oauth2/start?rd=/`, { login: 'alice' });
      const res = await browser.get(`${ag.url}/oauth2/auth`);
      expect(res.status).toBe(202);
      expect(res.body).toBe('');
      expect(res.header('authorization')).toMatch(/^Bearer ey/);
      expect(res.header('x-auth-request-email')).toBe('alice@example.com');
      expect(res.header('x-auth-request-user')).toBe('alice');
      expect(res.header('x-auth-request-groups')).toBe('dev,ops');
      expect(res.header('gap-auth')).toBe('alice');
      const anon = await new BrowserClient().get(`${ag.url}/oauth2/auth`);
      expect(anon.status).toBe(401);
      expect(anon.header('location')).toBeUndefined();
    });

    it('answers 403 when the query rules (allowed_groups) exclude the user, 202 when they include them', async () => {
      const browser = new BrowserClient();
      await browser.follow(`${restricted.url}/oauth2/start?rd=/`, { login: 'alice' });
      const res = await browser.get(`${restricted.url}/_test/whoami`);
      expect(res.status).toBe(403);
      expect((await browser.get(`${ag.url}/oauth2/auth?allowed_groups=admins,ops`)).status).toBe(202);
      expect((await browser.get(`${ag.url}/oauth2/auth?allowed_emails=bob@example.com`)).status).toBe(403);
      expect((await browser.get(`${ag.url}/oauth2/auth?allowed_email_domains=example.com`)).status).toBe(202);
    });

    it('keeps a session of several cookie chunks working through nginx', async () => {
      const browser = new BrowserClient();
      await browser.follow(`${nginx.url}/oauth2/start?rd=/`, { login: 'big' });
      const names = browser.jar.getCookiesSync(nginx.url).map((c) => c.key);
      expect(names).toEqual(expect.arrayContaining(['_authgate_0', '_authgate_1']));
      const res = await browser.get(`${nginx.url}/_test/whoami`);
      expect(res.status).toBe(200);
      expect(res.json<Whoami>().user?.groups).toEqual(expect.arrayContaining(GUID_GROUPS));
    });

    it('replaces a client-sent Authorization with the one authgate answered', async () => {
      const browser = new BrowserClient();
      await browser.follow(`${nginx.url}/oauth2/start?rd=/`, { login: 'alice' });
      const res = await browser.get(`${nginx.url}/_test/whoami`, {
        headers: { authorization: 'Bearer forged' },
      });
      const who = res.json<Whoami>();
      expect(who.headers['authorization']?.join(',')).not.toBe('Bearer forged');
      expect(who.user?.username).toBe('alice@example.com');
    });
  },
);
