/**
 * authgate's Prometheus metrics, in a registry of its own (one per authgate instance, so tests running several
 * in one process do not mix counts). Everything is named `authgate_*`. The request path costs one Map lookup, one
 * counter increment and one histogram observation: label children are created once per (route, status) and kept.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What a request was for, decided by the dispatcher from the path it already computed. */
export type RouteClass = 'proxy' | 'auth' | 'sign-in' | 'callback' | 'static' | 'other';

export type SignInOutcome = 'success' | 'refused' | 'forbidden';
export type RefreshOutcome = 'success' | 'ended' | 'failed';

/** Latency buckets (seconds): sub-millisecond forward-auth answers up to slow upstreams near --upstream-timeout. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

interface RequestChildren {
  readonly count: { inc(): void };
  readonly latency: { observe(v: number): void };
}

export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'authgate_requests_total',
    help: 'HTTP requests answered, by route class and status code',
    labelNames: ['route', 'code'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'authgate_request_duration_seconds',
    help: 'Time from request to the end of the response, by route class',
    labelNames: ['route'] as const,
    buckets: BUCKETS,
    registers: [this.registry],
  });
  private readonly upstreamErrors = new Counter({
    name: 'authgate_upstream_errors_total',
    help: 'Requests the upstream did not answer: kind is timeout, tls or unreachable',
    labelNames: ['upstream', 'kind'] as const,
    registers: [this.registry],
  });
  private readonly signIns = new Counter({
    name: 'authgate_sign_ins_total',
    help: 'Completed sign-in callbacks, by outcome (success, refused, forbidden)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly refusals = new Counter({
    name: 'authgate_sign_in_refusals_total',
    help: 'Sign-ins refused, by reason or the who-may-enter rule that refused them',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  private readonly signOuts = new Counter({
    name: 'authgate_sign_outs_total',
    help: 'Sign-outs',
    registers: [this.registry],
  });
  private readonly refreshes = new Counter({
    name: 'authgate_session_refreshes_total',
    help: 'Token refreshes, by outcome (success, ended: the issuer refused, failed: the issuer was unreachable)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly refreshFailures = new Counter({
    name: 'authgate_session_refresh_failures_total',
    help: 'Token refreshes that did not succeed, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  private readonly storeErrors = new Counter({
    name: 'authgate_session_store_errors_total',
    help: 'Requests answered 503 because the session store was unavailable',
    registers: [this.registry],
  });
  private readonly tlsReloads = new Counter({
    name: 'authgate_tls_reloads_total',
    help: 'Reloads of TLS files (kind: serving, upstream_ca) by result (ok, error)',
    labelNames: ['kind', 'result'] as const,
    registers: [this.registry],
  });
  private readonly certificateExpiry = new Gauge({
    name: 'authgate_tls_certificate_expiry_timestamp_seconds',
    help: 'When the served HTTPS certificate expires (Unix time)',
    registers: [this.registry],
  });
  private readonly websockets = new Gauge({
    name: 'authgate_websockets_open',
    help: 'Proxied WebSocket connections open now',
    registers: [this.registry],
  });
  private readonly children = new Map<string, RequestChildren>();

  constructor(version: string) {
    new Gauge({
      name: 'authgate_build_info',
      help: 'Always 1; the version label says which authgate runs',
      labelNames: ['version'] as const,
      registers: [this.registry],
    }).set({ version }, 1);
  }

  /** Process metrics (CPU, memory, event-loop lag, GC), prefixed authgate_. Only when they are served. */
  collectProcessMetrics(): void {
    collectDefaultMetrics({ register: this.registry, prefix: 'authgate_' });
  }

  observeRequest(route: RouteClass, status: number, seconds: number): void {
    const key = `${route} ${status}`;
    let c = this.children.get(key);
    if (!c) {
      c = { count: this.requests.labels(route, String(status)), latency: this.latency.labels(route) };
      this.children.set(key, c);
    }
    c.count.inc();
    c.latency.observe(seconds);
  }

  upstreamError(upstream: string, kind: 'timeout' | 'tls' | 'unreachable'): void {
    this.upstreamErrors.inc({ upstream, kind });
  }

  signIn(outcome: SignInOutcome, reason: string | undefined): void {
    this.signIns.inc({ outcome });
    if (outcome !== 'success') this.refusals.inc({ reason: reason ?? 'unknown' });
  }

  signOut(): void {
    this.signOuts.inc();
  }

  refresh(outcome: RefreshOutcome, reason: string | undefined): void {
    this.refreshes.inc({ outcome });
    if (outcome !== 'success') this.refreshFailures.inc({ reason: reason ?? 'unknown' });
  }

  sessionStoreError(): void {
    this.storeErrors.inc();
  }

  tlsReload(kind: 'serving' | 'upstream_ca', ok: boolean): void {
    this.tlsReloads.inc({ kind, result: ok ? 'ok' : 'error' });
  }

  servingCertificateExpires(notAfter: string): void {
    const at = Date.parse(notAfter);
    if (!Number.isNaN(at)) this.certificateExpiry.set(Math.floor(at / 1000));
  }

  websocketOpened(): void {
    this.websockets.inc();
  }

  websocketClosed(): void {
    this.websockets.dec();
  }

  /** The text exposition format. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
