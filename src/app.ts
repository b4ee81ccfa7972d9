import { readFileSync } from 'node:fs';
import type http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Options } from './config/options.js';
import type { Logger } from './observability/logger.js';
import type { Provider } from './providers/types.js';
import type { Services } from './http/services.js';
import { createProvider } from './providers/index.js';
import { CookieSessionStore } from './session/cookieStore.js';
import { parseAuthenticatedEmails } from './authz/emailsFile.js';
import { compileRouteRules } from './authz/routes.js';
import { parseWhitelistDomains } from './redirect/whitelist.js';
import { createRequestInfoReader } from './http/requestInfo.js';
import { createIdentityHeaderPlan } from './proxy/identityHeaders.js';
import { createUpstreamRouter } from './proxy/upstreams.js';
import { createHttpServer, createRequestHandlers } from './http/server.js';
import { errorPage } from './http/pages/pages.js';
import { sendHtml, sendJson, wantsJson } from './http/respond.js';
import { requestIdOf } from './http/requestId.js';

export interface AuthgateInstance {
  readonly services: Services;
  readonly provider: Provider;
  readonly server: http.Server;
  /** Starts provider discovery and listens on --http-address. Resolves with the bound port. */
  listen(): Promise<number>;
  /** Stops accepting, finishes in-flight requests (up to graceMs), closes everything. */
  close(graceMs?: number): Promise<void>;
}

export interface AuthgateDeps {
  readonly log: Logger;
  /** Replace the provider (tests of GitHub/Google fakes); default: built from options. */
  readonly provider?: Provider;
  /** Epoch seconds. */
  readonly now?: () => number;
}

/** Wires one authgate from validated options: everything per-process is built here, once. */
export function createAuthgate(options: Options, deps: AuthgateDeps): AuthgateInstance {
  const { log } = deps;
  const now = deps.now ?? (() => Math.floor(Date.now() / 1000));
  const provider = deps.provider ?? createProvider(options, log);
  const store = CookieSessionStore.fromOptions(options);

  const authenticatedEmails = options.authenticatedEmailsFile
    ? parseAuthenticatedEmails(readFileSync(options.authenticatedEmailsFile, 'utf8'))
    : null;
  const pages = { proxyPrefix: options.proxyPrefix, staticPrefix: `${options.proxyPrefix}/static` };

  const onProxyError = (err: Error, req: IncomingMessage, res: ServerResponse | Socket, upstream: string) => {
    const id = requestIdOf(req, options.requestIdHeader);
    const code = (err as NodeJS.ErrnoException).code ?? err.name;
    const timedOut = /TIMEDOUT|timeout/i.test(`${code} ${err.message}`);
    log.warn({ requestId: id, upstream, code }, 'upstream request failed');
    if (!('writeHead' in res)) {
      res.destroy();
      return;
    }
    const status = timedOut ? 504 : 502;
    const message = timedOut
      ? 'The application did not answer in time.'
      : 'The application behind authgate is not reachable.';
    if (options.forceJsonErrors || wantsJson(req))
      sendJson(res, status, { error: 'bad_gateway', message, requestId: id });
    else sendHtml(res, status, errorPage(pages, status, message, id));
  };

  const services: Services = {
    options,
    log,
    provider,
    sessions: store,
    store,
    access: { emailDomains: options.emailDomains, authenticatedEmails, allowedGroups: options.allowedGroups },
    whitelist: parseWhitelistDomains(options.whitelistDomains),
    routes: compileRouteRules(options.skipAuthRoutes, options.apiRoutes),
    readInfo: createRequestInfoReader(options),
    identityHeaders: createIdentityHeaderPlan(options, (bytes) =>
      log.warn(
        { bytes },
        'an ID token over 6 KB is being forwarded; the dashboard gateway refuses header lines over 8 KB',
      ),
    ),
    upstreams: createUpstreamRouter(options, onProxyError),
    pages,
    now,
  };

  let shuttingDown = false;
  const handlers = createRequestHandlers(services, () => shuttingDown);
  const server = createHttpServer(handlers);

  return {
    services,
    provider,
    server,
    listen() {
      provider.start();
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.httpAddress.port, options.httpAddress.host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      });
    },
    async close(graceMs = 0) {
      shuttingDown = true;
      provider.stop();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      services.upstreams.close();
    },
  };
}
