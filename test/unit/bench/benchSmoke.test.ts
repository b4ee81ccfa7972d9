/**
 * A few-second run of `npm run bench` (scenarios 1-4, 1 s each in two interleaved rounds) so the benchmark keeps working. It checks that
 * the run produced a table and a JSON report with real figures; it never checks the budgets (CI machines vary).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { makeTempDir, removeDir } from '../../support/processes.js';

const REPO = join(import.meta.dirname, '..', '..', '..');

interface Figures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  rssMb: number;
  statuses: Record<string, number>;
}

describe('npm run bench (smoke)', () => {
  const out = makeTempDir('bench-smoke');
  afterAll(() => removeDir(out));

  it('measures scenarios 1-4 and writes the table and JSON with numbers > 0', () => {
    const run = spawnSync(
      process.execPath,
      [
        ...['--import', 'tsx', 'bench/run.ts'],
        ...[
          '--duration',
          '1',
          '--rounds',
          '2',
          '--connections',
          '5',
          '--only',
          '1,2,3,4',
          '--no-paced',
          '--startup-runs',
          '0',
        ],
        ...['--out', out],
      ],
      { cwd: REPO, encoding: 'utf8', timeout: 90_000, env: { ...process.env, NODE_OPTIONS: '' } },
    );
    expect(run.stderr).not.toMatch(/failed|Error/);
    expect(run.status).toBe(0);
    for (const heading of ['req/s', 'p50 ms', 'p99 ms', 'x (2)', 'RSS MB'])
      expect(run.stdout).toContain(heading);
    expect(run.stdout).toMatch(/^\| 3 \| authgate, signed-in proxying .*\| +\d+ \|/m);

    const report = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as {
      machine: { cpuModel: string; cores: number; node: string };
      rounds: Array<Record<string, number>>;
      scenarios: Array<{
        id: number;
        status: string;
        figures: Figures;
        ratioTo2: number;
        info: Record<string, unknown>;
      }>;
    };
    expect(report.machine.node).toBe(process.version);
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(report.machine.cpuModel).not.toBe('');
    expect(report.scenarios.map((s) => [s.id, s.status])).toEqual([
      [1, 'ok'],
      [2, 'ok'],
      [3, 'ok'],
      [4, 'ok'],
    ]);
    for (const s of report.scenarios) {
      expect(s.figures.requestsPerSecond).toBeGreaterThan(0);
      expect(s.figures.p50Ms).toBeGreaterThan(0);
      expect(s.figures.p99Ms).toBeGreaterThanOrEqual(s.figures.p50Ms);
      expect(s.figures.rssMb).toBeGreaterThan(0);
      expect(s.ratioTo2).toBeGreaterThan(0);
    }
    // Every proxied request reached the upstream as a signed-in user; forward-auth answered 202 without it.
    expect(Object.keys(report.scenarios[2]?.figures.statuses ?? {})).toEqual(['200']);
    expect(Object.keys(report.scenarios[3]?.figures.statuses ?? {})).toEqual(['202']);
    expect(report.scenarios[2]?.info.cookieChunks).toBe(1);
    // Each of the two interleaved rounds measured every scenario.
    expect(report.rounds).toHaveLength(2);
    for (const round of report.rounds) {
      expect(Object.keys(round).sort()).toEqual(['1', '2', '3', '4']);
      for (const rps of Object.values(round)) expect(rps).toBeGreaterThan(0);
    }
    expect(run.stdout).toMatch(/median of 2 rounds: [\d.]+, [\d.]+; totals/);
  }, 120_000);
});
