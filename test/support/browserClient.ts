/**
 * A browser stand-in for integration tests: a cookie jar (tough-cookie), manual redirects, the oidc-provider
 * login/consent/logout forms filled in automatically, and virtual hosts. `resolve` maps a virtual `host:port`
 * (e.g. `auth.example.test:8080`) to a real `127.0.0.1:port`: requests go to the real address while the Host
 * header, the cookie jar and redirects all see the virtual URL, as a browser behind DNS would.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { CookieJar } from 'tough-cookie';
import WebSocket from 'ws';
import { oidcProviderForm } from './browser/oidcForms.js';

export interface BrowserResponse {
  status: number;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
  /** The (virtual) URL this response answered. */
  url: string;
  header(name: string): string | undefined;
  json<T = unknown>(): T;
}

export interface BrowserRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** URL-encoded form body; sets method POST and the content type. */
  form?: Record<string, string>;
}

export interface FollowOptions {
  maxHops?: number;
  /** Login typed into the issuer's login form (default 'alice'); the password is anything non-empty. */
  login?: string;
  password?: string;
  onHop?: (res: BrowserResponse) => void;
  /** Init of the first request (later hops are GETs, or repeat it for 307/308). */
  init?: BrowserRequestInit;
}

export interface BrowserClientOptions {
  resolve?: Record<string, string>;
  /** CA for https targets (self-signed test certificates). */
  ca?: string | Buffer;
  rejectUnauthorized?: boolean;
  timeoutMs?: number;
}

/** URLs in error messages lose their query: it may carry codes or tokens. */
const withoutQuery = (url: string): string => url.split('?')[0] ?? url;

