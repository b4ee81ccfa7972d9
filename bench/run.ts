/**
 * `npm run bench`: issue 10's benchmark. Starts a trivial upstream and, in turn, each proxy under test in its
 * own process (pinned to core 0 when there are two; autocannon runs here, on core 1), measures req/s, p50/p99
 * and the proxy's RSS under keep-alive load, prints a table with the budget verdicts and writes it as JSON to
 * bench/results/<timestamp>.json and latest.json. `--memory` runs the RSS budgets instead; `--profile` runs
 * authgate under `node --cpu-prof` and summarises where its CPU time goes.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseBenchArgs, USAGE, type BenchArgs } from './lib/args.js';
import { buildServers } from './lib/build.js';
import { placeProcesses, spawnNodeScript } from './lib/children.js';
import { measure } from './lib/load.js';
import { measureInRounds } from './lib/rounds.js';
import { measureMemory } from './lib/memory.js';
import {
  judge,
  loadAverage,
  machineFacts,
  renderBudgets,
  renderTable,
  writeReport,
  type RunReport,
} from './lib/report.js';
import { SCENARIOS, type BenchContext, type Scenario } from './lib/scenarios.js';
import { measureStartup } from './lib/startup.js';
import { readProfile, renderSummary, summariseProfile, type ProfileSummary } from './profile.js';

const log = (line: string): void => void process.stderr.write(`bench: ${line}\n`);

/** Scenario 2 and 3 again at half of 2's maximum rate: the p99 budget is about latency below saturation. */
async function pacedLatency(ctx: BenchContext, args: BenchArgs, rate: number): Promise<RunReport['paced']> {
  const figures = [];
  for (const id of [2, 3]) {
    const scenario = SCENARIOS.find((s) => s.id === id);
    const started = scenario && (await scenario.start(ctx));
    if (!started || 'skipped' in started) return undefined;
    try {
      const spec = {
        url: started.url,
        headers: started.headers,
        connections: args.connections,
        durationSeconds: args.durationSeconds,
        overallRate: rate,
      };
      figures.push(await measure(spec, started.pid, args.warmupSeconds));
    } finally {
      await started.stop();
    }
  }
  const [bare, authgate] = figures;
  return bare && authgate ? { rate, bare, authgate } : undefined;
}

function newestProfile(dir: string): string | null {
  try {
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .sort();
    const last = files[files.length - 1];
    return last ? join(dir, last) : null;
  } catch {
    return null;
  }
}

