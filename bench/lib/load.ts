/** One measurement: autocannon's keep-alive load against a URL while the server's RSS is sampled. */
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import autocannon, { type Result } from 'autocannon';
import { cpuMicros, RssSampler } from './children.js';
import { runPaced, type LoadRun } from './pacedLoad.js';

export interface LoadSpec {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly connections: number;
  readonly durationSeconds: number;
  /**
   * Requests per second for all connections together, spread evenly over time (pacedLoad.ts); omitted: each
   * connection sends back to back, as fast as the server answers (autocannon).
   */
  readonly overallRate?: number;
}

export interface LoadFigures {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  /** Responses per status code, e.g. {"200": 51234}. */
  readonly statuses: Record<string, number>;
  readonly errors: number;
  readonly timeouts: number;
  /** Highest RSS of the server process while loaded, MB. */
  readonly rssMb: number;
  /**
   * CPU time the server process spent per request, microseconds: unlike req/s, barely affected by other work
   * on the machine, so it is the figure to compare before/after a change.
   */
  readonly cpuUsPerRequest: number;
}

/**
 * Runs autocannon back to back (never with its --overallRate: see pacedLoad.ts); `latencyUs` (when given)
 * receives every response time in microseconds. autocannon's own histogram keeps whole milliseconds, too coarse
 * for sub-millisecond proxies and a "+2 ms" budget.
 */
function runAutocannon(spec: LoadSpec, latencyUs?: RecordableHistogram): Promise<Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        headers: spec.headers,
        connections: spec.connections,
        duration: spec.durationSeconds,
        timeout: 10,
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    if (latencyUs) {
      instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
        latencyUs.record(Math.max(1, Math.round(ms * 1000)));
      });
    }
  });
}

/** The load the spec asks for: paced when it names a rate, autocannon's back-to-back load otherwise. */
export async function runLoad(spec: LoadSpec, latencyUs?: RecordableHistogram): Promise<LoadRun> {
  if (spec.overallRate) return runPaced({ ...spec, overallRate: spec.overallRate }, latencyUs);
  const result = await runAutocannon(spec, latencyUs);
  const statuses: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats)) statuses[code] = stat.count;
  return {
    requests: result.requests.total,
    durationSeconds: result.duration,
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

export const toMb = (bytes: number): number => Math.round((bytes / (1024 * 1024)) * 10) / 10;

/** A warm-up run (JIT, connection pools; not recorded), then the measured run with RSS sampled. */
export async function measure(
  spec: LoadSpec,
  serverPid: number,
  warmupSeconds: number,
): Promise<LoadFigures> {
  if (warmupSeconds > 0) await runLoad({ ...spec, durationSeconds: warmupSeconds });
  const rss = new RssSampler(serverPid);
  const latencyUs = createHistogram();
  const cpuBefore = cpuMicros(serverPid) ?? 0;
  const run = await runLoad(spec, latencyUs);
  const cpuUsed = (cpuMicros(serverPid) ?? 0) - cpuBefore;
  rss.stop();
  return {
    requestsPerSecond: Math.round(run.requests / run.durationSeconds),
    p50Ms: latencyUs.percentile(50) / 1000,
    p99Ms: latencyUs.percentile(99) / 1000,
    requests: run.requests,
    statuses: run.statuses,
    errors: run.errors,
    timeouts: run.timeouts,
    rssMb: toMb(rss.maxBytes()),
    cpuUsPerRequest: run.requests > 0 ? Math.round((cpuUsed / run.requests) * 10) / 10 : 0,
  };
}
