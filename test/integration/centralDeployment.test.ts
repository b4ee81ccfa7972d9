import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startIssuer, type Issuer } from '../support/issuer.js';
import { BrowserClient } from '../support/browserClient.js';
import { issuerFlags, startAuthgate, type RunningAuthgate } from '../support/authgate.js';
import { startApiserverTrusting } from '../support/apiserver/forIssuer.js';
import type { Apiserver } from '../support/apiserver/server.js';
import { nginxAvailable, startNginxForwardAuth, type RunningNginx } from '../support/nginx.js';
import { describeWithBinary, freePort } from '../support/processes.js';

type Whoami = { user: { username: string } | null; headers: Record<string, string[] | undefined> };

describeWithBinary(
  { describe, it },
  'nginx',
  nginxAvailable(),
  'central authgate for many subdomains',
  () => {
    let issuer: Issuer;
    let apiserver: Apiserver;
    let ag: RunningAuthgate;
    let nginx: RunningNginx;
    let port: number;
    const host = (name: string) => `${name}.example.test:${port}`;
    const url = (name: string) => `http://${host(name)}`;
    const browser = () =>
      new BrowserClient({
        resolve: Object.fromEntries(
          ['auth', 'a', 'b', 'evil'].map((n) => [host(n), `127.0.0.1:${nginx.port}`]),
        ),
      });

    beforeAll(async () => {
      issuer = await startIssuer();
      apiserver = await startApiserverTrusting(issuer, { groupsClaim: undefined });
      // nginx picks its own port; authgate must know the callback URL first, so reserve nginx's port up front.
      port = await freePort();
      ag = await startAuthgate([
        ...issuerFlags(issuer),
        '--email-domain=*',
        '--reverse-proxy',
        '--trusted-proxy-ip=127.0.0.1',
        '--set-authorization-header',
        `--redirect-url=http://auth.example.test:${port}/oauth2/callback`,
        '--cookie-domain=.example.test',
        '--whitelist-domain=.example.test:*',
      ]);
      nginx = await startNginxForwardAuth({
        authgatePort: ag.port,
        upstreamPort: apiserver.port,
        virtualHosts: ['auth.example.test', 'a.example.test', 'b.example.test', 'evil.test'],
        signinUrl: `http://auth.example.test:${port}/oauth2/start`,
        port,
      });
    });
    afterAll(async () => {
      await nginx?.stop();
      await ag?.stop();
      await apiserver?.stop();
      await issuer?.stop();
    });

    it('signs in once at a.example.test through auth.example.test, then reaches b.example.test without a new sign-in', async () => {
      const b = browser();
      const { final, hops } = await b.follow(`${url('a')}/_test/whoami?from=a`, { login: 'alice' });
      expect(hops).toContain(
        `${url('auth')}/oauth2/start?rd=${url('a')}${encodeURIComponent('/_test/whoami?from=a')}`,
      );
      expect(hops.some((h) => h.startsWith(`${url('auth')}/oauth2/callback?`))).toBe(true);
      expect(hops.at(-1)).toBe(`${url('a')}/_test/whoami?from=a`);
      expect(final.json<Whoami>().user?.username).toBe('alice@example.com');
      const before = issuer.counts.authorization;
      const other = await b.get(`${url('b')}/_test/whoami`);
      expect(other.status).toBe(200);
      expect(other.json<Whoami>().user?.username).toBe('alice@example.com');
      expect(issuer.counts.authorization).toBe(before);
      // the session cookie lives on the shared parent domain
      const cookie = b.jar.getCookiesSync(url('b')).find((c) => c.key === '_authgate');
      expect(cookie?.domain).toBe('example.test');
    });

    it('refuses to send the browser to a host outside the whitelist after sign-in', async () => {
      const b = browser();
      const { hops } = await b.follow(
        `${url('auth')}/oauth2/start?rd=${encodeURIComponent('http://evil.test/steal')}`,
      );
      expect(hops.at(-1)).toBe(`${url('auth')}/`);
      const lookalike = browser();
      const res = await lookalike.follow(
        `${url('auth')}/oauth2/start?rd=${encodeURIComponent(`http://badexample.test:${port}/`)}`,
      );
      expect(res.hops.at(-1)).toBe(`${url('auth')}/`);
    });

    it('clears the shared-domain cookie on sign-out', async () => {
      const b = browser();
      await b.follow(`${url('a')}/_test/whoami`);
      expect((await b.get(`${url('b')}/_test/whoami`)).status).toBe(200);
      await b.get(`${url('auth')}/oauth2/sign_out`);
      expect((await b.get(`${url('b')}/_test/whoami`)).status).toBe(302);
    });
  },
);
