/**
 * authgate's own service-account token, the bearer it sends under impersonation. Projected tokens rotate (the
 * kubelet rewrites the file, by default hourly, through an atomic `..data` symlink swap), so the file is read
 * once at start and then re-read in the background whenever it changes: a watch on its directory reacts at
 * once, and a re-read every few seconds catches what a watch misses (network filesystems, symlink swaps).
 * Requests only ever read the in-memory value: no file access on the request path.
 */
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../observability/logger.js';

export interface TokenSource {
  /** The token as last read. */
  current(): string;
  /** Checks the file now (also what the timer and the watch do). Resolves when done; never rejects. */
  check(): Promise<void>;
  close(): void;
}

export interface TokenFileOptions {
  readonly log: Logger;
  /** How often the file is re-read (default 5 s). */
  readonly checkIntervalMs?: number;
}

/** Reads `path` now (throws if it cannot: the start must fail), then keeps the value current. */
export function watchTokenFile(path: string, opts: TokenFileOptions): TokenSource {
  const { log } = opts;
  let token = readFileSync(path, 'utf8').trim();
  if (token === '') throw new Error(`the service-account token file ${path} is empty`);
  let closed = false;

  // The file is a few hundred bytes: reading it and comparing is simpler and surer than trusting mtimes.
  const reload = async (): Promise<void> => {
    try {
      const text = (await readFile(path, 'utf8')).trim();
      // A half-written or emptied file keeps the previous token rather than sending none.
      if (text === '' || text === token) return;
      token = text;
      log.info({ file: path }, 'service-account token changed: using the new one');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      log.warn(
        { file: path, code },
        'cannot re-read the service-account token file; keeping the previous token',
      );
    }
  };
  // Checks run one after another; a check asked for while one runs gets a fresh read after it.
  let tail: Promise<void> = Promise.resolve();
  let queued: Promise<void> | null = null;
  const check = (): Promise<void> => {
    if (closed) return Promise.resolve();
    if (queued) return queued;
    const next = tail.then(() => {
      queued = null;
      return reload();
    });
    queued = next;
    tail = next;
    return next;
  };

  const timer = setInterval(() => void check(), opts.checkIntervalMs ?? 5000);
  timer.unref();
  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(dirname(path), { persistent: false }, () => void check());
    watcher.on('error', () => watcher?.close());
  } catch {
    // Some filesystems cannot be watched: the timer alone keeps the token current.
    watcher = null;
  }

  return {
    current: () => token,
    check,
    close() {
      closed = true;
      clearInterval(timer);
      watcher?.close();
    },
  };
}
