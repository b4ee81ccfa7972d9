import express, { type Express, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Services } from './services.js';
import { handleCallback, redirectTarget, showSignIn, startSignIn } from './routes/signIn.js';
import { handleSignOut } from './routes/signOut.js';
import { handleUserInfo } from './routes/forwardAuth.js';
import { STYLESHEET } from './pages/stylesheet.js';
import { errorPage } from './pages/pages.js';
import { sendHtml, sendJson, wantsJson } from './respond.js';
import { requestIdOf } from './requestId.js';

/** authgate's own endpoints under --proxy-prefix. Off the hot path, so express's conveniences are affordable. */
export function createOAuthApp(svc: Services): Express {
  const app = express();
  const p = svc.options.proxyPrefix;
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'"],
          scriptSrc: ["'self'"],
          formAction: ["'self'", 'https:', 'http:'],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
        },
      },
      crossOriginEmbedderPolicy: false,
    }),
  );

  const query = (req: Request) => new URL(req.originalUrl, 'http://x').searchParams;
  const wrap =
    (fn: (req: Request, res: Response) => Promise<void> | void) =>
    (req: Request, res: Response, next: (err?: unknown) => void) => {
      Promise.resolve(fn(req, res)).catch(next);
    };

  app.get(`${p}/static/authgate.css`, (_req, res) => {
    res
      .set('content-type', 'text/css; charset=utf-8')
      .set('cache-control', 'public, max-age=3600')
      .send(STYLESHEET);
  });
  app.get(
    `${p}/start`,
    wrap((req, res) => {
      const info = svc.readInfo(req);
      return startSignIn(svc, req, res, info, redirectTarget(svc, req, info, query(req)));
    }),
  );
  app.get(
    `${p}/sign_in`,
    wrap((req, res) => {
      const info = svc.readInfo(req);
      const target = redirectTarget(svc, req, info, query(req));
      if (svc.options.skipProviderButton) return startSignIn(svc, req, res, info, target);
      return showSignIn(svc, req, res, info, target);
    }),
  );
  app.get(
    `${p}/callback`,
    wrap((req, res) => handleCallback(svc, req, res, svc.readInfo(req))),
  );
  app.all(
    `${p}/sign_out`,
    wrap((req, res) => handleSignOut(svc, req, res, svc.readInfo(req))),
  );
  app.get(
    `${p}/userinfo`,
    wrap((req, res) => handleUserInfo(svc, req, res)),
  );

  app.use((req: Request, res: Response) => {
    const id = requestIdOf(req, svc.options.requestIdHeader);
    if (wantsJson(req)) sendJson(res, 404, { error: 'not_found', requestId: id });
    else sendHtml(res, 404, errorPage(svc.pages, 404, 'There is no such page.', id));
  });
  // Express's default handler would print a stack trace; ours logs the error and shows only a request id.
  app.use((err: unknown, req: Request, res: Response, _next: (err?: unknown) => void) => {
    const id = requestIdOf(req, svc.options.requestIdHeader);
    svc.log.error({ requestId: id, err: errorSummary(err) }, 'request failed');
    if (wantsJson(req)) sendJson(res, 500, { error: 'internal_error', requestId: id });
    else sendHtml(res, 500, errorPage(svc.pages, 500, 'authgate could not complete this request.', id));
  });
  return app;
}

/** Name, code and message of an error, without its stack or cause (which may quote tokens). */
export function errorSummary(err: unknown): Record<string, string> {
  if (!(err instanceof Error)) return { type: typeof err };
  const code = (err as { code?: unknown }).code;
  return {
    name: err.name,
    message: err.message.slice(0, 200),
    ...(typeof code === 'string' ? { code } : {}),
  };
}
