/**
 * What authgate's upstream forwarder (src/proxy/forwardRequest.ts) promises about headers, status lines and the
 * upstream's TLS name, seen from both ends: a signed-in client on one side; on the other, a node:http(s)
 * upstream recording every header name as it arrived, and a raw-socket upstream answering with exact bytes
 * (hop-by-hop headers, unknown reason phrases, header bytes Node refuses) that Node's own server never writes.
 * Bodies, connection reuse and either side vanishing mid-answer: upstreamForwardingStreams.test.ts.
 */
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startIssuer, type Issuer } from '../support/issuer.js';
import { BrowserClient } from '../support/browserClient.js';
import { issuerFlags, startAuthgate, type RunningAuthgate } from '../support/authgate.js';
import { selfSignedCertificate } from '../support/selfSigned.js';
import { makeTempDir, removeDir } from '../support/processes.js';
import { rawRequest } from '../support/rawHttp.js';

interface Seen {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** Header names exactly as they arrived, lower-cased for comparison. */
  readonly names: readonly string[];
  /** The TLS server name the upstream was asked for (SNI), https only. */
  readonly servername: string | undefined;
}

interface Recorder {
  readonly port: number;
  last(): Seen;
  count(): number;
  stop(): Promise<void>;
}

function stopServer(server: net.Server & { closeAllConnections?: () => void }): Promise<void> {
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A node:http(s) upstream that records each request's headers and answers 200 JSON. */
async function startRecorder(tls?: { cert: string; key: string }): Promise<Recorder> {
  const seen: Seen[] = [];
  const handler: http.RequestListener = (req, res) => {
    seen.push({
      path: req.url ?? '',
      headers: req.headers,
      names: req.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase()),
      servername: (req.socket as TLSSocket).servername || undefined,
    });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  };
  const server = tls
    ? https.createServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, handler)
    : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    count: () => seen.length,
    last: () => {
      const s = seen.at(-1);
      if (!s) throw new Error('the upstream received no request');
      return s;
    },
    stop: () => stopServer(server),
  };
}

/** Answers of the raw upstream by path: each closes its connection after the answer. */
const RAW_ANSWERS: Record<string, string> = {
  '/raw/hop': [
    'HTTP/1.1 299 Custom Reason',
    'Connection: close',
    'Keep-Alive: timeout=1, max=7',
    'Proxy-Connection: close',
    'Upgrade: h2c',
    'Trailer: X-Checksum',
    'Set-Cookie: a=1; Path=/; HttpOnly',
    'Set-Cookie: b=2; Path=/raw; SameSite=Lax',
    'Content-Type: text/html; charset=utf-8',
    'Content-Length: 9',
    '',
    '<p>hi</p>',
  ].join('\r\n'),
  '/raw/teapot': [
    "HTTP/1.1 418 I'm a teapot",
    'Connection: close',
    'Content-Type: text/html',
    'Cache-Control: private, max-age=60',
    'Content-Length: 6',
    '',
    'teapot',
  ].join('\r\n'),
  // llhttp refuses a CR not followed by LF inside a header value: the upstream's answer cannot be parsed.
  '/raw/bare-cr': 'HTTP/1.1 200 OK\r\nConnection: close\r\nX-Split: a\rb\r\nContent-Length: 2\r\n\r\nok',
  // llhttp accepts any byte in the reason phrase, Node's writeHead refuses a control character in it.
  '/raw/bad-reason': 'HTTP/1.1 200 O\x01K\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok',
};

/** A raw TCP upstream: reads a request head and writes the scripted bytes for its path, then closes. */
async function startRawUpstream(): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      if (head.includes('\r\n\r\n')) return;
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      const path = head.split(' ', 2)[1] ?? '';
      const answer =
        RAW_ANSWERS[path] ?? 'HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';
      socket.end(Buffer.from(answer, 'latin1'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: () => {
      for (const s of sockets) s.destroy();
      return stopServer(server);
    },
  };
}

interface Answer {
  readonly status: number;
  readonly reason: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The request went on a connection an earlier request had used. */
  readonly reused: boolean;
}

/** One request with exactly these headers (Node's client sends hop-by-hop headers as given). */
function send(url: string, headers: OutgoingHttpHeaders, agent: http.Agent | false = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          reason: res.statusMessage ?? '',
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          reused: req.reusedSocket,
        }),
      );
    });
    req.setTimeout(5000, () => req.destroy(new Error(`no complete answer from ${url} within 5 s`)));
    req.on('error', reject);
    req.end();
  });
}

