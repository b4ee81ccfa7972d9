/** Command-line arguments of `npm run bench`. */
import { parseArgs } from 'node:util';

export interface BenchArgs {
  readonly durationSeconds: number;
  /** Interleaved rounds the measured seconds are split into (rounds.ts). */
  readonly rounds: number;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly only: readonly number[];
  readonly paced: boolean;
  readonly startupRuns: number;
  readonly memory: boolean;
  readonly memoryConnections: number;
  readonly soakMinutes: number;
  readonly profile: boolean;
  readonly outDir: string;
  /** Extra flags for every authgate under test (experiments: e.g. --request-logging=false). */
  readonly authgateFlags: readonly string[];
  /** Extra node options for every authgate under test (experiments: e.g. V8 heap flags). */
  readonly authgateNodeArgs: readonly string[];
  readonly help: boolean;
}

export const USAGE = `npm run bench -- [options]
  --duration S            seconds of measured load per scenario (default 10)
  --rounds R              split each scenario's seconds into R slices, measured in turn across the
                          scenarios (1..8, 1..8, ...); budgets use the median of the per-round ratios
                          (default: one round per second of --duration, at most 10)
  --connections N         keep-alive connections (default 20)
  --warmup S              seconds of unrecorded load before each measurement (default: duration / 5, at most 2)
  --only LIST             scenarios to run, e.g. 1,2,3 or 3-6 (default 1-8)
  --no-paced              skip the p99 comparison of 2 and 3 at 50% of 2's rate
  --startup-runs N        start-up measurements of dist/cli.js (default 5; 0 skips; needs npm run build)
  --memory                only the RSS budgets: --memory-connections, then --soak-minutes of load
                          (written to memory-latest.json)
  --memory-connections N  connections of the RSS test (default 1000)
  --soak-minutes M        minutes of load for the RSS growth test (default 5)
  --profile               run authgate under node --cpu-prof and summarise self time per scenario
  --out DIR               where results are written (default bench/results)
  --authgate-flag FLAG    an extra flag for every authgate under test, repeatable
                          (e.g. --authgate-flag=--request-logging=false)
  --authgate-node-arg ARG a node option for every authgate under test, repeatable
                          (e.g. --authgate-node-arg=--max-semi-space-size=4)
`;

function positive(name: string, raw: string | undefined, fallback: number, allowZero = false): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0))
    throw new Error(`--${name} must be a positive number, got "${raw}"`);
  return n;
}

/** "1,3-5" -> [1, 3, 4, 5]. */
export function parseOnly(raw: string): number[] {
  const ids = new Set<number>();
  for (const part of raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`--only: "${part}" is not a scenario number or range`);
    const from = Number(m[1]);
    const to = Number(m[2] ?? m[1]);
    for (let id = from; id <= to; id += 1) {
      if (id < 1 || id > 8) throw new Error(`--only: scenarios are 1 to 8, got ${id}`);
      ids.add(id);
    }
  }
  return [...ids].sort((a, b) => a - b);
}

export function parseBenchArgs(argv: readonly string[], defaultOutDir: string): BenchArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      duration: { type: 'string' },
      rounds: { type: 'string' },
      connections: { type: 'string' },
      warmup: { type: 'string' },
      only: { type: 'string' },
      'no-paced': { type: 'boolean' },
      'startup-runs': { type: 'string' },
      memory: { type: 'boolean' },
      'memory-connections': { type: 'string' },
      'soak-minutes': { type: 'string' },
      profile: { type: 'boolean' },
      out: { type: 'string' },
      'authgate-flag': { type: 'string', multiple: true },
      'authgate-node-arg': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  const durationSeconds = positive('duration', values.duration, 10);
  return {
    durationSeconds,
    rounds: Math.round(
      positive('rounds', values.rounds, Math.max(1, Math.min(10, Math.floor(durationSeconds)))),
    ),
    connections: Math.round(positive('connections', values.connections, 20)),
    warmupSeconds: positive('warmup', values.warmup, Math.min(2, durationSeconds / 5), true),
    only: parseOnly(values.only ?? '1-8'),
    paced: values['no-paced'] !== true,
    startupRuns: Math.round(positive('startup-runs', values['startup-runs'], 5, true)),
    memory: values.memory === true,
    memoryConnections: Math.round(positive('memory-connections', values['memory-connections'], 1000)),
    soakMinutes: positive('soak-minutes', values['soak-minutes'], 5),
    profile: values.profile === true,
    outDir: values.out ?? defaultOutDir,
    authgateFlags: values['authgate-flag'] ?? [],
    authgateNodeArgs: values['authgate-node-arg'] ?? [],
    help: values.help === true,
  };
}
