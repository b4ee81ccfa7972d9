import http from 'node:http';
import https from 'node:https';
import { isIP, type Socket } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Options } from '../config/options.js';
import { takeResponseCookies } from '../http/responseCookies.js';
import type { UpstreamTls } from './upstreamTls.js';
import { bareHostname, createForwarder } from './forwardRequest.js';

export type ProxyErrorHandler = (
  err: Error,
  req: IncomingMessage,
  res: ServerResponse | Socket,
  upstream: string,
) => void;

export interface UpstreamRoute {
  readonly prefix: string;
  /** Origin of the upstream, for logs. */
  readonly origin: string;
  web(req: IncomingMessage, res: ServerResponse): void;
  ws(req: IncomingMessage, socket: Socket, head: Buffer): void;
}

/**
 * Runs before the upstream's headers are copied to the client: merges a refreshed session's cookies in, and
 * keeps HTML documents that set no caching of their own out of every cache (the back button after sign-out).
 */
function adjustUpstreamResponse(proxyRes: IncomingMessage, req: IncomingMessage): void {
  const h = proxyRes.headers;
  const cookies = takeResponseCookies(req);
  if (cookies) h['set-cookie'] = [...(h['set-cookie'] ?? []), ...cookies];
  if (
    h['cache-control'] === undefined &&
    h['expires'] === undefined &&
    h['content-type']?.startsWith('text/html')
  ) {
    h['cache-control'] = 'no-store';
  }
}

export interface UpstreamRouter {
  /** The upstream whose path prefix is the longest one `path` starts with, or null. */
  match(path: string): UpstreamRoute | null;
  /** Builds every route's WebSocket proxy now (after listening), so the first upgrade does not wait for it. */
  prepareWebSockets(): Promise<void>;
  close(): void;
}

type WebSocketProxy = (req: IncomingMessage, socket: Socket, head: Buffer) => void;

/**
 * http-proxy-middleware serves WebSocket upgrades only, and loading it is ~75 ms of Node's module loader (a
 * seventh of start-up): it is imported after the server listens (prepareWebSockets) or at the first upgrade,
 * whichever comes first, once per process.
 */
let hpm: Promise<typeof import('http-proxy-middleware')> | null = null;
const loadHpm = () => (hpm ??= import('http-proxy-middleware'));

/**
 * One forwarder, one WebSocket proxy and one keep-alive agent per --upstream, built at start: nothing is
 * constructed per request.
 * The request path is forwarded as it came (oauth2-proxy semantics); the upstream URL's path is the route.
 */
export function createUpstreamRouter(
  options: Options,
  onError: ProxyErrorHandler,
  /** Agents for https upstreams that follow --upstream-ca (src/proxy/upstreamTls.ts). */
  tls?: UpstreamTls,
): UpstreamRouter {
  const agents: Array<http.Agent> = [];
  const wsBuilders: Array<() => Promise<WebSocketProxy>> = [];
  const routes: UpstreamRoute[] = [...options.upstreams]
    .sort((a, b) => b.pathPrefix.length - a.pathPrefix.length)
    .map((upstream) => {
      const secure = upstream.url.protocol === 'https:';
      // Agent options win over request options: every connection (forwarder and WebSocket proxy alike) checks
      // the certificate against the upstream URL's host, never the client's Host header (--pass-host-header).
      const host = bareHostname(upstream.url);
      const servername = isIP(host) === 0 ? host : '';
      const agent = secure
        ? (tls?.createAgent(servername) ??
          new https.Agent({
            servername,
            keepAlive: true,
            maxSockets: 256,
            rejectUnauthorized: !options.sslUpstreamInsecureSkipVerify,
          }))
        : new http.Agent({ keepAlive: true, maxSockets: 256 });
      agents.push(agent);
      const origin = upstream.url.origin;
      const forward = createForwarder({
        target: new URL(origin),
        agent,
        changeOrigin: !options.passHostHeader,
        timeoutMs: options.upstreamTimeout,
        onResponse: adjustUpstreamResponse,
        onError: (err, req, res) => onError(err, req, res, origin),
      });
      // WebSocket upgrades only: plain requests take the forwarder above (the hot path). Built once, on first need.
      let wsProxy: Promise<WebSocketProxy> | null = null;
      const buildWsProxy = (): Promise<WebSocketProxy> =>
        (wsProxy ??= loadHpm().then(
          ({ createProxyMiddleware, debugProxyErrorsPlugin, proxyEventsPlugin }) => {
            const proxy = createProxyMiddleware<IncomingMessage, ServerResponse>({
              target: origin,
              changeOrigin: !options.passHostHeader,
              ws: false,
              xfwd: false,
              agent,
              secure: !options.sslUpstreamInsecureSkipVerify,
              ejectPlugins: true,
              plugins: [debugProxyErrorsPlugin, proxyEventsPlugin],
              on: {
                error: (err, req, res) => onError(err, req, res as ServerResponse | Socket, origin),
                // A WebSocket upgrade that refreshed the session carries the new cookie on the 101 answer; httpxy
                // writes that answer from the upstream's headers after this listener ran.
                proxyReqWs: (proxyReq, req) => {
                  proxyReq.once('upgrade', (proxyRes: IncomingMessage) =>
                    adjustUpstreamResponse(proxyRes, req),
                  );
                },
              },
            });
            return (req, socket, head) => proxy.upgrade(req, socket, head);
          },
        ));
      wsBuilders.push(buildWsProxy);
      const prefix = upstream.pathPrefix;
      return {
        prefix,
        origin,
        web: forward,
        ws: (req, socket, head) => {
          buildWsProxy().then(
            (upgrade) => upgrade(req, socket, head),
            (err: unknown) => onError(err as Error, req, socket, origin),
          );
        },
      };
    });

  return {
    match(path) {
      for (const route of routes) {
        if (path.startsWith(route.prefix) || path + '/' === route.prefix) return route;
      }
      return null;
    },
    async prepareWebSockets() {
      await Promise.all(wsBuilders.map((build) => build()));
    },
    close() {
      for (const agent of agents) agent.destroy();
    },
  };
}
