/**
 * The baseline (scenario 2): express + http-proxy-middleware with a keep-alive agent and no authentication,
 * the way a hand-written Node proxy usually looks. Usage: bareProxy.ts <upstream URL>. Reports its port over IPC.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';

const target = process.argv[2];
if (!target) throw new Error('usage: bareProxy.ts <upstream URL>');

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const app = express();
app.disable('x-powered-by');
app.use(createProxyMiddleware({ target, changeOrigin: true, agent }));

const server = http.createServer({ keepAliveTimeout: 65_000 }, app);
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('SIGTERM', () => process.exit(0));
