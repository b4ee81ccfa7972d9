import type { Options } from '../config/options.js';
import type { Logger } from '../observability/logger.js';
import type { Provider } from '../providers/types.js';
import type { CookieSessionStore } from '../session/cookieStore.js';
import type { SessionStore } from '../session/store.js';
import type { AccessRules } from '../authz/decide.js';
import type { WhitelistDomain } from '../redirect/whitelist.js';
import type { RequestInfoReader } from './requestInfo.js';
import type { RequestCookieReader } from './requestCookies.js';
import type { IdentityHeaderPlan } from '../proxy/identityHeaders.js';
import type { UpstreamRouter } from '../proxy/upstreams.js';
import type { PageContext } from './pages/pages.js';
import type { SessionRefresher } from './sessionRefresh.js';
import type { BearerGate } from './bearerGate.js';
import type { KubeServices } from '../kube/services.js';
import type { RouteRules } from '../authz/routes.js';
import type { Metrics } from '../observability/metrics.js';
import type { Audit } from '../observability/audit.js';
import type { ProviderFetch } from '../providers/httpClient.js';

/** Everything a request handler needs, built once at start by createAuthgate. */
export interface Services {
  readonly options: Options;
  readonly log: Logger;
  readonly provider: Provider;
  /** Sessions (cookie or redis). */
  readonly sessions: SessionStore;
  /** CSRF cookies of sign-in attempts (always cookies). */
  readonly store: CookieSessionStore;
  readonly access: AccessRules;
  readonly whitelist: readonly WhitelistDomain[];
  readonly routes: RouteRules;
  readonly readInfo: RequestInfoReader;
  /** The request's cookies, parsed once per connection (src/http/requestCookies.ts). */
  readonly cookies: RequestCookieReader;
  readonly identityHeaders: IdentityHeaderPlan;
  readonly upstreams: UpstreamRouter;
  readonly pages: PageContext;
  /** Single-flight token refresh (src/http/sessionRefresh.ts). */
  readonly refresher: SessionRefresher;
  /** --skip-jwt-bearer-tokens: bearer JWT pass-through, or null when off. */
  readonly bearer: BearerGate | null;
  /** Impersonation, whoami and kubeconfig; null when no --kube-* feature is on. */
  readonly kube: KubeServices | null;
  /** Prometheus counters and histograms (always counted; served only with --metrics-address). */
  readonly metrics: Metrics;
  /** Audit lines and their counters: sign-ins, refusals, refreshes, sign-outs. */
  readonly audit: Audit;
  /**
   * The provider fetch (--provider-ca-file, --ssl-insecure-skip-verify, answers capped at 1 MiB) for calls made
   * outside the provider itself: --backend-logout-url usually lives on the issuer, behind the same private CA.
   */
  readonly providerFetch: ProviderFetch;
  /** Epoch seconds; injectable for tests. */
  now(): number;
}
