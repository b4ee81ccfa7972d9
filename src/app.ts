import type http from 'node:http';
import type { Socket } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Options } from './config/options.js';
import type { Logger } from './observability/logger.js';
import type { Provider } from './providers/types.js';
import type { Services } from './http/services.js';
import { createProvider } from './providers/index.js';
import { CookieSessionStore } from './session/cookieStore.js';
import { RedisSessionStore } from './session/redisStore.js';
import type { SessionStore } from './session/store.js';
import { watchAuthenticatedEmails } from './authz/emailsFileWatcher.js';
import { compileRouteRules } from './authz/routes.js';
import { parseWhitelistDomains } from './redirect/whitelist.js';
import { createRequestInfoReader } from './http/requestInfo.js';
import { createIdentityHeaderPlan } from './proxy/identityHeaders.js';
import { createKubeServices } from './kube/services.js';
import { createUpstreamRouter } from './proxy/upstreams.js';
import { createRequestCookieReader } from './http/requestCookies.js';
import { createRequestHandlers } from './http/server.js';
import { createListeners, type BoundPorts } from './listeners.js';
import type { HttpsListener } from './http/tls.js';
import { createUpstreamTls, upstreamErrorKind } from './proxy/upstreamTls.js';
import { Metrics } from './observability/metrics.js';
import { Audit } from './observability/audit.js';
import { PRODUCT_VERSION } from './version.js';
import { SessionRefresher } from './http/sessionRefresh.js';
import { takeResponseCookies } from './http/responseCookies.js';
import { createBearerGate } from './http/bearerGate.js';
import { createProviderFetch } from './providers/httpClient.js';
import { errorPage } from './http/pages/pages.js';
import { sendHtml, sendJson } from './http/respond.js';
import { answersWithJson } from './http/answerFormat.js';
import { requestIdOf } from './http/requestId.js';
import { errorSummary } from './observability/errorSummary.js';

export interface AuthgateInstance {
  readonly services: Services;
  readonly provider: Provider;
  readonly server: http.Server;
  /** The HTTPS listener (--https-address), or null. */
  readonly https: HttpsListener | null;
  /** Starts provider discovery and every listener (HTTP, HTTPS, metrics). Resolves with the HTTP port. */
  listen(): Promise<number>;
  /** The ports bound by listen() (tests use port 0). */
  ports(): BoundPorts;
  /** /ready answers 503 from now on (the first step of a graceful shutdown, src/lifecycle.ts). */
  beginShutdown(): void;
  /** Stops accepting, closes WebSockets (1001), finishes in-flight requests (up to graceMs), closes everything. */
  close(graceMs?: number): Promise<void>;
}

export interface AuthgateDeps {
  readonly log: Logger;
  /** Replace the provider (tests of GitHub/Google fakes); default: built from options. */
  readonly provider?: Provider;
  /** Epoch seconds. */
  readonly now?: () => number;
  /** How often the service-account token file is stat'ed under --kube-impersonation (default 5 s). */
  readonly tokenCheckIntervalMs?: number;
  /** How often --authenticated-emails-file is stat'ed besides fs.watch (default 5 s). */
  readonly emailsFilePollMs?: number;
  /** How often the TLS files (--tls-*-file, --upstream-ca) are stat'ed besides fs.watch (default 5 s). */
  readonly tlsPollIntervalMs?: number;
}

