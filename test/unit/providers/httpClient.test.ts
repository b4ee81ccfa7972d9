/**
 * The provider fetch against real servers on 127.0.0.1, on both of its paths: the global fetch (no CA configured)
 * and node:https with a private CA (--provider-ca-file, a self-signed certificate made by openssl). Every answer
 * body is capped at PROVIDER_ANSWER_MAX_BYTES; an oversized one is refused with a typed error and the connection
 * is closed without reading the rest.
 */
import http from 'node:http';
import https from 'node:https';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createProviderFetch,
  PROVIDER_ANSWER_MAX_BYTES as CAP,
  ProviderAnswerTooLargeError,
  type ProviderFetch,
} from '../../../src/providers/httpClient.js';
import { selfSignedCertificate } from '../../support/selfSigned.js';
import { freePort, makeTempDir, removeDir } from '../../support/processes.js';

const MARKER = 'BODYBYTES-';
const CHUNK = 64 * 1024;
/** How long a server waits, mid-answer, for the client to hang up before sending the rest. */
const HANG_UP_WAIT_MS = 5_000;
const filler = (size: number) => Buffer.alloc(size, MARKER);

/** What the server saw of each oversized answer: did the client close the connection before the rest was sent? */
type Outcome = 'closed' | 'completed';

interface TestServer {
  readonly url: string;
  readonly outcomes: Map<string, Outcome>;
  /** TCP (or TLS) connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/** Writes `buf`, waiting for drain; false when the client hung up first. */
async function write(res: http.ServerResponse, buf: Buffer, closed: Promise<unknown>): Promise<boolean> {
  if (res.destroyed) return false;
  if (res.write(buf)) return true;
  return Promise.race([once(res, 'drain').then(() => true), closed.then(() => false)]);
}

/**
 * Sends `first` bytes of an answer of `total` bytes, then waits up to HANG_UP_WAIT_MS for the client to hang up
 * before sending the rest: a client that stops reading at the cap is seen closing while the server waits.
 */
async function oversized(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  opts: { total: number; first: number; declared: boolean },
  outcomes: Map<string, Outcome>,
): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  const closed = once(res, 'close');
  res.writeHead(200, {
    'content-type': 'application/json',
    ...(opts.declared ? { 'content-length': String(opts.total) } : {}),
  });
  for (let sent = 0; sent < opts.first; sent += CHUNK) {
    if (!(await write(res, filler(Math.min(CHUNK, opts.first - sent)), closed))) break;
  }
  const hungUp = await Promise.race([
    closed.then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), HANG_UP_WAIT_MS).unref()),
  ]);
  outcomes.set(path, hungUp ? 'closed' : 'completed');
  if (hungUp) return;
  for (let sent = opts.first; sent < opts.total; sent += CHUNK) {
    if (!(await write(res, filler(Math.min(CHUNK, opts.total - sent)), closed))) return;
  }
  res.end();
}

function handler(outcomes: Map<string, Outcome>): http.RequestListener {
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received = Buffer.concat(chunks).toString('utf8');
      switch (path) {
        case '/json':
          res.writeHead(201, 'Made', { 'content-type': 'application/json', 'x-answer': 'yes' });
          res.end(JSON.stringify({ method: req.method, received, auth: req.headers.authorization ?? '' }));
          return;
        case '/empty':
          res.writeHead(204).end();
          return;
        case '/exact':
          res.writeHead(200, { 'content-length': String(CAP) }).end(filler(CAP));
          return;
        case '/exact-chunked':
          res.writeHead(200);
          for (let sent = 0; sent < CAP; sent += CHUNK) res.write(filler(CAP).subarray(sent, sent + CHUNK));
          res.end();
          return;
        case '/declared':
          void oversized(req, res, { total: 2 * CAP, first: CHUNK, declared: true }, outcomes);
          return;
        case '/chunked':
          void oversized(req, res, { total: 2 * CAP, first: CAP + CHUNK, declared: false }, outcomes);
          return;
        case '/gzip-bomb':
          res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'application/json' });
          res.end(gzipSync(filler(2 * CAP)));
          return;
        case '/silent':
          return; // never answers
        default:
          res.writeHead(404).end();
      }
    });
  };
}

async function listen(server: http.Server | https.Server, scheme: string): Promise<TestServer> {
  const outcomes = new Map<string, Outcome>();
  server.on('request', handler(outcomes));
  const state = { connections: 0 };
  server.on(scheme === 'https' ? 'secureConnection' : 'connection', () => (state.connections += 1));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    outcomes,
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const dir = makeTempDir('authgate-httpclient-');
const tls = selfSignedCertificate(dir, 'provider');

const paths: [string, () => Promise<TestServer>, () => ProviderFetch][] = [
  [
    'global fetch (no CA configured)',
    () => listen(http.createServer(), 'http'),
    () => createProviderFetch({ caFiles: [], insecureSkipVerify: false }),
  ],
  [
    'node:https with --provider-ca-file',
    () => listen(https.createServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }), 'https'),
    () => createProviderFetch({ caFiles: [tls.cert], insecureSkipVerify: false }),
  ],
];

