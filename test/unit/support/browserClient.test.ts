import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { BrowserClient } from '../../support/browserClient.js';
import { oidcProviderForm } from '../../support/browser/oidcForms.js';

/** A tiny app: echoes what it received, sets cookies, redirects on /go, and upgrades /ws. */
function startEchoServer(): Promise<{ port: number; server: http.Server }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/set') {
      res.setHeader('set-cookie', ['sid=abc; Path=/; HttpOnly', 'other=1; Path=/only']);
      return void res.end('set');
    }
    if (url.pathname === '/go') {
      res.writeHead(Number(url.searchParams.get('status') ?? 302), {
        location: url.searchParams.get('to') ?? '/',
      });
      return void res.end();
    }
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ method: req.method, path: req.url, headers: req.headers, body }));
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (req.headers.cookie?.includes('sid=abc') !== true) {
      socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-length: 6\r\n\r\nno sid');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) =>
      ws.send(JSON.stringify({ host: req.headers.host, origin: req.headers.origin })),
    );
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port })),
  );
}

describe('BrowserClient', () => {
  let port: number;
  let server: http.Server;
  const vhost = 'app.example.test:8080';

  beforeAll(async () => {
    ({ port, server } = await startEchoServer());
  });
  afterAll(async () => {
    // closeAllConnections does not reach upgraded (WebSocket) sockets; the client closed its own.
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('sends virtual hosts to the mapped port with the virtual Host header, and keeps cookies per virtual URL', async () => {
    const b = new BrowserClient({ resolve: { [vhost]: `127.0.0.1:${port}` } });
    await b.get(`http://${vhost}/set`);
    expect(b.cookies(`http://${vhost}/`)).toBe('sid=abc');
    expect(b.cookies(`http://${vhost}/only/x`)).toBe('other=1; sid=abc');
    expect(b.cookies(`http://127.0.0.1:${port}/`)).toBe('');
    const res = await b.get(`http://${vhost}/echo?q=1`);
    const echoed = res.json<{ path: string; headers: Record<string, string> }>();
    expect(echoed.path).toBe('/echo?q=1');
    expect(echoed.headers.host).toBe(vhost);
    expect(echoed.headers.cookie).toBe('sid=abc');
    expect(res.url).toBe(`http://${vhost}/echo?q=1`);
  });

  it('does not follow redirects on get, follows them on follow, and stops at unknown hosts', async () => {
    const b = new BrowserClient();
    const base = `http://127.0.0.1:${port}`;
    const single = await b.get(`${base}/go?to=/landed`);
    expect(single.status).toBe(302);
    const { final, hops } = await b.follow(`${base}/go?to=/landed`);
    expect(final.status).toBe(200);
    expect(hops).toEqual([`${base}/go?to=/landed`, `${base}/landed`]);
    const away = await b.follow(`${base}/go?to=${encodeURIComponent('https://idp.elsewhere.example/x')}`);
    expect(away.final.status).toBe(302);
    expect(away.final.headers.location).toBe('https://idp.elsewhere.example/x');
  });

  it('keeps the method and body on 307 and switches to GET on 303', async () => {
    const b = new BrowserClient();
    const base = `http://127.0.0.1:${port}`;
    const kept = await b.follow(`${base}/go?status=307&to=/after`, { init: { form: { a: '1' } } });
    expect(kept.final.json()).toMatchObject({ method: 'POST', body: 'a=1' });
    const switched = await b.follow(`${base}/go?status=303&to=/after`, { init: { form: { a: '1' } } });
    expect(switched.final.json()).toMatchObject({ method: 'GET', body: '' });
  });

  it('throws after maxHops', async () => {
    const b = new BrowserClient();
    const loop = `http://127.0.0.1:${port}/go?to=${encodeURIComponent('/go?to=/go')}`;
    await expect(b.follow(loop, { maxHops: 3 })).rejects.toThrow(/too many hops/);
  });

  it('opens a WebSocket with the jar cookies, virtual Host and Origin, and reports a refused upgrade', async () => {
    const b = new BrowserClient({ resolve: { [vhost]: `127.0.0.1:${port}` } });
    const refused = b.wsConnect(`ws://${vhost}/ws`);
    await expect(refused).rejects.toMatchObject({ status: 401, body: 'no sid' });
    b.setCookie('sid=abc; Path=/', `http://${vhost}/`);
    const ws = await b.wsConnect(`ws://${vhost}/ws`);
    const msg = await ws.nextMessage();
    ws.terminate();
    expect(JSON.parse(msg)).toEqual({ host: vhost, origin: `http://${vhost}` });
  });
});

describe('oidcProviderForm', () => {
  it('fills the login form and resolves its action against the page', () => {
    const html =
      '<form autocomplete="off" action="/interaction/abc" method="post"><input type="hidden" name="prompt" value="login"/>' +
      '<input required type="text" name="login"><input required type="password" name="password"></form>';
    expect(
      oidcProviderForm(html, 'http://127.0.0.1:9/interaction/abc', { login: 'bob', password: 'pw' }),
    ).toEqual({
      action: 'http://127.0.0.1:9/interaction/abc',
      kind: 'login',
      fields: { prompt: 'login', login: 'bob', password: 'pw' },
    });
  });

  it('adds logout=yes to the logout confirmation and decodes entities', () => {
    const html =
      '<form id="op.logoutForm" method="post" action="http://i/session/end/confirm?a=1&amp;b=2"><input type="hidden" name="xsrf" value="x&#x2F;y"/></form>';
    expect(oidcProviderForm(html, 'http://i/session/end', { login: 'a', password: 'b' })).toEqual({
      action: 'http://i/session/end/confirm?a=1&b=2',
      kind: 'logout',
      fields: { xsrf: 'x/y', logout: 'yes' },
    });
  });

  it('ignores other forms', () => {
    const html =
      '<form action="/oauth2/start" method="post"><input type="hidden" name="rd" value="/"></form>';
    expect(oidcProviderForm(html, 'http://a/', { login: 'a', password: 'b' })).toBeUndefined();
  });
});
