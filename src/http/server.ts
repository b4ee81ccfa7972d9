import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Services } from './services.js';
import { createOAuthApp, errorSummary } from './oauthRoutes.js';
import { handleProtected, handleUpgrade } from './protectedRequest.js';
import { handleForwardAuth } from './routes/forwardAuth.js';
import { errorPage } from './pages/pages.js';
import { sendHtml, sendJson, wantsJson } from './respond.js';
import { requestIdOf } from './requestId.js';

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
    const id = requestIdOf(req, idHeader);
    svc.log.error({ requestId: id, err: errorSummary(err) }, 'request failed');
    if (res.headersSent) res.destroy();
    else if (wantsJson(req)) sendJson(res, 500, { error: 'internal_error', requestId: id });
    else sendHtml(res, 500, errorPage(svc.pages, 500, 'authgate could not complete this request.', id));
  };

  const logLine = (req: IncomingMessage, res: ServerResponse, path: string, started: bigint) => {
    res.once('finish', () => {
      svc.log.info(
        {
          requestId: requestIdOf(req, idHeader),
          method: req.method,
          path,
          status: res.statusCode,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request',
      );
    });
  };

  return {
    request(req, res) {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q === -1 ? url : url.slice(0, q);
      if (logRequests && !excluded.has(path)) logLine(req, res, path, process.hrtime.bigint());
      if (path === o.pingPath) {
        res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
        res.end('OK');
        return;
      }
      if (path === o.readyPath) {
        const ready = svc.provider.isReady() && !isShuttingDown();
        res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
        res.end(ready ? 'OK' : isShuttingDown() ? 'shutting down' : 'identity provider not discovered yet');
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
      handleUpgrade(svc, req, socket, head).catch((err) => {
        svc.log.error({ requestId: requestIdOf(req, idHeader), err: errorSummary(err) }, 'upgrade failed');
        socket.destroy();
      });
    },
  };
}

/** An HTTP server with timeouts that keep slow or idle clients from holding resources forever. */
export function createHttpServer(handlers: RequestHandlers): http.Server {
  const server = http.createServer(
    {
      requestTimeout: 60_000,
      headersTimeout: 20_000,
      keepAliveTimeout: 65_000,
      maxHeaderSize: 32 * 1024,
    },
    handlers.request,
  );
  server.on('upgrade', handlers.upgrade);
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) return socket.destroy();
    const status =
      err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
  return server;
}
