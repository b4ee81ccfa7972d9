/**
 * What authgate's upstream forwarder (src/proxy/forwardRequest.ts) promises about bodies and connections: bodies
 * arrive byte-exact, keep-alive connections to the upstream are reused (but never after a chunked body), answers
 * without a body end, and either side going away ends the other. The upstream numbers its TCP connections, so
 * every request is known by the connection it arrived on. Headers and TLS: upstreamForwarding.test.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startIssuer, type Issuer } from '../support/issuer.js';
import { BrowserClient } from '../support/browserClient.js';
import { issuerFlags, startAuthgate, type RunningAuthgate } from '../support/authgate.js';

interface Arrival {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** Number of the upstream TCP connection it came on (1 = the first ever accepted). */
  readonly connection: number;
  readonly length: number;
  readonly sha256: string;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** How the upstream's /slow answer ended: when, and whether it had been written completely. */
interface SlowEnd {
  readonly at: number;
  readonly finished: boolean;
}

async function startCountingUpstream() {
  const numbers = new Map<net.Socket, number>();
  const closed = new Set<number>();
  const arrivals: Arrival[] = [];
  let slowEnded: (end: SlowEnd) => void = () => {};
  const server = http.createServer((req, res) => {
    const hash = createHash('sha256');
    let length = 0;
    req.on('data', (c: Buffer) => {
      hash.update(c);
      length += c.length;
    });
    req.on('end', () => {
      const path = req.url ?? '';
      const arrival = { path, headers: req.headers, connection: numbers.get(req.socket) ?? 0, length };
      arrivals.push({ ...arrival, sha256: hash.digest('hex') });
      if (path === '/slow') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        let ticks = 0;
        const timer = setInterval(() => (++ticks === 100 ? res.end('last\n') : res.write('tick\n')), 100);
        res.on('close', () => {
          clearInterval(timer);
          slowEnded({ at: Date.now(), finished: res.writableFinished });
        });
      } else if (path === '/reset' || path === '/cut') {
        // headers and part of the body, then a TCP reset (RST) or a plain close (FIN) of the connection
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100000' });
        res.write('x'.repeat(1000));
        setTimeout(() => (path === '/reset' ? req.socket.resetAndDestroy() : req.socket.destroy()), 50);
      } else if (path === '/head') {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1234' }).end();
      } else if (path === '/no-content') {
        res.writeHead(204).end();
      } else if (path === '/not-modified') {
        res.writeHead(304, { etag: '"v1"' }).end();
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ length: arrival.length, sha256: arrivals.at(-1)?.sha256 }));
      }
    });
  });
  server.on('connection', (socket: net.Socket) => {
    const n = numbers.size + 1;
    numbers.set(socket, n);
    socket.on('close', () => closed.add(n));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    /** TCP connections accepted so far. */
    opened: () => numbers.size,
    isClosed: (n: number) => closed.has(n),
    arrival(path: string): Arrival {
      const a = arrivals.findLast((x) => x.path === path);
      if (!a) throw new Error(`${path} never reached the upstream`);
      return a;
    },
    /** Resolves when the next /slow answer ends, however it ends. */
    nextSlowEnd: () => new Promise<SlowEnd>((resolve) => (slowEnded = resolve)),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The whole body as framed arrived (false: the answer was cut). */
  readonly complete: boolean;
  readonly reused: boolean;
}

interface SendInit {
  method?: string;
  headers?: OutgoingHttpHeaders;
  /** Sent with Content-Length. */
  body?: Buffer;
  /** Sent chunked, one write each. */
  chunks?: Buffer[];
  agent?: http.Agent | false;
}

/** One request; resolves once the answer ended or was cut (a cut answer is not an error here). */
function send(url: string, init: SendInit = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = { ...init.headers };
    if (init.body) headers['content-length'] = init.body.length;
    const req = http.request(url, { method: init.method ?? 'GET', headers, agent: init.agent ?? false });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', () => {}); // a cut answer: reported as complete=false on close
      res.on('close', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
          complete: res.complete,
          reused: req.reusedSocket,
        }),
      );
    });
    req.setTimeout(5000, () => req.destroy(new Error(`no answer from ${url} within 5 s`)));
    req.on('error', reject);
    for (const chunk of init.chunks ?? []) req.write(chunk);
    req.end(init.body);
  });
}

