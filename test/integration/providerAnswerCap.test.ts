/**
 * An identity provider answering with a body far beyond PROVIDER_ANSWER_MAX_BYTES, end to end: a real oidc-provider
 * issuer whose JWKS (or discovery document) is served through a small proxy that can swap in a 2 MiB answer.
 * authgate must answer the sign-in with its usual provider-failure page, keep serving, log the error's code and
 * never a byte of the answer.
 */
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startIssuer, type Issuer } from '../support/issuer.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echoUpstream.js';
import { BrowserClient } from '../support/browserClient.js';
import { issuerFlags, startAuthgate, type RunningAuthgate } from '../support/authgate.js';
import { PROVIDER_ANSWER_MAX_BYTES } from '../../src/providers/httpClient.js';
import { until } from '../support/until.js';

const MARKER = 'OVERSIZED-ANSWER-';
const OVERSIZED = Buffer.alloc(2 * PROVIDER_ANSWER_MAX_BYTES, MARKER);

interface OversizeProxy {
  readonly url: string;
  /** Paths answered with 2 MiB; 'declared' sends a Content-Length, 'chunked' none. */
  readonly oversized: Map<string, 'declared' | 'chunked'>;
  readonly hits: Map<string, number>;
  stop(): Promise<void>;
}

/** Forwards every request to the real issuer, except the paths set to be answered with an oversized body. */
async function startOversizeProxy(real: Issuer): Promise<OversizeProxy> {
  const oversized = new Map<string, 'declared' | 'chunked'>();
  const hits = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const mode = oversized.get(path);
    if (mode) {
      const length = mode === 'declared' ? { 'content-length': String(OVERSIZED.length) } : {};
      res.writeHead(200, { 'content-type': 'application/json', ...length });
      res.on('error', () => undefined); // the client hangs up mid-answer: expected
      res.end(OVERSIZED);
      return;
    }
    const headers = { ...req.headers, host: `127.0.0.1:${real.port}` };
    const upstream = http.request(
      { host: '127.0.0.1', port: real.port, method: req.method, path: req.url, headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    oversized,
    hits,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('an identity provider answering with an oversized body', () => {
  let issuer: Issuer;
  let proxy: OversizeProxy;
  let upstream: EchoUpstream;

  beforeAll(async () => {
    issuer = await startIssuer();
    proxy = await startOversizeProxy(issuer);
    upstream = await startEchoUpstream();
  });
  afterAll(async () => {
    await proxy?.stop();
    await upstream?.stop();
    await issuer?.stop();
  });

  describe('its JWKS (chunked, no Content-Length)', () => {
    let ag: RunningAuthgate;
    beforeAll(async () => {
      // Endpoints given explicitly, so only the JWKS goes through the proxy (the issuer stays the real one).
      ag = await startAuthgate(
        issuerFlags(issuer, [
          '--skip-oidc-discovery',
          `--login-url=${issuer.url}/auth`,
          `--redeem-url=${issuer.url}/token`,
          `--oidc-jwks-url=${proxy.url}/jwks`,
          '--email-domain=*',
          `--upstream=${upstream.url}/`,
        ]),
      );
    });
    afterAll(() => ag?.stop());

    it('the sign-in ends on the provider-failure page (502), logged by code, and works again once fixed', async () => {
      proxy.oversized.set('/jwks', 'chunked');
      const browser = new BrowserClient();
      const { final } = await browser.follow(`${ag.url}/oauth2/start?rd=/after`);
      expect(final.url).toContain('/oauth2/callback');
      expect(final.status).toBe(502);
      expect(final.body).toContain('larger than');
      expect(final.body).not.toContain(MARKER);
      expect(browser.cookies(ag.url)).not.toMatch(/_authgate=/);

      const logs = ag.logs();
      expect(logs).toContain('"reason":"provider_answer_too_large"');
      expect(logs).not.toContain(MARKER);

      // The process kept serving, and the same sign-in succeeds once the JWKS is sane again.
      expect((await new BrowserClient().get(`${ag.url}/ping`)).status).toBe(200);
      proxy.oversized.delete('/jwks');
      const again = await new BrowserClient().follow(`${ag.url}/oauth2/start?rd=/after`);
      expect(again.final.status).toBe(200);
      expect(again.final.json<{ url: string }>().url).toBe('/after');
    });
  });

  describe('its discovery document (with Content-Length)', () => {
    let ag: RunningAuthgate;
    beforeAll(async () => {
      proxy.oversized.set('/.well-known/openid-configuration', 'declared');
      ag = await startAuthgate(
        [...issuerFlags({ ...issuer, url: proxy.url }), '--email-domain=*', `--upstream=${upstream.url}/`],
        { waitForProvider: false },
      );
    });
    afterAll(async () => {
      await ag?.stop();
      proxy.oversized.delete('/.well-known/openid-configuration');
    });

    it('sign-in answers the usual 503 page, discovery keeps retrying, the code is logged, no body bytes', async () => {
      const browser = new BrowserClient();
      expect((await browser.get(`${ag.url}/ping`)).status).toBe(200);
      expect(await until(() => ag.logs().includes('provider_answer_too_large'), 5_000)).toBe(true);
      const start = await browser.get(`${ag.url}/oauth2/start?rd=/`);
      expect(start.status).toBe(503);
      expect(start.body).toContain('not reachable');
      expect((await browser.get(`${ag.url}/ready`)).status).toBe(503);
      // The retry schedule is unchanged: a second attempt about a second after the first.
      const discovery = '/.well-known/openid-configuration';
      expect(await until(() => (proxy.hits.get(discovery) ?? 0) >= 2, 5_000)).toBe(true);
      const failures = ag
        .logs()
        .split('\n')
        .filter((l) => l.includes('identity provider discovery failed'));
      expect(failures.length).toBeGreaterThanOrEqual(1);
      for (const line of failures) expect(line).toContain('"reason":"provider_answer_too_large"');
      expect(ag.logs()).not.toContain(MARKER);
    });
  });
});
