/**
 * Pieces of `npm run soak`: reading a process's descriptors and RSS from /proc, the traffic counters, and the
 * verdict (zero unexpected errors, no growth in descriptors, RSS flat within 10 %).
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface Sample {
  readonly atSeconds: number;
  readonly fds: number;
  readonly rssMb: number;
  readonly requests: number;
  readonly errors: number;
}

export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

export function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Math.round((Number(kb ?? 0) / 1024) * 10) / 10;
}

/** Counts by kind of traffic, and unexpected answers by kind and reason (never a token or cookie). */
export class Counters {
  readonly ok = new Map<string, number>();
  readonly errors = new Map<string, number>();

  done(kind: string): void {
    this.ok.set(kind, (this.ok.get(kind) ?? 0) + 1);
  }

  failed(kind: string, reason: string): void {
    const key = `${kind}: ${reason}`;
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
  }

  total(): number {
    return [...this.ok.values()].reduce((a, b) => a + b, 0);
  }

  errorCount(): number {
    return [...this.errors.values()].reduce((a, b) => a + b, 0);
  }
}

export interface Verdict {
  readonly pass: boolean;
  readonly lines: string[];
}

/**
 * Descriptors: the last sample may exceed the warmed-up baseline (the first sample after the first minute, or the
 * first one in a short run) by at most FD_SLACK, the connections a burst can hold open at that instant.
 * RSS: the mean of the last third of the samples within 10 % of the baseline.
 */
const FD_SLACK = 10;

export function verdict(samples: readonly Sample[], counters: Counters): Verdict {
  const lines: string[] = [];
  if (samples.length < 2)
    return { pass: false, lines: ['too few samples for a verdict (run at least 1 minute)'] };
  const baseline = samples.find((s) => s.atSeconds >= 60) ?? samples[0]!;
  const rest = samples.slice(samples.indexOf(baseline));
  const last = rest.at(-1)!;
  const tail = rest.slice(Math.max(1, Math.floor((rest.length * 2) / 3)));
  const tailRss = (tail.length ? tail : [last]).reduce((a, s) => a + s.rssMb, 0) / Math.max(1, tail.length);
  const errors = counters.errorCount();
  const fdOk = last.fds - baseline.fds <= FD_SLACK;
  const rssChange = (tailRss - baseline.rssMb) / baseline.rssMb;
  const rssOk = Math.abs(rssChange) <= 0.1;
  lines.push(`unexpected errors: ${errors} ${errors === 0 ? 'OK' : 'FAIL'}`);
  lines.push(
    `descriptors: ${baseline.fds} at ${baseline.atSeconds}s -> ${last.fds} at ${last.atSeconds}s ${fdOk ? 'OK' : 'FAIL'}`,
  );
  lines.push(
    `RSS: ${baseline.rssMb} MB at ${baseline.atSeconds}s -> ${tailRss.toFixed(1)} MB (mean of the last third), ` +
      `${(rssChange * 100).toFixed(1)}% ${rssOk ? 'OK' : 'FAIL'}`,
  );
  return { pass: errors === 0 && fdOk && rssOk, lines };
}
