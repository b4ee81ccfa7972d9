/**
 * The Prometheus endpoint on its own listener (--metrics-address), so it is never reachable through the ingress
 * that reaches authgate's main port: GET /metrics, nothing else.
 */
import http from 'node:http';
import type { Metrics } from './metrics.js';

export function createMetricsServer(metrics: Metrics): http.Server {
  const server = http.createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('Not found: metrics are at /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
      res.end('Method not allowed\n');
      return;
    }
    metrics.scrape().then(
      (text) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      () => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('metrics could not be collected\n');
      },
    );
  });
  return server;
}
