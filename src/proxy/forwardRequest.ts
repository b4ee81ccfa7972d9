/**
 * Forwards one HTTP request to an upstream with node:http(s) directly: the hot path of every signed-in request.
 * http-proxy-middleware (still used for WebSocket upgrades, see upstreams.ts) runs a chain of passes, copies the
 * header object and allocates per request; this does only what a reverse proxy must:
 * - hop-by-hop headers (RFC 9110 7.6.1) are dropped both ways. Headers a client lists in `Connection` are NOT
 *   removed: that would let a client strip headers authgate sets (X-Forwarded-For, Authorization) on its way up.
 * - a request body sent chunked travels on a connection that is then closed (as httpxy does), so a framing
 *   disagreement with the upstream can never affect the next user's request on a reused connection;
 * - the upstream's answer is streamed (logs, watches) with back-pressure, never buffered;
 * - either side going away ends the other: a vanished client aborts the upstream request, an upstream reset
 *   mid-answer cuts the client's response rather than leaving it to hang.
 * The request path goes up as it came (oauth2-proxy semantics); the target only names the origin.
 */
import http, { type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';

export interface ForwarderSettings {
  /** The upstream origin. */
  readonly target: URL;
  /** Keep-alive agent for the origin (one per upstream, built at start). */
  readonly agent: http.Agent;
  /** Host header: the upstream's own (true) or the client's (false, --pass-host-header). */
  readonly changeOrigin: boolean;
  /** Idle time after which the upstream request fails with ETIMEDOUT (answered 504). */
  readonly timeoutMs: number;
  /** Runs before the upstream's headers are copied to the client (may edit `proxyRes.headers`). */
  readonly onResponse: (proxyRes: IncomingMessage, req: IncomingMessage) => void;
  /** The upstream could not be reached or did not answer: write the 502/504 page. */
  readonly onError: (err: Error, req: IncomingMessage, res: ServerResponse) => void;
}

export type Forwarder = (req: IncomingMessage, res: ServerResponse) => void;

/** Request headers that belong to the client's connection, not the request. */
const HOP_BY_HOP_REQUEST = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'upgrade',
  'http2-settings',
] as const;

/** Response headers that belong to the upstream's connection (Node frames the client's answer itself). */
const HOP_BY_HOP_RESPONSE = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'trailer',
  'upgrade',
] as const;

/** URL.hostname keeps an IPv6 literal's brackets; sockets and TLS names want the bare address. */
export function bareHostname(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

function timedOut(this: ClientRequest): void {
  this.destroy(Object.assign(new Error('upstream timed out'), { code: 'ETIMEDOUT' }));
}

/** Builds the forwarder for one upstream; everything that does not depend on the request is computed here. */
export function createForwarder(s: ForwarderSettings): Forwarder {
  const secure = s.target.protocol === 'https:';
  const send = secure ? https.request : http.request;
  const hostname = bareHostname(s.target);
  const port = Number(s.target.port) || (secure ? 443 : 80);
  const hostHeader = s.target.host;

  return (req, res) => {
    const headers = req.headers;
    for (const name of HOP_BY_HOP_REQUEST) delete headers[name];
    if (headers['transfer-encoding'] !== undefined) headers.connection = 'close';
    if (s.changeOrigin) headers.host = hostHeader;

    let proxyReq: ClientRequest;
    try {
      proxyReq = send({
        agent: s.agent,
        hostname,
        port,
        method: req.method,
        path: req.url,
        headers,
      });
    } catch (err) {
      // Node refuses to send some header values it accepted from the client; answer like an unusable upstream.
      s.onError(err as Error, req, res);
      return;
    }
    proxyReq.setTimeout(s.timeoutMs, timedOut);

    proxyReq.on('response', (proxyRes) => {
      s.onResponse(proxyRes, req);
      const out = proxyRes.headers;
      for (const name of HOP_BY_HOP_RESPONSE) delete out[name];
      try {
        res.writeHead(proxyRes.statusCode ?? 502, proxyRes.statusMessage, out);
      } catch (err) {
        // Node parsed a reason phrase or header it refuses to send again (e.g. a control byte). writeHead kept
        // the reason and any headers it had set: forget them, or the error page would fail the same way.
        proxyRes.destroy();
        res.statusMessage = '';
        for (const name of res.getHeaderNames()) res.removeHeader(name);
        s.onError(err as Error, req, res);
        return;
      }
      proxyRes.on('error', () => res.destroy());
      proxyRes.on('aborted', () => res.destroy());
      proxyRes.pipe(res);
    });
    // A 101 to a plain request: Node emits no 'response' for it, so without this the client would wait forever.
    proxyReq.on('upgrade', (_proxyRes, socket) => {
      socket.destroy();
      const err = Object.assign(new Error('upstream switched protocols'), {
        code: 'ERR_UPSTREAM_SWITCHED_PROTOCOLS',
      });
      if (res.headersSent) res.destroy();
      else s.onError(err, req, res);
    });
    proxyReq.on('error', (err) => {
      if (res.destroyed || res.writableEnded) return; // the client left first: nothing to answer
      if (res.headersSent) res.destroy();
      else s.onError(err, req, res);
    });
    res.on('close', () => {
      if (!res.writableFinished) proxyReq.destroy();
    });

    if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) {
      proxyReq.end();
    } else {
      req.on('error', () => proxyReq.destroy());
      req.pipe(proxyReq);
    }
  };
}
