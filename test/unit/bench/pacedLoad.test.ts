/**
 * The bench's paced load (bench/lib/pacedLoad.ts), used for the RSS and p99 budgets "at half the rate": it must
 * keep exactly its connections open and spread their requests over time, unlike autocannon's --overallRate,
 * which sends every connection's quota for a second back to back when that second starts.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runPaced } from '../../../bench/lib/pacedLoad.js';

describe('bench paced load', () => {
  const arrivals: number[] = [];
  const sockets = new Set<Socket>();
  let url = '';
  const server = http.createServer((req, res) => {
    arrivals.push(performance.now());
    sockets.add(req.socket);
    res.writeHead(req.headers['x-probe'] === 'yes' ? 200 : 400, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends rate x duration requests on exactly its connections, spread evenly over the run', async () => {
    const started = performance.now();
    const run = await runPaced({
      url,
      headers: { 'x-probe': 'yes' },
      connections: 20,
      durationSeconds: 1,
      overallRate: 200,
    });
    expect(run.requests).toBe(200);
    expect(run.statuses).toEqual({ '200': 200 });
    expect(run.errors + run.timeouts).toBe(0);
    expect(run.connectionsOpened).toBe(20);
    expect(sockets.size).toBe(20);
    // 200 requests over 1 s: 20 per tenth of a second. Bursts (all 200 at the start) would put them in one.
    const perTenth = new Array<number>(11).fill(0);
    for (const t of arrivals) {
      const slot = Math.min(10, Math.floor((t - started) / 100));
      perTenth[slot] = (perTenth[slot] ?? 0) + 1;
    }
    expect(Math.max(...perTenth)).toBeLessThanOrEqual(60);
    // Connections are not in lock-step either: their first requests are spread over the 100 ms interval.
    const firstRound = arrivals.slice(0, 20);
    expect(Math.max(...firstRound) - Math.min(...firstRound)).toBeGreaterThanOrEqual(50);
  });
});
