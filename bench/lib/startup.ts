/** Start-up time: `node dist/cli.js` with valid flags, from spawn to the port accepting (issuer unreachable). */
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../../test/support/processes.js';
import { spawnPinned } from './children.js';
import { authgateFlags } from './scenarios.js';

export const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface StartupFigures {
  readonly runsMs: number[];
  readonly medianMs: number;
  readonly maxMs: number;
}

/** Milliseconds from spawn until 127.0.0.1:port accepts, `runs` times (null when dist/cli.js is not built). */
export async function measureStartup(
  core: number | null,
  upstreamUrl: string,
  runs: number,
): Promise<StartupFigures | null> {
  if (!existsSync(CLI)) return null;
  const runsMs: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const port = await freePort();
    const flags = (await authgateFlags(upstreamUrl)).map((f) =>
      f.startsWith('--http-address=') ? `--http-address=127.0.0.1:${port}` : f,
    );
    const started = process.hrtime.bigint();
    const child = spawnPinned('authgate cli', core, process.execPath, [CLI, ...flags]);
    try {
      for (;;) {
        if (child.exited()) throw new Error(`dist/cli.js exited during start:\n${child.stderr().trim()}`);
        if (await accepts(port)) break;
        if (Number(process.hrtime.bigint() - started) > 20e9)
          throw new Error('dist/cli.js did not listen within 20 s');
        await new Promise((r) => setTimeout(r, 2));
      }
      runsMs.push(Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10);
    } finally {
      await child.stop();
    }
  }
  const sorted = [...runsMs].sort((a, b) => a - b);
  return {
    runsMs,
    medianMs: sorted[Math.floor(sorted.length / 2)] ?? 0,
    maxMs: sorted[sorted.length - 1] ?? 0,
  };
}
