/**
 * An identity provider behind a private CA, end to end: the real oidc-provider issuer served over HTTPS with a
 * certificate signed by a CA made for this test, and authgate given that CA with --provider-ca-file. Discovery,
 * a browser sign-in, the proxied request and the sign-out's --backend-logout-url call (an https endpoint with a
 * certificate from the same CA) must all work; without the CA the issuer is refused at discovery, clearly and
 * without bringing authgate down.
 */
import https from 'node:https';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startIssuer, type Issuer } from '../support/issuer.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echoUpstream.js';
import { BrowserClient } from '../support/browserClient.js';
import { issuerFlags, startAuthgate, type RunningAuthgate } from '../support/authgate.js';
import { makeTempDir, removeDir } from '../support/processes.js';
import { makeCa, makeServerCert, type TestCa } from './opsCerts.js';
import { parseCookieHeader } from '../../src/session/cookies.js';
import { until } from '../support/until.js';

interface LogoutEndpoint {
  readonly url: string;
  /** The request URLs (path and query) received, in order. */
  readonly requests: string[];
  stop(): Promise<void>;
}

/** An https endpoint standing in for the issuer's backend logout: it records each request and answers 200. */
async function startLogoutEndpoint(cert: { certPem: string; keyPem: string }): Promise<LogoutEndpoint> {
  const requests: string[] = [];
  const server = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    requests.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/plain' }).end('logged out');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('an https issuer whose certificate comes from a private CA', () => {
  const dir = makeTempDir('private-ca');
  let ca: TestCa;
  let issuer: Issuer;
  let logout: LogoutEndpoint;
  let upstream: EchoUpstream;

  beforeAll(async () => {
    ca = makeCa(dir, 'private-ca');
    const issuerCert = makeServerCert(dir, ca, 'issuer');
    issuer = await startIssuer({ tls: { cert: issuerCert.certPem, key: issuerCert.keyPem } });
    logout = await startLogoutEndpoint(makeServerCert(dir, ca, 'logout'));
    upstream = await startEchoUpstream();
  });
  afterAll(async () => {
    await logout?.stop();
    await upstream?.stop();
    await issuer?.stop();
    removeDir(dir);
  });

  describe('with --provider-ca-file', () => {
    let ag: RunningAuthgate;
    beforeAll(async () => {
      // startAuthgate waits for discovery: it throws if the issuer's certificate is not trusted.
      ag = await startAuthgate(
        issuerFlags(issuer, [
          `--provider-ca-file=${ca.certFile}`,
          '--email-domain=*',
          `--upstream=${upstream.url}/`,
          `--backend-logout-url=${logout.url}/logout?id_token_hint={id_token}`,
        ]),
      );
    });
    afterAll(() => ag?.stop());

    it('discovers, signs a browser in, proxies, and calls the backend logout URL with the ID token', async () => {
      expect(issuer.url).toMatch(/^https:/);
      expect(ag.logs()).toContain('identity provider discovery succeeded');

      // The browser trusts the CA too: it fills in the issuer's login form over https.
      const browser = new BrowserClient({ ca: ca.pem });
      const { final, hops } = await browser.follow(`${ag.url}/oauth2/start?rd=/app/page`);
      expect(hops.some((h) => h.startsWith(`${issuer.url}/`))).toBe(true);
      expect(final.status).toBe(200);
      expect(final.url).toBe(`${ag.url}/app/page`);
      expect(upstream.last()?.url).toBe('/app/page');

      // The session's ID token, read from the store; it also reached the upstream as the bearer.
      const loaded = await ag.gate.services.sessions.load(
        parseCookieHeader(browser.cookies(ag.url)),
        Math.floor(Date.now() / 1000),
      );
      const idToken = loaded?.state.idToken ?? '';
      expect(idToken).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      // Compared as booleans: a failure must not print a token.
      expect(upstream.last()?.headers.authorization === `Bearer ${idToken}`).toBe(true);

      const out = await browser.get(`${ag.url}/oauth2/sign_out`);
      // RP-initiated logout goes on to the issuer's end_session_endpoint, learnt through the trusted discovery.
      expect(out.status).toBe(302);
      expect(out.header('location')?.startsWith(`${issuer.url}/`)).toBe(true);

      expect(logout.requests).toHaveLength(1);
      const called = new URL(logout.requests[0] ?? '', logout.url);
      expect(called.pathname).toBe('/logout');
      expect(called.searchParams.get('id_token_hint') === idToken).toBe(true);
      expect(ag.logs()).not.toContain('backend logout failed');
      expect(ag.logs()).not.toContain(idToken);
      expect((await browser.get(`${ag.url}/oauth2/userinfo`)).status).toBe(401);
    });
  });

  describe('a backend logout endpoint the CA does not vouch for', () => {
    let stranger: LogoutEndpoint;
    let ag: RunningAuthgate;
    beforeAll(async () => {
      const otherCa = makeCa(dir, 'other-ca');
      stranger = await startLogoutEndpoint(makeServerCert(dir, otherCa, 'stranger'));
      ag = await startAuthgate(
        issuerFlags(issuer, [
          `--provider-ca-file=${ca.certFile}`,
          '--email-domain=*',
          `--upstream=${upstream.url}/`,
          '--oidc-rp-initiated-logout=false',
          `--backend-logout-url=${stranger.url}/logout?id_token_hint={id_token}`,
        ]),
      );
    });
    afterAll(async () => {
      await ag?.stop();
      await stranger?.stop();
    });

    it('is refused, logged by its code without the token, and the local sign-out still happens', async () => {
      const browser = new BrowserClient({ ca: ca.pem });
      expect((await browser.follow(`${ag.url}/oauth2/start?rd=/`)).final.status).toBe(200);
      const loaded = await ag.gate.services.sessions.load(
        parseCookieHeader(browser.cookies(ag.url)),
        Math.floor(Date.now() / 1000),
      );
      const idToken = loaded?.state.idToken ?? '';
      expect(idToken).not.toBe('');

      const out = await browser.get(`${ag.url}/oauth2/sign_out`);
      expect(out.status).toBe(200);
      expect(out.body).toContain('signed out');
      expect(stranger.requests).toHaveLength(0);
      expect(ag.logs()).toMatch(/"cause":"UNABLE_TO_VERIFY_LEAF_SIGNATURE"[^\n]*"backend logout failed"/);
      expect(ag.logs()).not.toContain(idToken);
      expect((await browser.get(`${ag.url}/oauth2/userinfo`)).status).toBe(401);
    });
  });

  describe('without --provider-ca-file', () => {
    let ag: RunningAuthgate;
    beforeAll(async () => {
      ag = await startAuthgate(issuerFlags(issuer, ['--email-domain=*', `--upstream=${upstream.url}/`]), {
        waitForProvider: false,
      });
    });
    afterAll(() => ag?.stop());

    it('refuses the issuer at discovery, says so, and keeps serving', async () => {
      const failed = await until(() => ag.logs().includes('identity provider discovery failed'), 10_000);
      expect(failed).toBe(true);
      expect(ag.logs()).not.toContain('identity provider discovery succeeded');
      // The log names the TLS failure by its code, so an operator knows a CA is missing.
      expect(ag.logs()).toMatch(
        /"reason":"[^"]*UNABLE_TO_VERIFY_LEAF_SIGNATURE"[^\n]*identity provider discovery failed/,
      );

      const start = await new BrowserClient().get(`${ag.url}/oauth2/start?rd=/`);
      expect(start.status).toBe(503);
      expect(start.body).toContain('identity provider is not reachable');
      expect((await new BrowserClient().get(`${ag.url}/ping`)).status).toBe(200);
    });
  });
});
