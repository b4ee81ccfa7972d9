/**
 * The benchmark's server processes: spawned directly (no shell) so the pid is the server itself, pinned to
 * the servers' core with `taskset` when the machine has two, and reporting readiness over an IPC message.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

const MAX_CAPTURE = 16 * 1024;

export interface Placement {
  /** Core for servers (null: not pinned). */
  readonly serverCore: number | null;
  /** Core of this process, i.e. the load generator (null: not pinned). */
  readonly loadCore: number | null;
  readonly note: string;
}

/**
 * Pins this process (autocannon) to core 1 and returns core 0 for the servers, when the machine has two cores
 * and taskset (util-linux) is installed. Otherwise nothing is pinned and servers share cores with the load.
 */
export function placeProcesses(): Placement {
  const cores = cpus().length;
  if (cores < 2) return { serverCore: null, loadCore: null, note: 'one core: servers and load share it' };
  const probe = spawnSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    return { serverCore: null, loadCore: null, note: 'taskset not available: processes are not pinned' };
  }
  return { serverCore: 0, loadCore: 1, note: 'servers pinned to core 0, load generator to core 1' };
}

export interface Child {
  readonly name: string;
  readonly pid: number;
  /** The first IPC message (Node children) or {} (others, once their port accepts). */
  readonly ready: Promise<Record<string, unknown>>;
  stderr(): string;
  exited(): boolean;
  stop(graceMs?: number): Promise<void>;
}

/** Spawns `file args` pinned to `core`. `ipc` children must send one message when they are ready. */
export function spawnPinned(
  name: string,
  core: number | null,
  file: string,
  args: readonly string[],
  opts: { ipc?: boolean; cwd?: string } = {},
): Child {
  const [cmd, argv] = core === null ? [file, [...args]] : ['taskset', ['-c', String(core), file, ...args]];
  const child: ChildProcess = spawn(cmd, argv, {
    cwd: opts.cwd ?? process.cwd(),
    stdio: opts.ipc ? ['ignore', 'ignore', 'pipe', 'ipc'] : ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  let exitedFlag = false;
  child.stderr?.on('data', (b: Buffer) => {
    err = (err + b.toString('utf8')).slice(-MAX_CAPTURE);
  });
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exitedFlag = true;
      resolve();
    });
  });
  const ready = opts.ipc
    ? new Promise<Record<string, unknown>>((resolve, reject) => {
        child.once('message', (msg) => resolve(msg as Record<string, unknown>));
        void exit.then(() => reject(new Error(`${name} exited before it was ready:\n${err.trim()}`)));
      })
    : Promise.resolve({});
  return {
    name,
    pid: child.pid ?? -1,
    ready,
    stderr: () => err,
    exited: () => exitedFlag,
    async stop(graceMs = 5000) {
      if (exitedFlag) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** A compiled helper script (see build.ts) run by plain Node, reporting readiness over IPC. */
export function spawnNodeScript(
  name: string,
  core: number | null,
  script: string,
  args: readonly string[],
  nodeArgs: readonly string[] = [],
): Child {
  return spawnPinned(name, core, process.execPath, [...nodeArgs, script, ...args], {
    ipc: true,
  });
}

/** Resident set size of `pid` in bytes (Linux /proc), or null when it is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** CPU time (user + system) `pid` has used so far, in microseconds (Linux /proc, 100 ticks/s), or null. */
export function cpuMicros(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime: fields 14 and 15 of stat(5)
    return Number.isFinite(ticks) ? ticks * 10_000 : null;
  } catch {
    return null;
  }
}

/** Samples a process's RSS every `intervalMs` until stopped. */
export class RssSampler {
  readonly samples: Array<{ atMs: number; bytes: number }> = [];
  private readonly timer: NodeJS.Timeout;
  private readonly started = Date.now();

  constructor(
    private readonly pid: number,
    intervalMs = 250,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.sample();
  }

  private sample(): void {
    const bytes = rssBytes(this.pid);
    if (bytes !== null) this.samples.push({ atMs: Date.now() - this.started, bytes });
  }

  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }

  maxBytes(): number {
    return this.samples.reduce((max, s) => Math.max(max, s.bytes), 0);
  }

  /** The last sample taken at or before `atMs` (the first sample when none is that early). */
  at(atMs: number): number {
    let value = this.samples[0]?.bytes ?? 0;
    for (const s of this.samples) if (s.atMs <= atMs) value = s.bytes;
    return value;
  }

  last(): number {
    return this.samples[this.samples.length - 1]?.bytes ?? 0;
  }
}
