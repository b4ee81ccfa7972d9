/**
 * Slowloris: 500 connections sending their headers a byte at a time, plus slow request bodies, while a normal user
 * keeps being served; the server's header and request timeouts then close every one of them. The production
 * timeouts (headers 20 s, request 60 s, checked every second: SERVER_LIMITS in src/http/server.ts) are shortened
 * on the live server object here so the test takes seconds; the enforcement path is the same.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startIssuer, type Issuer } from '../support/issuer.js';
import { BrowserClient } from '../support/browserClient.js';
import { startAuthgate, TEST_COOKIE_SECRET, type RunningAuthgate } from '../support/authgate.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echoUpstream.js';
import { SERVER_LIMITS } from '../../src/http/server.js';

const SLOW_HEADERS = 500;
const SLOW_BODIES = 50;
const HEADERS_TIMEOUT_MS = 1_500;
const REQUEST_TIMEOUT_MS = 3_000;

interface Slow {
  socket: net.Socket;
  closed: boolean;
  answer: string;
}

/** A client that never finishes: `prefix` at once, then one byte of `drip` every `everyMs`. */
function slowClient(port: number, prefix: string, drip: string, everyMs: number): Slow {
  const socket = net.connect(port, '127.0.0.1');
  const slow: Slow = { socket, closed: false, answer: '' };
  let i = 0;
  let timer: NodeJS.Timeout | undefined;
  socket.on('connect', () => {
    socket.write(prefix);
    timer = setInterval(() => {
      if (socket.writable) socket.write(drip[i++ % drip.length]!);
    }, everyMs);
  });
  socket.on('data', (d: Buffer) => (slow.answer += d.toString('latin1')));
  socket.on('error', () => undefined);
  socket.on('close', () => {
    clearInterval(timer);
    slow.closed = true;
  });
  return slow;
}

describe('slowloris', () => {
  let issuer: Issuer;
  let upstream: EchoUpstream;
  let ag: RunningAuthgate;
  let cookie: string;

  beforeAll(async () => {
    issuer = await startIssuer();
    upstream = await startEchoUpstream();
    ag = await startAuthgate([
      `--oidc-issuer-url=${issuer.url}`,
      `--client-id=${issuer.clientId}`,
      `--client-secret=${issuer.clientSecret}`,
      `--cookie-secret=${TEST_COOKIE_SECRET}`,
      '--cookie-secure=false',
      '--email-domain=*',
      `--upstream=${upstream.url}/`,
    ]);
    const b = new BrowserClient();
    await b.follow(`${ag.url}/oauth2/start?rd=/`);
    cookie = b.cookies(ag.url);
    ag.gate.server.headersTimeout = HEADERS_TIMEOUT_MS;
    ag.gate.server.requestTimeout = REQUEST_TIMEOUT_MS;
  });
  afterAll(async () => {
    await ag?.stop();
    await upstream?.stop();
    await issuer?.stop();
  });

  it('production timeouts are bounded and enforced every second', () => {
    expect(SERVER_LIMITS.headersTimeout).toBeLessThanOrEqual(20_000);
    expect(SERVER_LIMITS.requestTimeout).toBeLessThanOrEqual(60_000);
    expect(SERVER_LIMITS.connectionsCheckingInterval).toBeLessThanOrEqual(1_000);
  });

  it('serves a normal user during 500 slow-header and 50 slow-body connections, then closes them all', async () => {
    const slow: Slow[] = [];
    for (let i = 0; i < SLOW_HEADERS; i++) {
      slow.push(slowClient(ag.port, 'GET /app HTTP/1.1\r\nHost: x\r\nX-Slow-', 'abcdefghij', 100));
    }
    const bodies: Slow[] = [];
    for (let i = 0; i < SLOW_BODIES; i++) {
      const head = `POST /app HTTP/1.1\r\nHost: x\r\nCookie: ${cookie}\r\nContent-Length: 100000\r\n\r\n`;
      bodies.push(slowClient(ag.port, head, 'x', 100));
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(slow.filter((s) => s.closed)).toHaveLength(0);

    // the normal user, several times while the slow clients hold their connections
    for (let i = 0; i < 5; i++) {
      const t0 = Date.now();
      const res = await new BrowserClient().get(`${ag.url}/app`, { headers: { cookie } });
      expect(res.status).toBe(200);
      expect(Date.now() - t0).toBeLessThan(1_000);
      await new Promise((r) => setTimeout(r, 100));
    }

    const allClosed = async (set: Slow[], withinMs: number) => {
      const end = Date.now() + withinMs;
      while (Date.now() < end && set.some((s) => !s.closed)) await new Promise((r) => setTimeout(r, 100));
      return set.filter((s) => !s.closed).length;
    };
    // headers: timeout + one check interval + slack
    expect(await allClosed(slow, HEADERS_TIMEOUT_MS + 2_500)).toBe(0);
    expect(slow.every((s) => s.answer === '' || s.answer.startsWith('HTTP/1.1 408'))).toBe(true);
    expect(await allClosed(bodies, REQUEST_TIMEOUT_MS + 2_500)).toBe(0);

    const connections = await new Promise<number>((resolve, reject) =>
      ag.gate.server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
    );
    expect(connections).toBeLessThanOrEqual(1);
    expect((await new BrowserClient().get(`${ag.url}/ping`)).status).toBe(200);
  }, 20_000);
});
