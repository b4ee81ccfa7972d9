/** Results of a run: the table, the budget verdicts of issue 10, and the JSON written under bench/results/. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { LoadFigures } from './load.js';

export interface ScenarioResult {
  readonly id: number;
  readonly name: string;
  readonly status: 'ok' | 'skipped' | 'failed';
  /** Why it was skipped or failed. */
  readonly reason?: string;
  readonly figures?: LoadFigures;
  /** req/s relative to scenario 2 (the bare proxy). */
  ratioTo2?: number;
  readonly info?: Record<string, unknown>;
}

export interface PacedLatency {
  /** Requests per second sent to both: half of scenario 2's maximum. */
  readonly rate: number;
  readonly bare: LoadFigures;
  readonly authgate: LoadFigures;
}

export interface Budget {
  readonly name: string;
  readonly measured: string;
  readonly limit: string;
  /** null: not measured in this run. */
  readonly holds: boolean | null;
}

export interface RunReport {
  readonly date: string;
  readonly machine: {
    cpuModel: string;
    cores: number;
    node: string;
    placement: string;
    /** 1-minute load average when the run started and ended: other work on the machine skews the figures. */
    loadAverage: { start: number; end?: number };
  };
  readonly settings: {
    connections: number;
    durationSeconds: number;
    rounds: number;
    warmupSeconds: number;
    authgateFlags: readonly string[];
    authgateNodeArgs: readonly string[];
  };
  readonly scenarios: ScenarioResult[];
  /** req/s of each scenario (by id) in each interleaved round (rounds.ts). */
  rounds?: Array<Record<string, number>>;
  paced?: PacedLatency;
  memory?: Record<string, unknown>;
  startup?: Record<string, unknown>;
  budgets: Budget[];
}

export function machineFacts(placement: string): RunReport['machine'] {
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    placement,
    loadAverage: { start: loadAverage() },
  };
}

export const loadAverage = (): number => Math.round((loadavg()[0] ?? 0) * 100) / 100;

const fixed = (n: number, digits = 2): string => n.toFixed(digits);

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/** req/s of `a` over `b` within each round that measured both. */
export function roundRatios(rounds: ReadonlyArray<Record<string, number>>, a: number, b: number): number[] {
  const out: number[] = [];
  for (const round of rounds) {
    const ra = round[String(a)];
    const rb = round[String(b)];
    if (ra !== undefined && rb !== undefined && rb > 0) out.push(ra / rb);
  }
  return out;
}

/**
 * Ratios to scenario 2 and the throughput/latency budgets that one run decides. With interleaved rounds a
 * ratio budget is judged on the median of the per-round ratios (each round's two figures were measured
 * seconds apart), and the totals are shown beside it.
 */
export function judge(report: RunReport): void {
  const byId = new Map(
    report.scenarios.filter((s) => s.figures).map((s) => [s.id, s.figures as LoadFigures]),
  );
  const base = byId.get(2);
  for (const s of report.scenarios) {
    if (s.figures && base)
      s.ratioTo2 = Math.round((s.figures.requestsPerSecond / base.requestsPerSecond) * 100) / 100;
  }
  const ratio = (name: string, a: number, b: number, min: number): Budget => {
    const fa = byId.get(a);
    const fb = byId.get(b);
    if (!fa || !fb) return { name, measured: 'not measured', limit: `>= ${min} x`, holds: null };
    const totals = `${fa.requestsPerSecond} / ${fb.requestsPerSecond} req/s`;
    const perRound = roundRatios(report.rounds ?? [], a, b);
    if (perRound.length < 2) {
      const r = fa.requestsPerSecond / fb.requestsPerSecond;
      return { name, measured: `${fixed(r)} x (${totals})`, limit: `>= ${min} x`, holds: r >= min };
    }
    const r = median(perRound);
    const each = perRound.map((x) => fixed(x)).join(', ');
    return {
      name,
      measured: `${fixed(r)} x (median of ${perRound.length} rounds: ${each}; totals ${totals})`,
      limit: `>= ${min} x`,
      holds: r >= min,
    };
  };
  report.budgets.push(
    ratio('signed-in proxying (3) vs bare proxy (2)', 3, 2, 1.0),
    ratio('/oauth2/auth (4) vs bare proxy (2)', 4, 2, 2.0),
    ratio('3-chunk session (6) vs signed-in (3)', 6, 3, 0.9),
    ratio('Redis session (7) vs signed-in (3)', 7, 3, 0.9),
  );
  const p = report.paced;
  report.budgets.push(
    p
      ? {
          name: `p99 of (3) vs (2) at ${p.rate} req/s (50% of 2's max)`,
          measured: `${fixed(p.authgate.p99Ms)} ms vs ${fixed(p.bare.p99Ms)} ms (+${fixed(p.authgate.p99Ms - p.bare.p99Ms)} ms)`,
          limit: '<= (2) + 2 ms',
          holds: p.authgate.p99Ms <= p.bare.p99Ms + 2,
        }
      : {
          name: 'p99 of (3) vs (2) at 50% load',
          measured: 'not measured',
          limit: '<= (2) + 2 ms',
          holds: null,
        },
  );
}

