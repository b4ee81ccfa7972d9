import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Services } from './services.js';
import { createOAuthApp } from './oauthRoutes.js';
import { errorSummary } from '../observability/errorSummary.js';
import { handleProtected, handleUpgrade } from './protectedRequest.js';
import { handleForwardAuth } from './routes/forwardAuth.js';
import { errorPage } from './pages/pages.js';
import { sendHtml, sendJson } from './respond.js';
import { answersWithJson } from './answerFormat.js';
import { requestIdOf } from './requestId.js';
import { isStoreUnavailable } from '../session/store.js';
import { sendStoreUnavailable } from './sessionGate.js';
import { requestNote } from '../observability/requestNotes.js';
import { createRouteClassifier } from '../observability/routeClass.js';

export interface RequestHandlers {
  request(req: IncomingMessage, res: ServerResponse): void;
  upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void;
}

/**
 * The dispatcher. /ping, /ready, /oauth2/auth and proxied requests are answered without express (they are on
 * every request's path); the rest of <proxy-prefix> goes to the express app.
 */
export function createRequestHandlers(svc: Services, isShuttingDown: () => boolean): RequestHandlers {
  const o = svc.options;
  const app = createOAuthApp(svc);
  const prefixSlash = o.proxyPrefix + '/';
  const authPath = `${o.proxyPrefix}/auth`;
  const logRequests = o.requestLogging;
  const excluded = new Set(o.excludeLoggingPaths);
  if (o.silencePingLogging) excluded.add(o.pingPath);
  const idHeader = o.requestIdHeader;

  const fail = (req: IncomingMessage, res: ServerResponse, err: unknown) => {
    if (isStoreUnavailable(err)) return sendStoreUnavailable(svc, req, res);
    const id = requestIdOf(req, idHeader);
    svc.log.error({ requestId: id, err: errorSummary(err) }, 'request failed');
    if (res.headersSent) res.destroy();
    else if (answersWithJson(svc, req)) sendJson(res, 500, { error: 'internal_error', requestId: id });
    else sendHtml(res, 500, errorPage(svc.pages, 500, 'authgate could not complete this request.', id));
  };

  // Metrics are observed only when served (--metrics-address): one counter and one histogram per request.
  const metrics = o.metricsAddress ? svc.metrics : null;
  const routeClass = createRouteClassifier(o.proxyPrefix, [o.pingPath, o.readyPath]);
  // The access log line holds only the strings and numbers built below, which no redact path (all nested,
  // e.g. `*.idToken`) can match: without pino's redaction, formatting it costs ~4 us instead of ~11 us.
  const accessLog = svc.log.child({}, { redact: [] });
  /** 'close' also fires for a response cut short (client gone): it is logged and counted as 499, as nginx does. */
  const whenDone = (
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    started: bigint,
    log: boolean,
  ) => {
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = res.writableFinished ? res.statusCode : 499;
      metrics?.observeRequest(routeClass(path), status, seconds);
      if (!log) return;
      const note = requestNote(req);
      accessLog.info(
        {
          requestId: requestIdOf(req, idHeader),
          method: req.method,
          path,
          status,
          durationMs: seconds * 1e3,
          user: note?.user,
          email: note?.email,
          upstream: note?.upstream,
          clientIp: note?.clientIp ?? svc.readInfo(req).clientIp,
        },
        'request',
      );
    });
  };

  const handlers: RequestHandlers = {
    request(req, res) {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q === -1 ? url : url.slice(0, q);
      const log = logRequests && !excluded.has(path);
      if (log || metrics) whenDone(req, res, path, process.hrtime.bigint(), log);
      if (path === o.pingPath) {
        res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
        res.end('OK');
        return;
      }
      if (path === o.readyPath) {
        const why = isShuttingDown()
          ? 'shutting down'
          : !svc.provider.isReady()
            ? 'identity provider not discovered yet'
            : !svc.sessions.isHealthy()
              ? 'session store unavailable'
              : '';
        res.writeHead(why ? 503 : 200, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
        res.end(why || 'OK');
        return;
      }
      if (path === authPath) {
        handleForwardAuth(svc, req, res, q === -1 ? '' : url.slice(q + 1)).catch((err) =>
          fail(req, res, err),
        );
        return;
      }
      if (path.startsWith(prefixSlash) || path === o.proxyPrefix) {
        app(req as never, res as never);
        return;
      }
      handleProtected(svc, req, res, path).catch((err) => fail(req, res, err));
    },
    upgrade(req, socket, head) {
      socket.on('error', () => socket.destroy());
      if (req.headers.upgrade?.trim().toLowerCase() !== 'websocket') {
        answerAsPlainRequest(req, socket, handlers.request);
        return;
      }
      handleUpgrade(svc, req, socket, head).catch((err) => {
        if (isStoreUnavailable(err) && socket.writable) {
          socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
          return;
        }
        svc.log.error({ requestId: requestIdOf(req, idHeader), err: errorSummary(err) }, 'upgrade failed');
        socket.destroy();
      });
    },
  };
  return handlers;
}

/**
 * An Upgrade to anything but WebSocket (`Upgrade: h2c`, what `curl --http2` sends over http://) is answered as
 * the ordinary request it also is (RFC 9110 7.8 lets a server ignore Upgrade), then the connection closes; one
 * with a body is refused (400). Node hands every Upgrade request to the 'upgrade' event, where it would
 * otherwise get no answer at all. The forwarder never passes Upgrade or Connection on, so the upstream sees a
 * plain request.
 */
function answerAsPlainRequest(
  req: IncomingMessage,
  socket: Socket,
  request: RequestHandlers['request'],
): void {
  // Node does not parse the body of an Upgrade request: one that has a body cannot be forwarded.
  const cl = req.headers['content-length'];
  if (req.headers['transfer-encoding'] !== undefined || (cl !== undefined && cl !== '0')) {
    if (socket.writable) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
    return;
  }
  const res = new http.ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket);
  res.once('finish', () => {
    res.detachSocket(socket);
    socket.destroySoon();
  });
  request(req, res);
}

/** Timeouts that keep slow or idle clients from holding resources forever (HTTP and HTTPS listeners alike). */
export const SERVER_LIMITS = {
  requestTimeout: 60_000,
  headersTimeout: 20_000,
  keepAliveTimeout: 65_000,
  maxHeaderSize: 32 * 1024,
  // How often the two timeouts above are enforced (Node's default, 30 s, lets a slow client overstay by that much).
  connectionsCheckingInterval: 1_000,
} as const;

/** A request that does not parse: a bare 400 (431 for oversized headers), then the connection closes. */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable) return void socket.destroy();
  const status =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? '431 Request Header Fields Too Large'
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? '408 Request Timeout'
        : '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** The plain HTTP listener (HTTPS: src/http/tls.ts). */
export function createHttpServer(handlers: RequestHandlers): http.Server {
  const server = http.createServer(SERVER_LIMITS, handlers.request);
  server.on('upgrade', handlers.upgrade);
  server.on('clientError', answerClientError);
  return server;
}
