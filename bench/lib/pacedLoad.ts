/**
 * A load at a fixed rate spread evenly over time: `connections` keep-alive connections, each sending one request
 * every connections/rate seconds, their phases spread over that interval. autocannon's --overallRate does not do
 * this: each of its connections sends its per-second quota back to back when a shared one-second timer fires, so
 * "1,000 connections at 2,000 req/s" is 1,000 requests in flight at once for half of every second (its
 * saturation, not half of it). Latency is measured from when a request was due, not from when it could be sent,
 * so a slow answer that delays the next request of its connection still counts in full.
 */
import http from 'node:http';
import type { RecordableHistogram } from 'node:perf_hooks';

export interface PacedSpec {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly connections: number;
  readonly durationSeconds: number;
  /** Requests per second for all connections together. */
  readonly overallRate: number;
}

export interface LoadRun {
  readonly requests: number;
  readonly durationSeconds: number;
  readonly statuses: Record<string, number>;
  readonly errors: number;
  readonly timeouts: number;
  /** Connections opened: more than `connections` means the server closed some and they were opened again. */
  readonly connectionsOpened?: number;
}

const REQUEST_TIMEOUT_MS = 10_000;

export function runPaced(spec: PacedSpec, latencyUs?: RecordableHistogram): Promise<LoadRun> {
  const target = new URL(spec.url);
  const intervalMs = (spec.connections * 1000) / spec.overallRate;
  const agents = Array.from(
    { length: spec.connections },
    () => new http.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 }),
  );
  const statuses: Record<string, number> = {};
  let requests = 0;
  let errors = 0;
  let timeouts = 0;
  let opened = 0;
  let finished = 0;
  const start = performance.now();
  const deadline = start + spec.durationSeconds * 1000;

  return new Promise((resolve) => {
    /** Called once per connection after its last request: the run ends with the last connection's. */
    const connectionDone = (): void => {
      finished += 1;
      if (finished < spec.connections) return;
      for (const agent of agents) agent.destroy();
      resolve({
        requests,
        durationSeconds: spec.durationSeconds,
        statuses,
        errors,
        timeouts,
        connectionsOpened: opened,
      });
    };
    /** Sends connection i's request that was due at `due`, then schedules its next one. */
    const send = (i: number, due: number): void => {
      let settled = false;
      let timedOut = false;
      const settle = (): void => {
        if (settled) return;
        settled = true;
        const next = due + intervalMs;
        if (next < deadline) setTimeout(() => send(i, next), Math.max(0, next - performance.now()));
        else connectionDone();
      };
      const req = http.request(
        {
          agent: agents[i],
          hostname: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          headers: spec.headers,
          timeout: REQUEST_TIMEOUT_MS,
        },
        (res) => {
          if (!req.reusedSocket) opened += 1;
          res.resume();
          res.on('end', () => {
            requests += 1;
            const code = String(res.statusCode);
            statuses[code] = (statuses[code] ?? 0) + 1;
            latencyUs?.record(Math.max(1, Math.round((performance.now() - due) * 1000)));
            settle();
          });
          res.on('error', () => {
            errors += 1;
            settle();
          });
        },
      );
      req.on('timeout', () => {
        timedOut = true;
        timeouts += 1;
        req.destroy();
      });
      req.on('error', () => {
        if (!timedOut) errors += 1;
        settle();
      });
      req.end();
    };
    for (let i = 0; i < spec.connections; i += 1) {
      const due = start + (i / spec.connections) * intervalMs;
      setTimeout(() => send(i, due), due - start);
    }
  });
}
