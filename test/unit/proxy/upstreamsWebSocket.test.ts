/**
 * The WebSocket proxy is built lazily (http-proxy-middleware is imported after listening or at the first upgrade):
 * an upgrade that arrives before prepareWebSockets() ran must still reach the upstream, and both paths must build
 * it once.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import WebSocket, { WebSocketServer } from 'ws';
import { optionsOf, VALID_ARGV } from '../config/configFixtures.js';
import { createUpstreamRouter, type UpstreamRouter } from '../../../src/proxy/upstreams.js';

describe('upstream WebSocket proxy, built on first need', () => {
  let upstream: http.Server;
  let upgrades = 0;
  let front: http.Server;
  let router: UpstreamRouter;
  const errors: Error[] = [];

  beforeAll(async () => {
    upstream = http.createServer();
    const wss = new WebSocketServer({ server: upstream });
    wss.on('connection', (socket) => {
      upgrades += 1;
      socket.on('message', (data) => socket.send(`echo:${String(data)}`));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const port = (upstream.address() as AddressInfo).port;
    router = createUpstreamRouter(optionsOf([...VALID_ARGV, `--upstream=http://127.0.0.1:${port}/`]), (err) =>
      errors.push(err),
    );
    front = http.createServer((_req, res) => res.writeHead(404).end());
    front.on('upgrade', (req, socket, head) => router.match(req.url ?? '/')?.ws(req, socket as never, head));
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    router?.close();
    for (const server of [front, upstream]) {
      server?.closeAllConnections();
      await new Promise((r) => server?.close(r) ?? r(undefined));
    }
  });

  const echo = async (): Promise<string> => {
    const ws = new WebSocket(`ws://127.0.0.1:${(front.address() as AddressInfo).port}/socket`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const reply = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));
    ws.send('hi');
    const text = await reply;
    ws.close();
    return text;
  };

  it('proxies an upgrade that arrives before prepareWebSockets(), then after it', async () => {
    expect(await echo()).toBe('echo:hi');
    await router.prepareWebSockets();
    expect(await echo()).toBe('echo:hi');
    expect(upgrades).toBe(2);
    expect(errors).toEqual([]);
  });
});
