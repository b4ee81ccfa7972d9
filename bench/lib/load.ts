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

/** One measured stretch of load against one server: the raw counts that slices of a scenario add up. */
export interface LoadSlice {
  readonly requests: number;
  readonly durationSeconds: number;
  readonly statuses: Record<string, number>;
  readonly errors: number;
  readonly timeouts: number;
  readonly rssMaxBytes: number;
  readonly cpuMicros: number;
}

/**
 * A warm-up run (JIT, connection pools; not recorded) when `warmupSeconds` > 0, then the measured run with RSS
 * and CPU time sampled; every response time goes into `latencyUs`.
 */
export async function measureSlice(
  spec: LoadSpec,
  serverPid: number,
  warmupSeconds: number,
  latencyUs: RecordableHistogram,
): Promise<LoadSlice> {
  if (warmupSeconds > 0) await runLoad({ ...spec, durationSeconds: warmupSeconds });
  const rss = new RssSampler(serverPid);
  const cpuBefore = cpuMicros(serverPid) ?? 0;
  const run = await runLoad(spec, latencyUs);
  const cpuUsed = (cpuMicros(serverPid) ?? 0) - cpuBefore;
  rss.stop();
  return {
    requests: run.requests,
    durationSeconds: run.durationSeconds,
    statuses: run.statuses,
    errors: run.errors,
    timeouts: run.timeouts,
    rssMaxBytes: rss.maxBytes(),
    cpuMicros: cpuUsed,
  };
}

/** The figures of one scenario from all its slices (requests and CPU time summed, RSS the highest seen). */
export function combineSlices(slices: readonly LoadSlice[], latencyUs: RecordableHistogram): LoadFigures {
  let requests = 0;
  let seconds = 0;
  let errors = 0;
  let timeouts = 0;
  let rss = 0;
  let cpu = 0;
  const statuses: Record<string, number> = {};
  for (const s of slices) {
    requests += s.requests;
    seconds += s.durationSeconds;
    errors += s.errors;
    timeouts += s.timeouts;
    rss = Math.max(rss, s.rssMaxBytes);
    cpu += s.cpuMicros;
    for (const [code, n] of Object.entries(s.statuses)) statuses[code] = (statuses[code] ?? 0) + n;
  }
  return {
    requestsPerSecond: seconds > 0 ? Math.round(requests / seconds) : 0,
    p50Ms: latencyUs.percentile(50) / 1000,
    p99Ms: latencyUs.percentile(99) / 1000,
    requests,
    statuses,
    errors,
    timeouts,
    rssMb: toMb(rss),
    cpuUsPerRequest: requests > 0 ? Math.round((cpu / requests) * 10) / 10 : 0,
  };
}

/** A warm-up run, then one measured run: the figures of a single slice. */
export async function measure(
  spec: LoadSpec,
  serverPid: number,
  warmupSeconds: number,
): Promise<LoadFigures> {
  const latencyUs = createHistogram();
  return combineSlices([await measureSlice(spec, serverPid, warmupSeconds, latencyUs)], latencyUs);
}
