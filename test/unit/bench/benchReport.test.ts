/** The arithmetic behind the benchmark's verdicts: slices added up, ratios per round, their median. */
import { createHistogram } from 'node:perf_hooks';
import { describe, expect, it } from '@jest/globals';
import { combineSlices, type LoadSlice } from '../../../bench/lib/load.js';
import { judge, median, roundRatios, type RunReport } from '../../../bench/lib/report.js';

const slice = (requests: number, seconds: number, extra: Partial<LoadSlice> = {}): LoadSlice => ({
  requests,
  durationSeconds: seconds,
  statuses: { '200': requests },
  errors: 0,
  timeouts: 0,
  rssMaxBytes: 100 * 1024 * 1024,
  cpuMicros: requests * 100,
  ...extra,
});

describe('combineSlices', () => {
  it('adds requests, seconds, statuses and CPU time; keeps the highest RSS', () => {
    const h = createHistogram();
    for (const us of [100, 200, 300, 400]) h.record(us);
    const f = combineSlices(
      [
        slice(300, 1, { rssMaxBytes: 50 * 1024 * 1024, cpuMicros: 30_000 }),
        slice(100, 1, { statuses: { '200': 90, '502': 10 }, errors: 2, cpuMicros: 30_000 }),
      ],
      h,
    );
    expect(f.requestsPerSecond).toBe(200);
    expect(f.requests).toBe(400);
    expect(f.statuses).toEqual({ '200': 390, '502': 10 });
    expect(f.errors).toBe(2);
    expect(f.rssMb).toBe(100);
    expect(f.cpuUsPerRequest).toBe(150);
    expect(f.p50Ms).toBeCloseTo(0.2, 1);
  });
});

describe('median and per-round ratios', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('divides within each round and skips rounds missing either scenario', () => {
    const rounds: Array<Record<string, number>> = [
      { '3': 100, '6': 80 },
      { '3': 200, '6': 190 },
      { '3': 50 },
      { '3': 100, '6': 95 },
    ];
    expect(roundRatios(rounds, 6, 3)).toEqual([0.8, 0.95, 0.95]);
  });
});

describe('judge', () => {
  const report = (rounds?: Array<Record<string, number>>): RunReport => ({
    date: 'now',
    machine: { cpuModel: 'x', cores: 2, node: 'v20', placement: '', loadAverage: { start: 0 } },
    settings: {
      connections: 20,
      durationSeconds: 9,
      rounds: rounds?.length ?? 1,
      warmupSeconds: 1,
      authgateFlags: [],
      authgateNodeArgs: [],
    },
    scenarios: [
      { id: 2, name: 'bare', status: 'ok', figures: { ...combine(1000) } },
      { id: 3, name: 'signed in', status: 'ok', figures: { ...combine(1000) } },
      { id: 6, name: 'chunks', status: 'ok', figures: { ...combine(880) } },
    ],
    budgets: [],
    ...(rounds ? { rounds } : {}),
  });
  function combine(rps: number) {
    return combineSlices([slice(rps, 1)], createHistogram());
  }
  const chunkBudget = (r: RunReport) => r.budgets.find((b) => b.name.startsWith('3-chunk'));

  it('judges a single slice on the totals', () => {
    const r = report();
    judge(r);
    expect(chunkBudget(r)).toMatchObject({ holds: false, measured: '0.88 x (880 / 1000 req/s)' });
  });

  it('judges interleaved rounds on the median of the per-round ratios, not the totals', () => {
    // One slow spell in round 1 drags the totals below 0.9; the other two rounds are at 0.95.
    const r = report([
      { '3': 1000, '6': 600 },
      { '3': 1000, '6': 950 },
      { '3': 1000, '6': 950 },
    ]);
    judge(r);
    expect(chunkBudget(r)?.holds).toBe(true);
    expect(chunkBudget(r)?.measured).toBe(
      '0.95 x (median of 3 rounds: 0.60, 0.95, 0.95; totals 880 / 1000 req/s)',
    );
  });
});
