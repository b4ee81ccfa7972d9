import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import WebSocket, { WebSocketServer } from 'ws';
import { startIssuer, type Issuer } from '../support/issuer.js';
import { TEST_COOKIE_SECRET } from '../support/authgate.js';
import { freePort, spawnServer, waitForPort, type ServerProcess } from '../support/processes.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An upstream with a slow endpoint (/slow?ms=N) and a WebSocket echo (/ws). */
async function startSlowUpstream() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const ms = Number(url.searchParams.get('ms') ?? '0');
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`done after ${ms} ms`);
    }, ms);
  });
  const wss = new WebSocketServer({ server, path: '/open/ws' });
  wss.on('connection', (ws) => ws.on('message', (m) => ws.send(String(m))));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: async () => {
      for (const c of wss.clients) c.terminate();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

describe('graceful shutdown of the real CLI (SIGTERM, SIGINT)', () => {
  let issuer: Issuer;
  let upstream: Awaited<ReturnType<typeof startSlowUpstream>>;
  const running: ServerProcess[] = [];

  async function startCli(grace: string): Promise<{ proc: ServerProcess; port: number }> {
    const port = await freePort();
    const proc = spawnServer(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli.ts',
        `--http-address=127.0.0.1:${port}`,
        `--oidc-issuer-url=${issuer.url}`,
        `--client-id=${issuer.clientId}`,
        `--client-secret=${issuer.clientSecret}`,
        `--cookie-secret=${TEST_COOKIE_SECRET}`,
        '--email-domain=example.com',
        `--upstream=${upstream.url}/`,
        '--skip-auth-route=^/open/',
        `--shutdown-grace=${grace}`,
      ],
      { env: { PATH: process.env.PATH ?? '' } },
    );
    running.push(proc);
    await waitForPort(port, { server: proc, timeoutMs: 20_000 });
    for (let i = 0; i < 100 && (await get(port, '/ready')).status !== 200; i += 1) await sleep(100);
    return { proc, port };
  }

  beforeAll(async () => {
    issuer = await startIssuer();
    upstream = await startSlowUpstream();
  });
  afterAll(async () => {
    for (const p of running) await p.stop(2000);
    await upstream?.stop();
    await issuer?.stop();
  });

  it('fails /ready at once, serves through the grace, then refuses connections, finishes requests in flight, closes WebSockets with 1001, exits 0', async () => {
    const { proc, port } = await startCli('1s');
    const ws = new WebSocket(`ws://127.0.0.1:${port}/open/ws`);
    await once(ws, 'open');
    ws.send('hello');
    expect(String((await once(ws, 'message'))[0])).toBe('hello');
    const closed = once(ws, 'close') as Promise<[number, Buffer]>;

    const slow = get(port, '/open/slow?ms=2500');
    await sleep(200); // the slow request is at the upstream now
    const signalledAt = Date.now();
    proc.child.kill('SIGTERM');
    await sleep(100);
    expect(await get(port, '/ready')).toEqual({ status: 503, body: 'shutting down' });
    expect((await get(port, '/open/fast?ms=0')).status).toBe(200); // still served during the grace

    const [code] = await closed;
    expect(code).toBe(1001);
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(900); // not before the grace ran out
    await expect(get(port, '/ping')).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    expect(await slow).toEqual({ status: 200, body: 'done after 2500 ms' });
    await proc.exited;
    expect(proc.exitStatus()).toEqual({ code: 0, signal: null });
    expect(proc.stdout()).toContain('shutting down');
    expect(proc.stdout()).toContain('"websockets":1');
  }, 30_000);

  it('exits at once, with code 1, on a second signal', async () => {
    const { proc, port } = await startCli('20s');
    expect((await get(port, '/ping')).status).toBe(200);
    proc.child.kill('SIGTERM');
    await sleep(300);
    expect((await get(port, '/ready')).status).toBe(503);
    const at = Date.now();
    proc.child.kill('SIGINT');
    await proc.exited;
    expect(Date.now() - at).toBeLessThan(3000);
    expect(proc.exitStatus()).toEqual({ code: 1, signal: null });
  }, 30_000);
});
