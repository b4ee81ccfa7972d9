/**
 * Review of the plain node:http forwarder (src/proxy/forwardRequest.ts) and the WebSocket path beside it: the
 * upstream's TLS name, an upstream answer Node's client never hands over, and identity values Node refuses to
 * write. Each test states what authgate should do; a failing one is a finding of the review (see its comment).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { WebSocket, WebSocketServer } from 'ws';
import { startIssuer, type Issuer } from '../support/issuer.js';
import { BrowserClient } from '../support/browserClient.js';
import { issuerFlags, startAuthgate, type RunningAuthgate } from '../support/authgate.js';
import { selfSignedCertificate } from '../support/selfSigned.js';
import { makeTempDir, removeDir } from '../support/processes.js';

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** One GET; rejects when no complete answer arrives within `timeoutMs`. */
function get(url: string, headers: http.OutgoingHttpHeaders, timeoutMs = 5000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

function stop(server: net.Server & { closeAllConnections?: () => void }): Promise<void> {
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('review: the upstream forwarder', () => {
  let issuer: Issuer;
  let dir: string;
  /** A certificate naming only app.example.test (the name clients use), its own CA. */
  let appCert: { cert: string; key: string };
  const flags = (...extra: string[]) => [...issuerFlags(issuer), '--email-domain=*', ...extra];

  /** Signs `login` in against `gate` and returns its Cookie header (the landing page's status is not checked). */
  async function signIn(gate: RunningAuthgate, login = 'alice'): Promise<string> {
    const browser = new BrowserClient();
    await browser.follow(`${gate.url}/oauth2/start?rd=/signed-in`, { login });
    const cookie = browser.cookies(gate.url);
    expect(cookie).toContain('_authgate=');
    return cookie;
  }

  beforeAll(async () => {
    issuer = await startIssuer({ users: { zhang: { preferredUsername: '张三', name: 'Łukasz' } } });
    dir = makeTempDir('review-fwd');
    appCert = selfSignedCertificate(dir, 'app', 'app.example.test');
  });
  afterAll(async () => {
    await issuer?.stop();
    removeDir(dir);
  });

  it('checks an https upstream addressed by IP against that IP, not against the Host the client sent', async () => {
    // FINDING (forwardRequest.ts:69): for an IP target no servername is passed, so Node's https agent takes
    // the servername from the Host header (the client's, --pass-host-header=true by default) and checks the
    // certificate against it: a certificate for the client's host name, not for the upstream, is accepted.
    const upstream = https.createServer(
      { cert: readFileSync(appCert.cert), key: readFileSync(appCert.key) },
      (req, res) => res.end(`servername=${(req.socket as TLSSocket).servername || ''}`),
    );
    const port = await listen(upstream);
    const gate = await startAuthgate(
      flags(`--upstream=https://127.0.0.1:${port}/`, `--upstream-ca=${appCert.cert}`),
    );
    try {
      const cookie = await signIn(gate);
      const res = await get(`${gate.url}/tls`, {
        cookie,
        host: 'app.example.test',
        accept: 'application/json',
      });
      expect(res.body).not.toContain('servername=app.example.test');
      expect(res.status).toBe(502);
    } finally {
      await gate.stop();
      await stop(upstream);
    }
  });

  it("checks a WebSocket upstream's certificate against the upstream URL's host, not the client's Host", async () => {
    // FINDING (upstreams.ts, the http-proxy-middleware upgrade path): httpxy passes no servername either, so
    // for wss upstreams Node checks the certificate against the client's Host (any host name, not only IPs).
    const upstream = https.createServer({ cert: readFileSync(appCert.cert), key: readFileSync(appCert.key) });
    const wss = new WebSocketServer({ server: upstream });
    wss.on('connection', (ws) => ws.send('upstream reached'));
    const port = await listen(upstream);
    const gate = await startAuthgate(
      flags(`--upstream=https://localhost:${port}/`, `--upstream-ca=${appCert.cert}`),
    );
    try {
      const cookie = await signIn(gate);
      const outcome = await new Promise<string>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${gate.port}/ws`, {
          headers: { cookie, host: 'app.example.test' },
        });
        ws.on('message', (m: Buffer) => {
          resolve(m.toString());
          ws.terminate();
        });
        ws.on('unexpected-response', (_req, res) => {
          resolve(`refused ${res.statusCode}`);
          ws.terminate();
        });
        ws.on('error', (err) => resolve(`error ${err.message}`));
      });
      expect(outcome).not.toBe('upstream reached');
    } finally {
      await gate.stop();
      wss.close();
      await stop(upstream);
    }
  });

  it('answers an upstream that switches protocols on a plain request with a 502, not a request that hangs', async () => {
    // FINDING (forwardRequest.ts:95-117): a 101 answer is neither 'response' nor 'error' for Node's client (no
    // 'upgrade' listener: it destroys the socket and emits only 'close'); the client request is never answered,
    // --upstream-timeout does not apply, and the client connection is held until the client gives up.
    const sockets = new Set<net.Socket>();
    const upstream = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.once('data', () =>
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n'),
      );
    });
    const port = await listen(upstream);
    const recorder = http.createServer((_req, res) => res.end('ok'));
    const okPort = await listen(recorder);
    const gate = await startAuthgate(
      flags(
        `--upstream=http://127.0.0.1:${okPort}/`,
        `--upstream=http://127.0.0.1:${port}/switch/`,
        '--upstream-timeout=1s',
      ),
    );
    try {
      const cookie = await signIn(gate);
      const started = Date.now();
      const res = await get(`${gate.url}/switch/x`, { cookie, accept: 'application/json' }, 4000).catch(
        (err: Error) => err,
      );
      expect(res).not.toBeInstanceOf(Error);
      expect((res as Answer).status).toBeGreaterThanOrEqual(502);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await gate.stop();
      for (const s of sockets) s.destroy();
      await stop(upstream);
      await stop(recorder);
    }
  });

  it('proxies a user whose names are outside Latin-1, sending them as UTF-8 bytes (as oauth2-proxy does)', async () => {
    // FINDING (identityHeaders.ts:72-76 reached through forwardRequest.ts:79-91): identity values go into
    // headers as JS strings; Node refuses any character above U+00FF (ERR_INVALID_CHAR), so every request of
    // such a user (张三, Łukasz, Dvořák ...) is answered 502 "application not reachable". Characters
    // U+0080-U+00FF go out as single latin1 bytes, not UTF-8. src/kube/impersonation.ts already re-spells.
    const seen: http.IncomingHttpHeaders[] = [];
    const upstream = http.createServer((req, res) => {
      seen.push(req.headers);
      res.end('ok');
    });
    const port = await listen(upstream);
    const gate = await startAuthgate(flags(`--upstream=http://127.0.0.1:${port}/`));
    try {
      const browser = new BrowserClient();
      const { final } = await browser.follow(`${gate.url}/oauth2/start?rd=/signed-in`, { login: 'zhang' });
      const res = await get(`${gate.url}/app`, {
        cookie: browser.cookies(gate.url),
        accept: 'application/json',
      });
      expect({ landing: final.status, app: res.status }).toEqual({ landing: 200, app: 200 });
      const name = seen.at(-1)?.['x-forwarded-preferred-username'];
      expect(Buffer.from(String(name), 'latin1').toString('utf8')).toBe('张三');
    } finally {
      await gate.stop();
      await stop(upstream);
    }
  });

  it('answers /oauth2/auth 202 for a user whose name is outside Latin-1 (--set-xauthrequest)', async () => {
    // FINDING (same cause, forwardAuth.ts:83-89): X-Auth-Request-Preferred-Username makes writeHead throw, so
    // nginx/Caddy forward-auth gets a 500 ("request failed" logged as an error) for every request of that user.
    const upstream = http.createServer((_req, res) => res.end('ok'));
    const port = await listen(upstream);
    const gate = await startAuthgate(flags(`--upstream=http://127.0.0.1:${port}/`, '--set-xauthrequest'));
    try {
      const cookie = await signIn(gate, 'zhang');
      const res = await get(`${gate.url}/oauth2/auth`, { cookie });
      expect(res.status).toBe(202);
      const name = String(res.headers['x-auth-request-preferred-username']);
      expect(Buffer.from(name, 'latin1').toString('utf8')).toBe('张三');
    } finally {
      await gate.stop();
      await stop(upstream);
    }
  });
});