/** Wires one authgate from validated options: everything per-process is built here, once. */
export function createAuthgate(options: Options, deps: AuthgateDeps): AuthgateInstance {
  const { log } = deps;
  const now = deps.now ?? (() => Math.floor(Date.now() / 1000));
  const provider = deps.provider ?? createProvider(options, log);
  const metrics = new Metrics(PRODUCT_VERSION);
  if (options.metricsAddress) metrics.collectProcessMetrics();
  const audit = new Audit(log, metrics, options.authLogging);
  const tlsPoll = deps.tlsPollIntervalMs ? { pollIntervalMs: deps.tlsPollIntervalMs } : {};
  const upstreamTls = createUpstreamTls(options, { log, metrics, ...tlsPoll });
  const store = CookieSessionStore.fromOptions(options);
  // CSRF cookies always live on `store`; sessions there too, or in Redis behind a ticket cookie.
  const sessions: SessionStore =
    options.sessionStoreType === 'redis' ? RedisSessionStore.fromOptions(options, log) : store;

  // Read now (a bad file stops the start), then re-read whenever it changes: no restart needed.
  const emailsFile = options.authenticatedEmailsFile
    ? watchAuthenticatedEmails(options.authenticatedEmailsFile, {
        log,
        ...(deps.emailsFilePollMs ? { pollIntervalMs: deps.emailsFilePollMs } : {}),
      })
    : null;
  const pages = {
    proxyPrefix: options.proxyPrefix,
    staticPrefix: `${options.proxyPrefix}/static`,
    banner: options.banner,
    footer: options.footer,
    templates: options.customTemplates,
  };
  const kube = createKubeServices(options, {
    log,
    ...(deps.tokenCheckIntervalMs ? { tokenCheckIntervalMs: deps.tokenCheckIntervalMs } : {}),
  });

  const routes = compileRouteRules(options.skipAuthRoutes, options.apiRoutes);
  const onProxyError = (err: Error, req: IncomingMessage, res: ServerResponse | Socket, upstream: string) => {
    const id = requestIdOf(req, options.requestIdHeader);
    const code = (err as NodeJS.ErrnoException).code ?? err.name;
    const kind = upstreamErrorKind(code, err.message);
    const timedOut = kind === 'timeout';
    metrics.upstreamError(upstream, kind);
    log.warn({ requestId: id, upstream, code }, 'upstream request failed');
    if (!('writeHead' in res)) {
      res.destroy();
      return;
    }
    const status = timedOut ? 504 : 502;
    // A session refreshed for this request must still reach the browser, error page or not.
    const cookies = takeResponseCookies(req);
    const refreshed = cookies ? { 'set-cookie': [...cookies] } : undefined;
    const message = timedOut
      ? 'The application did not answer in time.'
      : kind === 'tls'
        ? `authgate does not trust the TLS certificate of the application behind it (${code}). ` +
          'An administrator must give authgate the CA that issued it (--upstream-ca).'
        : 'The application behind authgate is not reachable.';
    if (answersWithJson({ options, routes }, req))
      sendJson(res, status, { error: 'bad_gateway', message, requestId: id }, refreshed);
    else sendHtml(res, status, errorPage(pages, status, message, id), refreshed);
  };

  const services: Services = {
    options,
    log,
    provider,
    sessions,
    store,
    access: {
      emailDomains: options.emailDomains,
      allowedGroups: options.allowedGroups,
      // Getters: every decision sees the emails file as last re-read.
      get authenticatedEmails() {
        return emailsFile?.current() ?? null;
      },
      get generation() {
        return emailsFile?.generation() ?? 0;
      },
    },
    whitelist: parseWhitelistDomains(options.whitelistDomains),
    routes,
    readInfo: createRequestInfoReader(options),
    cookies: createRequestCookieReader(sessions.ownsCookie),
    identityHeaders: createIdentityHeaderPlan(
      options,
      (bytes) =>
        log.warn(
          { bytes },
          'an ID token over 6 KB is being forwarded; the dashboard gateway refuses header lines over 8 KB',
        ),
      kube?.impersonation ?? undefined,
    ),
    upstreams: createUpstreamRouter(options, onProxyError, upstreamTls),
    pages,
    kube,
    refresher: new SessionRefresher({
      provider,
      sessions,
      log,
      audit,
      keepAccessToken: options.passAccessToken,
      forwardsIdToken:
        (options.passAuthorizationHeader || options.setAuthorizationHeader) && !options.kubeImpersonation,
    }),
    bearer: createBearerGate(options),
    providerFetch: createProviderFetch({
      caFiles: options.providerCaFiles,
      insecureSkipVerify: options.sslInsecureSkipVerify,
    }),
    metrics,
    audit,
    now,
  };

  let shuttingDown = false;
  const handlers = createRequestHandlers(services, () => shuttingDown);
  const listeners = createListeners(options, handlers, { log, metrics, ...tlsPoll });
  const server = listeners.http;

  return {
    services,
    provider,
    server,
    https: listeners.https,
    async listen() {
      provider.start();
      const port = (await listeners.listen()).http;
      if (options.proxyWebsockets) {
        services.upstreams.prepareWebSockets().catch((err: unknown) => {
          log.error({ err: errorSummary(err) }, 'the WebSocket proxy could not be built');
        });
      }
      return port;
    },
    ports: listeners.ports,
    beginShutdown() {
      shuttingDown = true;
    },
    async close(graceMs = 0) {
      shuttingDown = true;
      await listeners.drain(graceMs);
      provider.stop();
      services.upstreams.close();
      upstreamTls.close();
      await sessions.close();
      kube?.close();
      emailsFile?.close();
      await listeners.closeMetrics();
    },
  };
}
