/**
 * The benchmark's upstream: answers every request with the same ~200-byte JSON, as cheaply as Node can, so the
 * figures measure the proxy in front of it. Run as its own process; reports its port over IPC.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { UPSTREAM_BODY } from '../lib/upstreamBody.js';

const body = Buffer.from(UPSTREAM_BODY, 'utf8');
const headers = { 'content-type': 'application/json', 'content-length': String(body.length) };

const server = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  req.resume();
  res.writeHead(200, headers);
  res.end(body);
});
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('SIGTERM', () => process.exit(0));
