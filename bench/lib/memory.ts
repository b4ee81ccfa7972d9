/**
 * The RSS budgets: authgate's RSS with 1,000 open keep-alive connections, all signed in and sending requests
 * (together at half the rate authgate reaches on them, spread evenly over time: the load level of the p99
 * budget), and its growth under N minutes of steady load (value at the end vs at 1 minute). The same 1,000
 * connections sending back to back (1,000 requests in flight at every moment) are measured first, to find that
 * rate, and reported too: there the RSS is mostly garbage V8 lets accumulate under that allocation rate, not
 * memory held per connection.
 */
import { RssSampler } from './children.js';
import { runLoad, toMb } from './load.js';
import type { BenchContext, Target } from './scenarios.js';
import { SCENARIOS } from './scenarios.js';
import type { Budget } from './report.js';

export interface MemoryFigures {
  readonly manyConnections: {
    connections: number;
    /** All connections sending back to back: the highest rate, and the RSS then. */
    saturated: { requestsPerSecond: number; maxRssMb: number; errors: number };
    /** The budget's run: the same connections at half that rate together, spread evenly over time. */
    requestsPerSecond: number;
    /** Connections the budget's run opened: exactly `connections` when none was closed and opened again. */
    connectionsOpened: number;
    idleRssMb: number;
    maxRssMb: number;
    errors: number;
  };
  readonly soak: {
    minutes: number;
    connections: number;
    requestsPerSecond: number;
    referenceSecond: number;
    rssAtReferenceMb: number;
    rssAtEndMb: number;
    maxRssMb: number;
    growthPercent: number;
    /** RSS every 30 s, MB. */
    series: number[];
  };
}

async function signedInTarget(ctx: BenchContext): Promise<Target> {
  const scenario = SCENARIOS.find((s) => s.id === 3);
  const started = await scenario?.start(ctx);
  if (!started || 'skipped' in started) throw new Error('scenario 3 could not start');
  return started;
}

export async function measureMemory(
  ctx: BenchContext,
  opts: { connections: number; durationSeconds: number; soakMinutes: number; soakConnections: number },
  log: (line: string) => void,
): Promise<{ figures: MemoryFigures; budgets: Budget[] }> {
  log(`memory: ${opts.connections} keep-alive connections for ${opts.durationSeconds} s`);
  let target = await signedInTarget(ctx);
  const idle = new RssSampler(target.pid);
  idle.stop();
  const spec = {
    url: target.url,
    headers: target.headers,
    connections: opts.connections,
    durationSeconds: opts.durationSeconds,
  };
  const full = new RssSampler(target.pid);
  const fullRun = await runLoad(spec);
  full.stop();
  await target.stop();
  const saturatedRate = Math.round(fullRun.requests / fullRun.durationSeconds);
  const halfRate = Math.max(1, Math.round(saturatedRate / 2));
  log(`memory: the same connections at ${halfRate} req/s together (half of ${saturatedRate})`);
  // A fresh process, so the saturated run's heap does not count in the budget's figure.
  target = await signedInTarget(ctx);
  const many = new RssSampler(target.pid);
  const manyRun = await runLoad({
    ...spec,
    url: target.url,
    headers: target.headers,
    overallRate: halfRate,
  });
  many.stop();
  await target.stop();

  const soakSeconds = Math.round(opts.soakMinutes * 60);
  // "At 1 minute" for the real 5-minute run; a shorter trial run compares with its first fifth instead.
  const referenceSecond = Math.min(60, Math.max(1, Math.round(soakSeconds / 5)));
  log(
    `memory: ${opts.soakMinutes} min of load on ${opts.soakConnections} connections (RSS at ${referenceSecond} s vs end)`,
  );
  target = await signedInTarget(ctx);
  const soak = new RssSampler(target.pid, 1000);
  const soakRun = await runLoad({
    url: target.url,
    headers: target.headers,
    connections: opts.soakConnections,
    durationSeconds: soakSeconds,
  });
  soak.stop();
  await target.stop();

  const atRef = soak.at(referenceSecond * 1000);
  const atEnd = soak.last();
  const growthPercent = atRef > 0 ? Math.round(((atEnd - atRef) / atRef) * 1000) / 10 : 0;
  const series: number[] = [];
  for (let s = 0; s <= soakSeconds; s += 30) series.push(toMb(soak.at(s * 1000)));
  const figures: MemoryFigures = {
    manyConnections: {
      connections: opts.connections,
      saturated: {
        requestsPerSecond: saturatedRate,
        maxRssMb: toMb(full.maxBytes()),
        errors: fullRun.errors + fullRun.timeouts,
      },
      requestsPerSecond: Math.round(manyRun.requests / manyRun.durationSeconds),
      connectionsOpened: manyRun.connectionsOpened ?? opts.connections,
      idleRssMb: toMb(idle.maxBytes()),
      maxRssMb: toMb(many.maxBytes()),
      errors: manyRun.errors + manyRun.timeouts,
    },
    soak: {
      minutes: opts.soakMinutes,
      connections: opts.soakConnections,
      requestsPerSecond: Math.round(soakRun.requests / soakRun.durationSeconds),
      referenceSecond,
      rssAtReferenceMb: toMb(atRef),
      rssAtEndMb: toMb(atEnd),
      maxRssMb: toMb(soak.maxBytes()),
      growthPercent,
      series,
    },
  };
  const budgets: Budget[] = [
    {
      name: `RSS with ${opts.connections} open keep-alive connections at ${figures.manyConnections.requestsPerSecond} req/s`,
      measured:
        `${figures.manyConnections.maxRssMb} MB max (all sending back to back: ` +
        `${figures.manyConnections.saturated.maxRssMb} MB at ${saturatedRate} req/s)`,
      limit: '< 150 MB',
      holds:
        figures.manyConnections.maxRssMb < 150 &&
        figures.manyConnections.errors === 0 &&
        figures.manyConnections.connectionsOpened === opts.connections,
    },
    {
      name: `RSS growth over ${opts.soakMinutes} min of load (end vs ${referenceSecond} s)`,
      measured: `${figures.soak.rssAtReferenceMb} -> ${figures.soak.rssAtEndMb} MB (${growthPercent}%)`,
      limit: '< 10%',
      holds: growthPercent < 10,
    },
  ];
  return { figures, budgets };
}