describe('the upstream forwarder: bodies and connections', () => {
  let issuer: Issuer;
  let upstream: Awaited<ReturnType<typeof startCountingUpstream>>;
  let ag: RunningAuthgate;
  let cookie: string;
  const flags = () => [
    ...issuerFlags(issuer),
    '--email-domain=*',
    `--upstream=http://127.0.0.1:${upstream.port}/`,
  ];
  /** Runs `fn` against a second authgate in front of the same upstream, whose upstream pool starts empty. */
  const withFreshGate = async (fn: (url: string) => Promise<void>) => {
    const fresh = await startAuthgate(flags());
    try {
      await fn(fresh.url);
    } finally {
      await fresh.stop();
    }
  };
  const get = (path: string, init: SendInit = {}) =>
    send(`${ag.url}${path}`, { ...init, headers: { cookie, ...init.headers } });

  beforeAll(async () => {
    issuer = await startIssuer();
    upstream = await startCountingUpstream();
    ag = await startAuthgate(flags());
    const browser = new BrowserClient();
    const { final } = await browser.follow(`${ag.url}/oauth2/start?rd=/signed-in`);
    expect(final.status).toBe(200);
    cookie = browser.cookies(ag.url);
  });
  afterAll(async () => {
    await ag?.stop();
    await upstream?.stop();
    await issuer?.stop();
  });

  it('passes a 1 MB body sent with Content-Length on byte-exact', async () => {
    const body = randomBytes(1 << 20);
    const res = await get('/upload', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(res.status).toBe(200);
    const seen = upstream.arrival('/upload');
    expect(seen.headers['content-length']).toBe(String(1 << 20));
    expect(seen.headers['transfer-encoding']).toBeUndefined();
    expect({ length: seen.length, sha256: seen.sha256 }).toEqual({
      length: body.length,
      sha256: sha256(body),
    });
  });

  it('passes a chunked body on exactly, then closes the upstream connection it travelled on', async () => {
    // an authgate of its own: its connection pool starts empty, so each new upstream connection is counted
    await withFreshGate(async (url) => {
      const body = randomBytes(300_000);
      const chunks = [body.subarray(0, 1), body.subarray(1, 100_000), body.subarray(100_000)];
      const opened = upstream.opened();
      const res = await send(`${url}/upload-chunked`, { method: 'POST', headers: { cookie }, chunks });
      expect(res.status).toBe(200);
      const seen = upstream.arrival('/upload-chunked');
      expect(seen.headers['transfer-encoding']).toBe('chunked');
      expect({ length: seen.length, sha256: seen.sha256 }).toEqual({
        length: body.length,
        sha256: sha256(body),
      });
      expect(seen.connection).toBe(opened + 1);
      const until = Date.now() + 1000;
      while (!upstream.isClosed(seen.connection) && Date.now() < until)
        await new Promise((r) => setTimeout(r, 10));
      expect(upstream.isClosed(seen.connection)).toBe(true);
      expect((await send(`${url}/after-chunked`, { headers: { cookie } })).status).toBe(200);
      expect(upstream.arrival('/after-chunked').connection).toBe(opened + 2);
    });
  });

  it('sends 20 plain GETs over one keep-alive upstream connection', async () => {
    expect((await get('/warm')).status).toBe(200);
    const opened = upstream.opened();
    const used = new Set<number>();
    for (let i = 0; i < 20; i++) {
      expect((await get(`/get-${i}`)).status).toBe(200);
      used.add(upstream.arrival(`/get-${i}`).connection);
    }
    expect([...used]).toEqual([upstream.arrival('/warm').connection]);
    expect(upstream.opened()).toBe(opened);
  });

  it('opens at most 2 upstream connections for 50 sequential signed-in requests (each on its own client connection)', async () => {
    await withFreshGate(async (url) => {
      const opened = upstream.opened();
      const used = new Set<number>();
      for (let i = 0; i < 50; i++) {
        const res = await send(`${url}/seq-${i}`, { headers: { cookie } });
        expect(res.status).toBe(200);
        used.add(upstream.arrival(`/seq-${i}`).connection);
      }
      expect(used.size).toBeGreaterThanOrEqual(1);
      expect(used.size).toBeLessThanOrEqual(2);
      expect(upstream.opened() - opened).toBeLessThanOrEqual(2);
    });
  });

  it('ends HEAD, 204 and 304 answers, and the client connection goes on to the next request', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const head = await get('/head', { method: 'HEAD', agent });
      expect([head.status, head.headers['content-length'], head.body.length]).toEqual([200, '1234', 0]);
      const noContent = await get('/no-content', { agent });
      expect([noContent.status, noContent.body.length, noContent.reused]).toEqual([204, 0, true]);
      const notModified = await get('/not-modified', { agent, headers: { 'if-none-match': '"v1"' } });
      expect([notModified.status, notModified.headers.etag, notModified.reused]).toEqual([304, '"v1"', true]);
      const after = await get('/after-empty', { agent });
      expect([after.status, after.complete, after.reused]).toEqual([200, true, true]);
    } finally {
      agent.destroy();
    }
  });

  it('closes the upstream request within 1 s when the client vanishes mid-answer', async () => {
    const ended = upstream.nextSlowEnd();
    const socket = net.connect(ag.port, '127.0.0.1');
    socket.write(`GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${cookie}\r\n\r\n`);
    await once(socket, 'data');
    const left = Date.now();
    socket.destroy();
    const end = await ended;
    expect(end.finished).toBe(false);
    expect(end.at - left).toBeLessThan(1000);
  });

  it('cuts the client answer when the upstream resets or closes mid-body, quickly, and keeps serving', async () => {
    for (const path of ['/reset', '/cut']) {
      const t0 = Date.now();
      const res = await get(path);
      expect({ path, status: res.status, complete: res.complete }).toEqual({
        path,
        status: 200,
        complete: false,
      });
      expect(res.body.length).toBeLessThan(100_000);
      expect(Date.now() - t0).toBeLessThan(2000);
      expect((await get(`/after${path}`)).status).toBe(200);
    }
    expect(ag.logs()).not.toContain('"request failed"');
  });
});