const NAVIGATION_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export class BrowserClient {
  readonly jar = new CookieJar();
  private readonly resolveMap: Record<string, string>;

  constructor(private readonly opts: BrowserClientOptions = {}) {
    this.resolveMap = { ...opts.resolve };
  }

  /** Where a virtual URL is really sent: `host:port` from the resolve map, or the URL's own host. */
  private target(u: URL): { hostname: string; port: number } {
    const port = u.port || (u.protocol === 'https:' || u.protocol === 'wss:' ? '443' : '80');
    const mapped = this.resolveMap[u.host] ?? this.resolveMap[`${u.hostname}:${port}`];
    if (!mapped) return { hostname: u.hostname.replace(/^\[|\]$/g, ''), port: Number(port) };
    const i = mapped.lastIndexOf(':');
    return { hostname: mapped.slice(0, i), port: Number(mapped.slice(i + 1)) };
  }

  private isKnownHost(u: URL): boolean {
    const port = u.port || (u.protocol === 'https:' ? '443' : '80');
    return (
      LOCAL_HOSTS.has(u.hostname) || u.host in this.resolveMap || `${u.hostname}:${port}` in this.resolveMap
    );
  }

  cookies(url: string): string {
    return this.jar.getCookieStringSync(url);
  }

  setCookie(cookie: string, url: string): void {
    this.jar.setCookieSync(cookie, url);
  }

  /** One request, redirects NOT followed; cookies sent from and stored into the jar. */
  async request(url: string, init: BrowserRequestInit = {}): Promise<BrowserResponse> {
    const u = new URL(url);
    let body = init.body;
    const headers: Record<string, string> = {
      accept: NAVIGATION_ACCEPT,
      'user-agent': 'authgate-test-browser',
    };
    if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    for (const [k, v] of Object.entries(init.headers ?? {})) headers[k.toLowerCase()] = v;
    headers.host = u.host;
    const cookie = this.cookies(url);
    if (cookie && headers.cookie === undefined) headers.cookie = cookie;
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const method = init.method ?? (init.form ? 'POST' : 'GET');
    const { hostname, port } = this.target(u);
    const lib = u.protocol === 'https:' ? https : http;

    const res = await new Promise<http.IncomingMessage & { text: string }>((resolve, reject) => {
      const req = lib.request(
        {
          hostname,
          port,
          method,
          path: `${u.pathname}${u.search}`,
          headers,
          servername: u.hostname,
          ca: this.opts.ca,
          rejectUnauthorized: this.opts.rejectUnauthorized ?? true,
          agent: false,
        },
        (r) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => resolve(Object.assign(r, { text: Buffer.concat(chunks).toString('utf8') })));
          r.on('error', reject);
        },
      );
      req.setTimeout(this.opts.timeoutMs ?? 10_000, () =>
        req.destroy(new Error(`timeout: ${method} ${withoutQuery(url)}`)),
      );
      req.on('error', reject);
      req.end(body);
    });

    for (const c of res.headers['set-cookie'] ?? []) this.jar.setCookieSync(c, url, { ignoreError: true });
    const text = res.text;
    return {
      status: res.statusCode ?? 0,
      headers: res.headers,
      rawHeaders: res.rawHeaders,
      body: text,
      url,
      header: (name) => {
        const v = res.headers[name.toLowerCase()];
        return Array.isArray(v) ? v.join(', ') : v;
      },
      json: <T>() => JSON.parse(text) as T,
    };
  }

  get(url: string, init: BrowserRequestInit = {}): Promise<BrowserResponse> {
    return this.request(url, { ...init, method: init.method ?? 'GET' });
  }

  post(url: string, form: Record<string, string>, init: BrowserRequestInit = {}): Promise<BrowserResponse> {
    return this.request(url, { ...init, form });
  }

  /**
   * Navigate like a browser: follow redirects, fill in the issuer's login (and consent / logout confirmation)
   * forms, stop at the first other page or at a redirect to a host this client cannot reach (which is returned
   * as `final`, so its Location can be inspected).
   */
  async follow(url: string, opts: FollowOptions = {}): Promise<{ final: BrowserResponse; hops: string[] }> {
    const maxHops = opts.maxHops ?? 20;
    const creds = { login: opts.login ?? 'alice', password: opts.password ?? 'any-password' };
    const hops: string[] = [];
    let next = url;
    let init: BrowserRequestInit = opts.init ?? {};
    for (;;) {
      if (hops.length >= maxHops) throw new Error(`too many hops: ${hops.map(withoutQuery).join(' -> ')}`);
      hops.push(next);
      const res = await this.request(next, init);
      opts.onHop?.(res);
      const location = res.headers.location;
      if (REDIRECTS.has(res.status) && location) {
        const target = new URL(location, next);
        if (!this.isKnownHost(target)) return { final: res, hops };
        const keep = res.status === 307 || res.status === 308;
        init = keep ? init : {};
        next = target.toString();
        continue;
      }
      const form = res.status === 200 ? oidcProviderForm(res.body, next, creds) : undefined;
      if (!form) return { final: res, hops };
      next = form.action;
      init = { form: form.fields };
    }
  }

  /**
   * Open a WebSocket carrying the jar's cookies (and an Origin like a browser's); resolves once open. Messages are
   * queued from the very start (a server may send in the same packet as the handshake): read them with nextMessage.
   * A refused upgrade rejects with an Error carrying `status`, `headers` and `body`.
   */
  wsConnect(url: string, headers: Record<string, string> = {}): Promise<BrowserWebSocket> {
    const u = new URL(url);
    const httpUrl = url.replace(/^ws/, 'http');
    const { hostname, port } = this.target(u);
    const real = `${u.protocol}//${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}${u.pathname}${u.search}`;
    const cookie = this.cookies(httpUrl);
    // ws hands servername on to tls.connect; its types just do not list it.
    const options: WebSocket.ClientOptions & { servername?: string } = {
      headers: { host: u.host, ...(cookie ? { cookie } : {}), ...headers },
      origin: headers.origin ?? new URL(httpUrl).origin,
      servername: u.hostname,
      ca: this.opts.ca,
      rejectUnauthorized: this.opts.rejectUnauthorized ?? true,
    };
    const ws = new WebSocket(real, options) as BrowserWebSocket;
    const queued: string[] = [];
    const waiting: Array<(m: string) => void> = [];
    ws.on('message', (data) => {
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : String(data);
      const waiter = waiting.shift();
      if (waiter) waiter(text);
      else queued.push(text);
    });
    ws.nextMessage = (timeoutMs = 5000) => {
      const ready = queued.shift();
      if (ready !== undefined) return Promise.resolve(ready);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no WebSocket message')), timeoutMs);
        waiting.push((m) => {
          clearTimeout(timer);
          resolve(m);
        });
      });
    };
    return new Promise((resolve, reject) => {
      ws.on('open', () => resolve(ws));
      ws.on('unexpected-response', (_req, res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const message = `WebSocket upgrade refused: ${res.statusCode}`;
          reject(Object.assign(new Error(message), { status: res.statusCode, headers: res.headers, body }));
          ws.terminate();
        });
      });
      ws.on('error', reject);
    });
  }
}

export type BrowserWebSocket = WebSocket & {
  /** The next text message (queued ones first); rejects after timeoutMs (default 5 s). */
  nextMessage(timeoutMs?: number): Promise<string>;
};
