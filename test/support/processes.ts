import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { describe as Describe, it as It } from '@jest/globals';

/** Shared helpers for tests that run real external servers (nginx, caddy, redis...) on 127.0.0.1. */

const MAX_CAPTURE = 64 * 1024;

/** True when `file` exists and is executable. */
export function binaryAvailable(file: string): boolean {
  try {
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A fresh private temp dir (removed by `removeDir`). */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `authgate-${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A TCP port that was free on 127.0.0.1 a moment ago (the caller retries if a server loses the race). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

function tryConnect(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ port, host });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
    sock.setTimeout(1000, () => done(false));
  });
}

export interface ServerProcess {
  readonly child: ChildProcess;
  /** The server's own pid (spawned without a shell). */
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Exit code / signal once it exited, else undefined. */
  exitStatus(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  stop(graceMs?: number): Promise<void>;
}

/** Spawns `file args` directly (no shell), so `pid` is the server itself; captures the tail of stdout/stderr. */
export function spawnServer(
  file: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): ServerProcess {
  const child = spawn(file, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let status: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child.stdout?.on('data', (b: Buffer) => {
    out = (out + b.toString('utf8')).slice(-MAX_CAPTURE);
  });
  child.stderr?.on('data', (b: Buffer) => {
    err = (err + b.toString('utf8')).slice(-MAX_CAPTURE);
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      status = { code, signal };
      resolve();
    });
    child.once('error', (e) => {
      err += `\nspawn error: ${e.message}`;
      status = { code: -1, signal: null };
      resolve();
    });
  });
  if (child.pid === undefined) err += `\ncould not spawn ${file}`;
  return {
    child,
    pid: child.pid ?? -1,
    stdout: () => out,
    stderr: () => err,
    exitStatus: () => status,
    exited,
    stop: async (graceMs = 5000) => {
      if (status || child.pid === undefined) return;
      await stopPid(child.pid, exited, graceMs);
    },
  };
}

/** SIGTERM, then SIGKILL after `graceMs` if `exited` has not resolved. */
export async function stopPid(pid: number, exited: Promise<void>, graceMs = 5000): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), graceMs);
    }),
  ]);
  clearTimeout(timer);
  if (timedOut) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    await exited;
  }
}

/**
 * Waits until 127.0.0.1:port accepts a TCP connection. Rejects early, with `describe()` (e.g. the captured
 * stderr) in the message, when `server` exits first, and after `timeoutMs`.
 */
export async function waitForPort(
  port: number,
  opts: { host?: string; timeoutMs?: number; server?: ServerProcess; describe?: () => string } = {},
): Promise<void> {
  const host = opts.host ?? '127.0.0.1';
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  const why = (): string => (opts.describe ? opts.describe() : (opts.server?.stderr() ?? '')).trim();
  for (;;) {
    const st = opts.server?.exitStatus();
    if (st)
      throw new Error(
        `server exited (code ${st.code}, signal ${st.signal}) before ${host}:${port} opened:\n${why()}`,
      );
    if (await tryConnect(port, host)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${host}:${port}:\n${why()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * `describe` for tests needing an external binary. Missing binary: under CI=true the suite FAILS with a clear
 * message; locally it is skipped with a loud console.warn banner. Pass `{ describe, it }` from '@jest/globals'
 * (this module does not import jest, so scripts run by tsx can use the server helpers too).
 */
export function describeWithBinary(
  jestApi: { describe: typeof Describe; it: typeof It },
  binary: string,
  available: boolean,
  name: string,
  fn: () => void,
): void {
  const { describe, it } = jestApi;
  if (available) {
    describe(name, fn);
    return;
  }
  const message = `${binary} is not installed: "${name}" cannot run. Install it (see /work/shared/README.md).`;
  if (process.env.CI === 'true') {
    describe(name, () => {
      it(`requires ${binary}`, () => {
        throw new Error(message);
      });
    });
    return;
  }
  console.warn(`\n${'!'.repeat(78)}\n!!! SKIPPED: ${message}\n${'!'.repeat(78)}\n`);
  describe.skip(name, fn);
}