const HOP_BY_HOP_REQUEST = ['keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'http2-settings'];

describe('the upstream forwarder', () => {
  let issuer: Issuer;
  let recorder: Recorder;
  let raw: { port: number; stop(): Promise<void> };
  let ag: RunningAuthgate;
  let cookie: string;
  let idToken: string;
  const flags = (...extra: string[]) => [...issuerFlags(issuer), '--email-domain=*', ...extra];
  const get = (path: string, headers: OutgoingHttpHeaders = {}, agent: http.Agent | false = false) =>
    send(`${ag.url}${path}`, { cookie, ...headers }, agent);

  beforeAll(async () => {
    issuer = await startIssuer();
    recorder = await startRecorder();
    raw = await startRawUpstream();
    ag = await startAuthgate(
      flags(`--upstream=http://127.0.0.1:${recorder.port}/`, `--upstream=http://127.0.0.1:${raw.port}/raw/`),
    );
    const browser = new BrowserClient();
    const { final } = await browser.follow(`${ag.url}/oauth2/start?rd=/signed-in`);
    expect(final.status).toBe(200);
    cookie = browser.cookies(ag.url);
    idToken = String(recorder.last().headers.authorization).replace(/^Bearer /, '');
    expect(idToken.split('.')).toHaveLength(3);
  });
  afterAll(async () => {
    await ag?.stop();
    await raw?.stop();
    await recorder?.stop();
    await issuer?.stop();
  });

  describe('request headers', () => {
    /** A GET with these header lines, sent byte for byte (Node's client refuses a Trailer without a body). */
    const rawGet = (path: string, lines: string[]) =>
      rawRequest(
        ag.port,
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${ag.port}\r\nCookie: ${cookie}\r\n${lines.join('\r\n')}\r\n\r\n`,
        5000,
        true,
      );

    it('answers the h2c upgrade shape as a plain request and passes neither Upgrade nor HTTP2-Settings on', async () => {
      const res = await rawGet('/h2c', [
        'Connection: Upgrade, HTTP2-Settings',
        'Upgrade: h2c',
        'HTTP2-Settings: AAMAAABkAAQAAP__',
      ]);
      expect(res.status).toBe(200);
      const seen = recorder.last();
      expect(seen.path).toBe('/h2c');
      expect(seen.names).not.toContain('upgrade');
      expect(seen.names).not.toContain('http2-settings');
      // the upstream agent's own keep-alive, not the client's value
      expect(seen.headers.connection).toBe('keep-alive');
    });

    it('authenticates the h2c shape like any request, and refuses one with a body (400)', async () => {
      const before = recorder.count();
      const anonymous = await rawRequest(
        ag.port,
        `GET /h2c HTTP/1.1\r\nHost: 127.0.0.1:${ag.port}\r\nAccept: application/json\r\n` +
          'Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n',
        5000,
        true,
      );
      expect(anonymous.status).toBe(401);
      const withBody = await rawGet('/h2c', [
        'Connection: Upgrade',
        'Upgrade: h2c',
        'Content-Length: 2',
        '',
        'ab',
      ]);
      expect(withBody.status).toBe(400);
      expect(recorder.count()).toBe(before);
    });

    it('drops Connection, Keep-Alive, Proxy-Connection, TE, Trailer, Upgrade and HTTP2-Settings', async () => {
      const res = await rawGet('/hop', [
        'Connection: TE, Keep-Alive',
        'Keep-Alive: timeout=30, max=100',
        'Proxy-Connection: keep-alive',
        'TE: trailers',
        'Trailer: X-Checksum',
        'Upgrade: h2c',
        'HTTP2-Settings: AAMAAABkAAQAAP__',
        'X-End-To-End: kept',
      ]);
      expect(res.status).toBe(200);
      const seen = recorder.last();
      expect(seen.path).toBe('/hop');
      for (const name of HOP_BY_HOP_REQUEST) expect(seen.names).not.toContain(name);
      expect(seen.headers.connection).toBe('keep-alive');
      expect(seen.headers['x-end-to-end']).toBe('kept'); // an ordinary header does arrive
    });

    it('keeps the headers authgate sets even when the client names them in Connection', async () => {
      const res = await get('/named', {
        connection: 'X-Forwarded-For, Authorization',
        'x-forwarded-for': '6.6.6.6',
        authorization: 'Bearer forged',
      });
      expect(res.status).toBe(200);
      const seen = recorder.last();
      expect(seen.path).toBe('/named');
      expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
      expect(seen.headers.authorization).toBe(`Bearer ${idToken}`);
    });
  });

  describe('answers', () => {
    it("drops the upstream's hop-by-hop headers, keeps its status, reason and both cookies", async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const res = await get('/raw/hop', {}, agent);
        expect(res.status).toBe(299);
        expect(res.reason).toBe('Custom Reason');
        expect(res.body).toBe('<p>hi</p>');
        expect(res.headers['set-cookie']).toEqual(['a=1; Path=/; HttpOnly', 'b=2; Path=/raw; SameSite=Lax']);
        for (const name of ['proxy-connection', 'upgrade', 'trailer'])
          expect(res.headers[name]).toBeUndefined();
        // Connection and Keep-Alive are authgate's own: the client's connection stays open
        expect(res.headers.connection).toBe('keep-alive');
        expect(res.headers['keep-alive']).not.toContain('max=7');
        // an HTML page that sets no caching of its own is kept out of every cache
        expect(res.headers['cache-control']).toBe('no-store');
        const next = await get('/after-hop', {}, agent);
        expect(next.status).toBe(200);
        expect(next.reused).toBe(true);
      } finally {
        agent.destroy();
      }
    });

    it("keeps a reason phrase Node would spell differently and an HTML page's own caching", async () => {
      const res = await get('/raw/teapot');
      expect(res.status).toBe(418);
      expect(res.reason).toBe("I'm a teapot"); // Node's own table says "I'm a Teapot"
      expect(res.headers['cache-control']).toBe('private, max-age=60');
      expect(res.body).toBe('teapot');
    });

    it('answers 502 to a header Node cannot parse (a bare CR in a value), and keeps serving', async () => {
      const res = await get('/raw/bare-cr', { accept: 'application/json' });
      expect(res.status).toBe(502);
      expect(JSON.parse(res.body)).toMatchObject({ error: 'bad_gateway' });
      expect(res.headers['x-split']).toBeUndefined();
      expect((await get('/still-serving')).status).toBe(200);
    });

    it('answers 502 to a reason phrase Node parses but will not re-send (a control byte), and keeps serving', async () => {
      const res = await get('/raw/bad-reason', { accept: 'application/json' });
      expect(res.status).toBe(502);
      expect(res.reason).toBe('Bad Gateway');
      expect(JSON.parse(res.body)).toMatchObject({ error: 'bad_gateway' });
      expect((await get('/still-serving')).status).toBe(200);
      expect(ag.logs()).not.toContain('"request failed"');
    });
  });

  describe('Host and the upstream TLS name', () => {
    it("--pass-host-header=true (the default) sends the client's Host", async () => {
      expect((await get('/host', { host: 'app.example.test' })).status).toBe(200);
      expect(recorder.last().headers.host).toBe('app.example.test');
    });

    it("--pass-host-header=false sends the upstream's host:port", async () => {
      const own = await startAuthgate(
        flags(`--upstream=http://127.0.0.1:${recorder.port}/`, '--pass-host-header=false'),
      );
      try {
        const res = await send(`${own.url}/host`, { cookie, host: 'app.example.test' });
        expect(res.status).toBe(200);
        expect(recorder.last().headers.host).toBe(`127.0.0.1:${recorder.port}`);
      } finally {
        await own.stop();
      }
    });

    it("checks an https upstream's certificate against the upstream URL's host, not the client's Host", async () => {
      const dir = makeTempDir('fwd-tls');
      const files = selfSignedCertificate(dir, 'upstream', 'localhost');
      const cert = new X509Certificate(readFileSync(files.cert));
      // the certificate names localhost only: checked against the client's Host it would be refused
      expect(cert.checkHost('localhost')).toBe('localhost');
      expect(cert.checkHost('app.example.test')).toBeUndefined();
      const upstream = await startRecorder(files);
      const gate = await startAuthgate(
        flags(`--upstream=https://localhost:${upstream.port}/`, `--upstream-ca=${files.cert}`),
      );
      try {
        const res = await send(`${gate.url}/tls`, { cookie, host: 'app.example.test' });
        expect(res.status).toBe(200);
        const seen = upstream.last();
        expect(seen.headers.host).toBe('app.example.test');
        expect(seen.servername).toBe('localhost');
      } finally {
        await gate.stop();
        await upstream.stop();
        removeDir(dir);
      }
    });
  });
});