afterAll(() => removeDir(dir));

describe.each(paths)('provider fetch over %s', (_name, start, makeFetch) => {
  let server: TestServer;
  let providerFetch: ProviderFetch;
  beforeAll(async () => {
    server = await start();
    providerFetch = makeFetch();
  });
  afterAll(() => server?.close());

  const get = (path: string) =>
    providerFetch(`${server.url}${path}`, { signal: AbortSignal.timeout(10_000) });

  /** The typed error, naming origin and path and the cap, quoting neither the query nor a byte of the body. */
  async function expectTooLarge(path: string): Promise<void> {
    const err = await get(`${path}?code=s3cr3t-code`).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProviderAnswerTooLargeError);
    expect(err).toMatchObject({ code: 'provider_answer_too_large', status: 502 });
    const message = (err as Error).message;
    expect(message).toContain(`${server.url}${path}`);
    expect(message).toContain(String(CAP));
    expect(message).not.toContain('s3cr3t');
    expect(message).not.toContain(MARKER);
  }

  it('(a) refuses a 2 MiB body announced by Content-Length at once, and hangs up', async () => {
    const t0 = Date.now();
    await expectTooLarge('/declared');
    expect(Date.now() - t0).toBeLessThan(HANG_UP_WAIT_MS);
    await waitFor(() => server.outcomes.has('/declared'));
    expect(server.outcomes.get('/declared')).toBe('closed');
  });

  it('(b) refuses a 2 MiB chunked body once past the cap, without waiting for the rest', async () => {
    const t0 = Date.now();
    await expectTooLarge('/chunked');
    // The server holds the second MiB back until the client hangs up (or 5 s): the refusal came at ~1 MiB.
    expect(Date.now() - t0).toBeLessThan(HANG_UP_WAIT_MS);
    await waitFor(() => server.outcomes.has('/chunked'));
    expect(server.outcomes.get('/chunked')).toBe('closed');
  });

  it('(c) passes a body of exactly the cap, with or without Content-Length', async () => {
    for (const path of ['/exact', '/exact-chunked']) {
      const res = await get(path);
      expect(res.status).toBe(200);
      const body = Buffer.from(await res.arrayBuffer());
      expect(body.length).toBe(CAP);
      expect(body.equals(filler(CAP))).toBe(true);
    }
  });

  it('(d) passes a normal JSON answer unchanged: status, headers, body; sends method, headers and body', async () => {
    const res = await providerFetch(`${server.url}/json`, {
      method: 'POST',
      headers: { authorization: 'Basic abc', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'c0de' }).toString(),
    });
    expect(res.status).toBe(201);
    expect(res.statusText).toBe('Made');
    expect(res.headers.get('x-answer')).toBe('yes');
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({
      method: 'POST',
      received: 'grant_type=authorization_code&code=c0de',
      auth: 'Basic abc',
    });
    const empty = await get('/empty');
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
  });

  it('keeps the connection alive across answers, and still works after a refusal', async () => {
    await (await get('/json')).json();
    const before = server.connections;
    await (await get('/json')).json();
    await (await get('/json')).json();
    expect(server.connections).toBe(before);
    await expectTooLarge('/chunked');
    expect((await get('/json')).status).toBe(201);
  });

  it('fails like the global fetch: TypeError when nothing listens, TimeoutError when nothing answers', async () => {
    const port = await freePort();
    const scheme = server.url.split(':')[0] ?? 'http';
    const refused = await providerFetch(`${scheme}://127.0.0.1:${port}/`, {}).catch((e: unknown) => e);
    // By name: the global fetch's TypeError comes from another realm than the test's.
    expect(refused).toMatchObject({ name: 'TypeError', message: 'fetch failed' });
    const silent = await providerFetch(`${server.url}/silent`, { signal: AbortSignal.timeout(200) }).catch(
      (e: unknown) => e,
    );
    expect((silent as Error).name).toBe('TimeoutError');
  });
});

describe('provider fetch over the global fetch', () => {
  it('counts decoded bytes: a 2 MiB answer gzipped into a few KB is refused', async () => {
    const server = await listen(http.createServer(), 'http');
    try {
      const providerFetch = createProviderFetch({ caFiles: [], insecureSkipVerify: false });
      await expect(providerFetch(`${server.url}/gzip-bomb`, {})).rejects.toBeInstanceOf(
        ProviderAnswerTooLargeError,
      );
    } finally {
      await server.close();
    }
  });
});

async function waitFor(check: () => boolean, timeoutMs = HANG_UP_WAIT_MS + 1_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
}
