/**
 * Interleaved measurement. Every selected scenario is started and checked first; then each is loaded for one
 * short slice in turn (1 2 3 ... 8, then 1 2 3 ... 8 again, R times), and a scenario's figures add up its R
 * slices. Why: on a shared virtual machine the speed drifts over tens of seconds. Measured one after another,
 * two scenarios can land in different spells (scenario 3 gave 2,174 to 3,318 req/s in back-to-back runs on one
 * machine, and the 3-chunk/signed-in ratio 0.80 to 1.10); interleaved, a slow spell hits every scenario alike,
 * and a budget's ratio is taken within each round (report.ts uses the median of the rounds).
 */
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import type { BenchArgs } from './args.js';
import { combineSlices, measureSlice, type LoadSlice } from './load.js';
import type { ScenarioResult } from './report.js';
import type { BenchContext, Scenario, Target } from './scenarios.js';

/** The one request checked before loading: a wrong answer (e.g. a sign-in page instead of the upstream) fails the scenario. */
async function verify(target: Target): Promise<string | null> {
  const res = await fetch(target.url, { headers: target.headers, redirect: 'manual' });
  const text = await res.text();
  if (res.status !== target.expectStatus) return `answered ${res.status}, expected ${target.expectStatus}`;
  if (target.expectBody !== undefined && text !== target.expectBody)
    return `answered a different body (${text.length} bytes)`;
  return null;
}

interface Running {
  readonly scenario: Scenario;
  readonly target: Target;
  readonly slices: LoadSlice[];
  readonly latencyUs: RecordableHistogram;
}

export interface RoundsOutcome {
  /** In the order of `scenarios`. */
  readonly results: ScenarioResult[];
  /** Per round, req/s of every scenario measured in it (keyed by scenario id). */
  readonly rounds: Array<Record<string, number>>;
}

/** Starts one scenario; a failure to start or a wrong first answer becomes its result instead. */
async function prepare(scenario: Scenario, ctx: BenchContext): Promise<Running | ScenarioResult> {
  const base = { id: scenario.id, name: scenario.name };
  let started;
  try {
    started = await scenario.start(ctx);
  } catch (err) {
    return { ...base, status: 'failed', reason: `did not start: ${(err as Error).message}` };
  }
  if ('skipped' in started) return { ...base, status: 'skipped', reason: started.skipped };
  const wrong = await verify(started).catch((err: unknown) => `did not answer: ${String(err)}`);
  if (wrong) {
    await started.stop();
    return { ...base, status: 'failed', reason: wrong, info: started.info };
  }
  return { scenario, target: started, slices: [], latencyUs: createHistogram() };
}

function resultOf(r: Running): ScenarioResult {
  const base = { id: r.scenario.id, name: r.scenario.name, info: r.target.info };
  const figures = combineSlices(r.slices, r.latencyUs);
  const expected = figures.statuses[String(r.target.expectStatus)] ?? 0;
  if (expected !== figures.requests || figures.errors > 0) {
    const reason = `unexpected answers: ${JSON.stringify(figures.statuses)}, ${figures.errors} errors`;
    return { ...base, status: 'failed', reason, figures };
  }
  return { ...base, status: 'ok', figures };
}

/**
 * Runs `scenarios` interleaved over `args.rounds` rounds of `args.durationSeconds / args.rounds` seconds each
 * (the warm-up only before a scenario's first slice). `ctxFor` gives each scenario its context (e.g. a CPU
 * profile directory). Every started server is stopped before this returns, even when a slice throws.
 */
export async function measureInRounds(
  scenarios: readonly Scenario[],
  ctxFor: (scenario: Scenario) => BenchContext,
  args: Pick<BenchArgs, 'rounds' | 'durationSeconds' | 'warmupSeconds' | 'connections'>,
  log: (line: string) => void,
): Promise<RoundsOutcome> {
  const prepared: Array<Running | ScenarioResult> = [];
  const running: Running[] = [];
  try {
    for (const scenario of scenarios) {
      log(`${scenario.id}. ${scenario.name}: starting`);
      const p = await prepare(scenario, ctxFor(scenario));
      prepared.push(p);
      if ('target' in p) running.push(p);
      else log(`   ${p.status}: ${p.reason ?? ''}`);
    }
    const sliceSeconds = args.durationSeconds / args.rounds;
    const rounds: Array<Record<string, number>> = [];
    for (let round = 0; round < args.rounds; round += 1) {
      log(`round ${round + 1} of ${args.rounds} (${sliceSeconds.toFixed(1)} s per scenario)`);
      const perScenario: Record<string, number> = {};
      for (const r of running) {
        const spec = {
          url: r.target.url,
          headers: r.target.headers,
          connections: args.connections,
          durationSeconds: sliceSeconds,
        };
        const warmup = round === 0 ? args.warmupSeconds : 0;
        const slice = await measureSlice(spec, r.target.pid, warmup, r.latencyUs);
        r.slices.push(slice);
        perScenario[String(r.scenario.id)] = Math.round(slice.requests / slice.durationSeconds);
      }
      rounds.push(perScenario);
    }
    const results = prepared.map((p) => ('target' in p ? resultOf(p) : p));
    return { results, rounds };
  } finally {
    for (const r of running) await r.target.stop();
  }
}
