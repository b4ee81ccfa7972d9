/**
 * An upstream that misbehaves on purpose, to see that authgate survives it:
 *   /hang       accepts the request and never answers
 *   /reset      sends headers and part of the body, then resets the connection
 *   /stream     sends a chunk every 50 ms until the client goes away (counted in `openStreams`)
 *   anything    200 JSON {url}
 * WebSockets: /ws-drop accepts the upgrade, then destroys the socket; any other path echoes messages.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';

export interface HostileUpstream {
  readonly url: string;
  readonly port: number;
  /** /stream responses still being written. */
  openStreams(): number;
  /** TCP connections currently open to this upstream. */
  connections(): Promise<number>;
  stop(): Promise<void>;
}

export async function startHostileUpstream(): Promise<HostileUpstream> {
  let streams = 0;
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/hang') return;
    if (path === '/reset') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100000' });
      res.write('x'.repeat(1000));
      setTimeout(() => req.socket.resetAndDestroy(), 50);
      return;
    }
    if (path === '/stream') {
      streams += 1;
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('tick\n'), 50);
      res.on('close', () => {
        clearInterval(timer);
        streams -= 1;
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ url: req.url }));
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (req.url?.startsWith('/ws-drop')) {
        ws.send('bye');
        setTimeout(() => socket.destroy(), 20);
        return;
      }
      ws.on('message', (m) => ws.send(String(m)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    openStreams: () => streams,
    connections: () =>
      new Promise((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n)))),
    stop: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) c.terminate();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