const pad = (text: string, width: number, right = false): string =>
  right ? text.padStart(width) : text.padEnd(width);

export function renderTable(report: RunReport): string {
  const head = ['#', 'scenario', 'req/s', 'p50 ms', 'p99 ms', 'x (2)', 'RSS MB', 'CPU us/req', 'notes'];
  const rows = report.scenarios.map((s) => {
    const f = s.figures;
    const notes = s.status === 'ok' ? notesOf(s) : `${s.status}: ${s.reason ?? ''}`;
    return [
      String(s.id),
      s.name,
      f ? String(f.requestsPerSecond) : '-',
      f ? fixed(f.p50Ms) : '-',
      f ? fixed(f.p99Ms) : '-',
      s.ratioTo2 !== undefined ? fixed(s.ratioTo2) : '-',
      f ? fixed(f.rssMb, 1) : '-',
      f ? fixed(f.cpuUsPerRequest, 0) : '-',
      notes,
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = new Set([2, 3, 4, 5, 6, 7]);
  const line = (cells: string[]): string =>
    '| ' + cells.map((c, i) => pad(c, widths[i] ?? 0, numeric.has(i))).join(' | ') + ' |';
  const rule =
    '|' +
    widths.map((w, i) => (numeric.has(i) ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') +
    '|';
  return [line(head), rule, ...rows.map(line)].join('\n');
}

function notesOf(s: ScenarioResult): string {
  const notes: string[] = [];
  const info = s.info ?? {};
  if (typeof info.cookieChunks === 'number')
    notes.push(`${info.cookieChunks} cookie(s), ${String(info.cookieHeaderBytes)} B`);
  if (typeof info.storeKind === 'string' && info.storeKind !== 'cookie')
    notes.push(`${info.storeKind} store`);
  if (typeof info.readyStatus === 'number') notes.push(`/ready ${info.readyStatus}`);
  const f = s.figures;
  if (f) {
    const statuses = Object.entries(f.statuses).map(([code, n]) => `${code}x${n}`);
    notes.push(statuses.join(' '));
    if (f.errors > 0) notes.push(`${f.errors} errors`);
  }
  return notes.join('; ');
}

export function renderBudgets(budgets: readonly Budget[]): string {
  const mark = (b: Budget): string => (b.holds === null ? 'n/a ' : b.holds ? 'PASS' : 'FAIL');
  return budgets.map((b) => `${mark(b)}  ${b.name}: ${b.measured} (budget ${b.limit})`).join('\n');
}

/**
 * Writes `<dir>/<ISO timestamp>.json` and `<dir>/<latest>` (latest.json for the scenario table, memory-latest.json
 * for --memory, so one kind of run never hides the other); returns the first path.
 */
export function writeReport(dir: string, report: RunReport, latest = 'latest.json'): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${report.date.replace(/[:.]/g, '-')}.json`);
  const text = JSON.stringify(report, null, 2) + '\n';
  writeFileSync(file, text);
  writeFileSync(join(dir, latest), text);
  return file;
}
