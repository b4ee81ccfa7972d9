/**
 * Every socket authgate listens on: HTTP (--http-address, always), HTTPS (--https-address) and Prometheus metrics
 * (--metrics-address), started together and stopped in the order a graceful shutdown needs (src/lifecycle.ts).
 */
import type http from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import type { Options } from './config/options.js';
import type { Logger } from './observability/logger.js';
import type { Metrics } from './observability/metrics.js';
import { createHttpServer, type RequestHandlers } from './http/server.js';
import { createHttpsListener, type HttpsListener } from './http/tls.js';
import { createMetricsServer } from './observability/metricsServer.js';
import { WebSocketTracker, drainServer } from './lifecycle.js';

/** Ports actually bound (a configured port 0 becomes a real one). */
export interface BoundPorts {
  readonly http: number;
  readonly https: number | null;
  readonly metrics: number | null;
}

export interface Listeners {
  readonly http: http.Server;
  readonly https: HttpsListener | null;
  readonly metrics: http.Server | null;
  readonly websockets: WebSocketTracker;
  /** Resolves once every listener is up; rejects (closing those already up) if one cannot bind. */
  listen(): Promise<BoundPorts>;
  ports(): BoundPorts;
  /** Stops accepting, closes WebSockets with 1001, waits for requests in flight (forced after drainMs). */
  drain(drainMs: number): Promise<void>;
  /** The metrics listener goes last, so a scrape during the drain still works. */
  closeMetrics(): Promise<void>;
}

export interface ListenerDeps {
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Stat poll interval of the TLS files (default 5 s). */
  readonly tlsPollIntervalMs?: number;
}

function bind(server: Server, address: { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

const portOf = (server: Server | null | undefined): number | null =>
  server?.listening ? (server.address() as AddressInfo).port : null;

export function createListeners(options: Options, handlers: RequestHandlers, deps: ListenerDeps): Listeners {
  const httpServer = createHttpServer(handlers);
  const https = options.httpsAddress
    ? createHttpsListener(options, handlers, {
        log: deps.log,
        metrics: deps.metrics,
        ...(deps.tlsPollIntervalMs ? { pollIntervalMs: deps.tlsPollIntervalMs } : {}),
      })
    : null;
  const metrics = options.metricsAddress ? createMetricsServer(deps.metrics) : null;
  const websockets = new WebSocketTracker(deps.metrics);
  websockets.track(httpServer);
  if (https) websockets.track(https.server);

  const ports = (): BoundPorts => ({
    http: portOf(httpServer) ?? 0,
    https: portOf(https?.server),
    metrics: portOf(metrics),
  });
  const serving: Server[] = [httpServer, ...(https ? [https.server] : [])];

  return {
    http: httpServer,
    https,
    metrics,
    websockets,
    async listen() {
      const plan: Array<[Server, { host: string; port: number }]> = [[httpServer, options.httpAddress]];
      if (https && options.httpsAddress) plan.push([https.server, options.httpsAddress]);
      if (metrics && options.metricsAddress) plan.push([metrics, options.metricsAddress]);
      const results = await Promise.allSettled(plan.map(([server, address]) => bind(server, address)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) {
        for (const [server] of plan) if (server.listening) server.close();
        https?.close();
        throw failed.reason;
      }
      return ports();
    },
    ports,
    async drain(drainMs) {
      const drained = Promise.all(serving.map((s) => drainServer(s, drainMs)));
      // After close(): the servers accept nothing new, so no WebSocket can open behind this.
      const closed = websockets.closeAll();
      if (closed > 0) deps.log.info({ websockets: closed }, 'WebSockets closed with 1001 going away');
      await drained;
      https?.close();
    },
    closeMetrics: () => (metrics ? drainServer(metrics, 0) : Promise.resolve()),
  };
}
