import express, { type Express, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Services } from './services.js';
import {
  handleCallback,
  needsFragmentPage,
  redirectTarget,
  showSignIn,
  startSignIn,
} from './routes/signIn.js';
import { handleSignOut } from './routes/signOut.js';
import { handleUserInfo } from './routes/forwardAuth.js';
import { handleWhoami } from './routes/whoami.js';
import { handleKubeconfig } from './routes/kubeconfig.js';
import { STYLESHEET } from './pages/stylesheet.js';
import { SCRIPT } from './pages/script.js';
import { errorPage, signedOutPage, signInContinuePage } from './pages/pages.js';
import { sendHtml, sendJson } from './respond.js';
import { answersWithJson } from './answerFormat.js';
import { requestIdOf } from './requestId.js';
import { errorSummary } from '../observability/errorSummary.js';
import { isStoreUnavailable } from '../session/store.js';
import { sendStoreUnavailable } from './sessionGate.js';

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
  app.get(`${p}/static/authgate.js`, (_req, res) => {
    res
      .set('content-type', 'text/javascript; charset=utf-8')
      .set('cache-control', 'public, max-age=3600')
      .send(SCRIPT);
  });
  // Pages that read the #fragment (which never reaches a server) before the round trip to the provider.
  const continuePage = (res: Response, target: string) =>
    sendHtml(res, 200, signInContinuePage(svc.pages, svc.provider.displayName, target));
  app.get(
    `${p}/start`,
    wrap((req, res) => {
      const info = svc.readInfo(req);
      const q = query(req);
      const target = redirectTarget(svc, req, info, q);
      if (needsFragmentPage(req, q)) return continuePage(res, target);
      return startSignIn(svc, req, res, info, target);
    }),
  );
  app.get(
    `${p}/sign_in`,
    wrap((req, res) => {
      const info = svc.readInfo(req);
      const target = redirectTarget(svc, req, info, query(req));
      if (svc.options.skipProviderButton) return continuePage(res, target);
      return showSignIn(svc, req, res, info, target);
    }),
  );
  app.get(
    `${p}/callback`,
    wrap((req, res) => handleCallback(svc, req, res, svc.readInfo(req))),
  );
  app.get(`${p}/signed_out`, (_req, res) => sendHtml(res, 200, signedOutPage(svc.pages)));
  app.all(
    `${p}/sign_out`,
    wrap((req, res) => handleSignOut(svc, req, res, svc.readInfo(req))),
  );
  app.get(
    `${p}/userinfo`,
    wrap((req, res) => handleUserInfo(svc, req, res)),
  );
  if (svc.kube?.whoami)
    app.get(
      `${p}/whoami`,
      wrap((req, res) => handleWhoami(svc, req, res)),
    );
  if (svc.kube?.kubeconfig)
    app.get(
      `${p}/kubeconfig`,
      wrap((req, res) => handleKubeconfig(svc, req, res)),
    );

  app.use((req: Request, res: Response) => {
    const id = requestIdOf(req, svc.options.requestIdHeader);
    if (answersWithJson(svc, req)) sendJson(res, 404, { error: 'not_found', requestId: id });
    else sendHtml(res, 404, errorPage(svc.pages, 404, 'There is no such page.', id));
  });
  // Express's default handler would print a stack trace; ours logs the error and shows only a request id.
  app.use((err: unknown, req: Request, res: Response, _next: (err?: unknown) => void) => {
    if (isStoreUnavailable(err)) return sendStoreUnavailable(svc, req, res);
    const id = requestIdOf(req, svc.options.requestIdHeader);
    svc.log.error({ requestId: id, err: errorSummary(err) }, 'request failed');
    if (answersWithJson(svc, req)) sendJson(res, 500, { error: 'internal_error', requestId: id });
    else sendHtml(res, 500, errorPage(svc.pages, 500, 'authgate could not complete this request.', id));
  });
  return app;
}