async function main(): Promise<number> {
  const args = parseBenchArgs(process.argv.slice(2), join(import.meta.dirname, 'results'));
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const placement = placeProcesses();
  log(placement.note);
  const busy = loadAverage();
  if (busy > 0.5) log(`warning: load average ${busy} before the run: other processes will skew the figures`);
  const date = new Date().toISOString();
  const report: RunReport & { profiles?: Record<string, ProfileSummary> } = {
    date,
    machine: machineFacts(placement.note),
    settings: {
      connections: args.connections,
      durationSeconds: args.durationSeconds,
      rounds: args.rounds,
      warmupSeconds: args.warmupSeconds,
      authgateFlags: args.authgateFlags,
      authgateNodeArgs: args.authgateNodeArgs,
    },
    scenarios: [],
    budgets: [],
  };
  log('compiling the server processes');
  const build = buildServers();
  const upstream = spawnNodeScript(
    'upstream',
    placement.serverCore,
    join(build.serversDir, 'upstream.js'),
    [],
  );
  try {
    const { port } = (await upstream.ready) as { port: number };
    const ctx: BenchContext = {
      serverCore: placement.serverCore,
      serversDir: build.serversDir,
      upstreamUrl: `http://127.0.0.1:${port}`,
      upstreamPort: port,
      upstreamPid: upstream.pid,
      authgateNodeArgs: args.authgateNodeArgs,
      authgateFlags: args.authgateFlags,
    };
    if (args.memory) {
      const memory = await measureMemory(
        ctx,
        {
          connections: args.memoryConnections,
          durationSeconds: args.durationSeconds,
          soakMinutes: args.soakMinutes,
          soakConnections: args.connections,
        },
        log,
      );
      report.memory = { ...memory.figures };
      report.budgets.push(...memory.budgets);
      process.stdout.write(
        `${JSON.stringify(memory.figures, null, 2)}\n\n${renderBudgets(report.budgets)}\n`,
      );
    } else {
      const profileRoot = join(args.outDir, 'profiles', date.replace(/[:.]/g, '-'));
      const dirOf = (scenario: Scenario): string => join(profileRoot, `scenario-${scenario.id}`);
      const selected = SCENARIOS.filter((s) => args.only.includes(s.id));
      const measured = await measureInRounds(
        selected,
        (scenario) => ({
          ...ctx,
          authgateNodeArgs: args.profile
            ? [...args.authgateNodeArgs, '--cpu-prof', `--cpu-prof-dir=${dirOf(scenario)}`]
            : args.authgateNodeArgs,
        }),
        args,
        log,
      );
      report.scenarios.push(...measured.results);
      report.rounds = measured.rounds;
      for (const result of measured.results) {
        if (result.status === 'failed') log(`${result.id}. failed: ${result.reason ?? ''}`);
      }
      if (args.profile) {
        for (const scenario of selected) {
          const profile = newestProfile(dirOf(scenario));
          if (!profile) continue;
          const summary = summariseProfile(readProfile(profile), 20);
          (report.profiles ??= {})[String(scenario.id)] = summary;
          process.stdout.write(`${renderSummary(`scenario ${scenario.id} (${profile})`, summary)}\n\n`);
        }
      }
      const bare = report.scenarios.find((s) => s.id === 2)?.figures;
      if (args.paced && bare && args.only.includes(3)) {
        const rate = Math.max(1, Math.round(bare.requestsPerSecond / 2));
        log(`p99 of 2 and 3 at ${rate} req/s`);
        report.paced = await pacedLatency(ctx, args, rate);
      }
      if (args.startupRuns > 0) {
        log(`start-up time of dist/cli.js (${args.startupRuns} runs)`);
        const startup = await measureStartup(placement.serverCore, ctx.upstreamUrl, args.startupRuns);
        report.startup = startup ? { ...startup } : { skipped: 'dist/cli.js not built: run npm run build' };
        report.budgets.push(
          startup
            ? {
                name: 'start to listening (dist/cli.js)',
                measured: `${startup.medianMs} ms median, ${startup.maxMs} ms max`,
                limit: '< 1000 ms',
                holds: startup.maxMs < 1000,
              }
            : {
                name: 'start to listening (dist/cli.js)',
                measured: 'not measured: npm run build first',
                limit: '< 1000 ms',
                holds: null,
              },
        );
      }
      judge(report);
      const lines = [
        `authgate benchmark, ${date}: ${report.machine.cpuModel}, ${report.machine.cores} cores, Node ${report.machine.node}`,
        `${args.connections} keep-alive connections, ${args.durationSeconds} s per scenario in ${args.rounds} interleaved rounds after ${args.warmupSeconds} s warm-up; ${placement.note}`,
        '',
        renderTable(report),
        '',
      ];
      const p = report.paced;
      if (p)
        lines.push(
          `At ${p.rate} req/s (50% of 2): p99 ${p.bare.p99Ms} ms (2) vs ${p.authgate.p99Ms} ms (3); p50 ${p.bare.p50Ms} vs ${p.authgate.p50Ms} ms`,
          '',
        );
      lines.push(renderBudgets(report.budgets), '');
      process.stdout.write(lines.join('\n'));
    }
    report.machine.loadAverage.end = loadAverage();
    const file = writeReport(args.outDir, report, args.memory ? 'memory-latest.json' : 'latest.json');
    log(`results written to ${file}`);
    return report.scenarios.some((s) => s.status === 'failed') ? 1 : 0;
  } finally {
    await upstream.stop();
    build.remove();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
