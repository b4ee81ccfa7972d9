import https from 'node:https';
import tls from 'node:tls';
import { copyFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startIssuer, type Issuer } from '../support/issuer.js';
import { startAuthgate, TEST_COOKIE_SECRET, type RunningAuthgate } from '../support/authgate.js';
import { makeTempDir, removeDir } from '../support/processes.js';
import { makeCa, makeServerCert, type TestCa, type TestCert } from './opsCerts.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > deadline) return v;
    await sleep(100);
  }
}

/** Replaces a file the way kubelet and editors do: write aside, rename over. */
function replaceFile(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/** A raw keep-alive TLS connection that sends GET requests one after another on the same socket. */
function keepAliveConnection(port: number, ca: string) {
  const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' });
  let buffer = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (buffer += d));
  const ready = new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  return {
    ready,
    fingerprint: () => socket.getPeerCertificate().fingerprint256,
    async get(path: string): Promise<string> {
      buffer = '';
      socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
      const deadline = Date.now() + 5000;
      while (!/\r\n\r\n[\s\S]*OK/.test(buffer) && Date.now() < deadline) await sleep(20);
      return buffer.split('\r\n')[0] ?? '';
    },
    close: () => socket.destroy(),
  };
}

/** The fingerprint a brand-new TLS connection is served. */
function fingerprintOfNewConnection(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      resolve(s.getPeerCertificate().fingerprint256);
      s.destroy();
    });
    s.once('error', reject);
  });
}

