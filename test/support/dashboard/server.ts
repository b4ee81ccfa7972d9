import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { TokenAuthenticator } from '../apiserver/types.js';
import { DASHBOARD_CSS, DASHBOARD_HTML, DASHBOARD_JS } from './assets.js';

export interface DashboardApp {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

const UNAUTHORIZED = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'Unauthorized',
  reason: 'Unauthorized',
  code: 401,
};

/**
 * A dashboard-like upstream: static page + script (hash routes), `GET /api/v1/me` (XHR) and a WebSocket at
 * /api/sockjs/ws. Like the Kubernetes Dashboard it hands the request's bearer to the apiserver: here the
 * kube-apiserver-faithful authenticator decides, so an expired or foreign token gets the apiserver's 401.
 */
export async function startDashboardApp(authenticator: TokenAuthenticator): Promise<DashboardApp> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string, cache = 'no-cache') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': cache });
      res.end(body);
    };
    if (path === '/app.js') return send(200, 'text/javascript', DASHBOARD_JS, 'public, max-age=600');
    if (path === '/app.css') return send(200, 'text/css', DASHBOARD_CSS, 'public, max-age=600');
    if (path === '/api/v1/me') {
      void authenticator.authenticate(req.headers.authorization).then((r) => {
        if (r.kind !== 'user') return send(401, 'application/json', JSON.stringify(UNAUTHORIZED));
        send(
          200,
          'application/json',
          JSON.stringify({ name: r.user.username, groups: r.user.groups, authenticated: true }),
        );
      });
      return;
    }
    if (path === '/api/v1/stream') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      let n = 0;
      const timer = setInterval(() => {
        res.write(`line ${++n}\n`);
        if (n === 5) {
          clearInterval(timer);
          res.end();
        }
      }, 100);
      res.on('close', () => clearInterval(timer));
      return;
    }
    send(200, 'text/html; charset=utf-8', DASHBOARD_HTML);
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    void authenticator.authenticate(req.headers.authorization).then((r) => {
      if (r.kind !== 'user') {
        socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        ws.send(JSON.stringify({ user: r.user.username, groups: r.user.groups }));
        ws.on('message', (m: Buffer) => ws.send(m.toString('utf8')));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) c.terminate();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