describe('TLS both ways', () => {
  let dir: string;
  let issuer: Issuer;
  let ca: TestCa;
  let otherCa: TestCa;
  let first: TestCert;
  let second: TestCert;
  const base = () => [
    `--oidc-issuer-url=${issuer.url}`,
    `--client-id=${issuer.clientId}`,
    `--client-secret=${issuer.clientSecret}`,
    `--cookie-secret=${TEST_COOKIE_SECRET}`,
    '--email-domain=example.com',
  ];

  beforeAll(async () => {
    dir = makeTempDir('ops-tls');
    ca = makeCa(dir, 'test-ca');
    otherCa = makeCa(dir, 'other-ca');
    first = makeServerCert(dir, ca, 'first');
    second = makeServerCert(dir, ca, 'second');
    issuer = await startIssuer();
  });
  afterAll(async () => {
    await issuer?.stop();
    removeDir(dir);
  });

  describe('serving HTTPS', () => {
    let ag: RunningAuthgate;
    const certFile = () => join(dir, 'serving.crt');
    const keyFile = () => join(dir, 'serving.key');
    const httpsPort = () => ag.gate.ports().https ?? 0;

    beforeAll(async () => {
      copyFileSync(first.certFile, certFile());
      copyFileSync(first.keyFile, keyFile());
      ag = await startAuthgate([
        ...base(),
        '--https-address=127.0.0.1:0',
        `--tls-cert-file=${certFile()}`,
        `--tls-key-file=${keyFile()}`,
      ]);
    });
    afterAll(() => ag?.stop());

    it('serves the same endpoints over HTTPS as over HTTP, TLS 1.2 at least', async () => {
      expect(httpsPort()).toBeGreaterThan(0);
      const status = await new Promise<number>((resolve, reject) => {
        https
          .get(
            { host: '127.0.0.1', port: httpsPort(), path: '/ping', ca: ca.pem, servername: 'localhost' },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          )
          .on('error', reject);
      });
      expect(status).toBe(200);
      // TLS 1.2 is accepted, TLS 1.1 refused (the server's floor, whatever the client allows).
      const v12 = await new Promise<string>((resolve, reject) => {
        const s = tls.connect(
          {
            host: '127.0.0.1',
            port: httpsPort(),
            ca: ca.pem,
            servername: 'localhost',
            maxVersion: 'TLSv1.2',
          },
          () => {
            resolve(s.getProtocol() ?? '');
            s.destroy();
          },
        );
        s.once('error', reject);
      });
      expect(v12).toBe('TLSv1.2');
      const v11 = await new Promise<string>((resolve) => {
        const s = tls.connect({
          host: '127.0.0.1',
          port: httpsPort(),
          ca: ca.pem,
          servername: 'localhost',
          minVersion: 'TLSv1',
          maxVersion: 'TLSv1.1',
          ciphers: 'DEFAULT@SECLEVEL=0',
        });
        s.once('secureConnect', () => {
          resolve('connected');
          s.destroy();
        });
        s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
      expect(v11).not.toBe('connected');
    });

    it('swaps in a renewed certificate for new connections; an open keep-alive connection keeps working', async () => {
      const conn = keepAliveConnection(httpsPort(), ca.pem);
      await conn.ready;
      expect(conn.fingerprint()).toBe(first.fingerprint);
      expect(await conn.get('/ping')).toBe('HTTP/1.1 200 OK');

      replaceFile(keyFile(), second.keyPem);
      replaceFile(certFile(), second.certPem);
      const seen = await eventually(
        () => fingerprintOfNewConnection(httpsPort(), ca.pem),
        (f) => f === second.fingerprint,
      );
      expect(seen).toBe(second.fingerprint);
      expect(ag.gate.https?.current().fingerprint).toBe(second.fingerprint);

      // The connection opened before the swap: same socket, same certificate, still served.
      expect(await conn.get('/ping')).toBe('HTTP/1.1 200 OK');
      expect(conn.fingerprint()).toBe(first.fingerprint);
      conn.close();
      expect(ag.logs()).toContain('HTTPS certificate reloaded');
    });

    it('keeps serving the current certificate when the new files do not match, and says why', async () => {
      replaceFile(certFile(), first.certPem); // the key on disk is still the second one's
      await eventually(
        async () => ag.logs(),
        (l) => l.includes('cannot be used yet'),
      );
      expect(ag.logs()).toContain('the key does not belong to the certificate');
      expect(await fingerprintOfNewConnection(httpsPort(), ca.pem)).toBe(second.fingerprint);
      expect(ag.logs()).not.toContain('PRIVATE KEY');
    });
  });

  describe('an HTTPS upstream verified with --upstream-ca', () => {
    let upstream: https.Server;
    let ag: RunningAuthgate;
    const caFile = () => join(dir, 'upstream-ca.pem');

    beforeAll(async () => {
      upstream = https.createServer({ cert: first.certPem, key: first.keyPem }, (req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ path: req.url, tls: true }));
      });
      await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
      const port = (upstream.address() as AddressInfo).port;
      copyFileSync(otherCa.certFile, caFile()); // the wrong CA to begin with
      ag = await startAuthgate([
        ...base(),
        `--upstream=https://127.0.0.1:${port}/`,
        `--upstream-ca=${caFile()}`,
        '--skip-auth-route=^/open/',
      ]);
    });
    afterAll(async () => {
      await ag?.stop();
      upstream.closeAllConnections();
      await new Promise<void>((r) => upstream.close(() => r()));
    });

    it('refuses an upstream whose certificate the CA bundle does not vouch for, with a clear 502', async () => {
      const page = await fetch(`${ag.url}/open/page`);
      expect(page.status).toBe(502);
      const html = await page.text();
      expect(html).toContain('does not trust the TLS certificate');
      expect(html).toContain('--upstream-ca');
      const json = await fetch(`${ag.url}/open/api`, { headers: { accept: 'application/json' } });
      expect(json.status).toBe(502);
      expect(((await json.json()) as { message: string }).message).toMatch(
        /UNABLE_TO_VERIFY_LEAF_SIGNATURE|CA/,
      );
    });

    it('picks up a replaced CA file without a restart', async () => {
      replaceFile(caFile(), ca.pem);
      const res = await eventually(
        () => fetch(`${ag.url}/open/after`),
        (r) => r.status === 200,
      );
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ path: '/open/after', tls: true });
      expect(ag.logs()).toContain('upstream CA bundle reloaded');
    });

    it('stops trusting the old CA once the bundle no longer holds it', async () => {
      replaceFile(caFile(), otherCa.pem);
      const res = await eventually(
        () => fetch(`${ag.url}/open/again`),
        (r) => r.status === 502,
      );
      expect(res.status).toBe(502);
    });
  });
});
