/**
 * --authenticated-emails-file, kept current without a restart. The first read happens at start and a bad file
 * stops the start (parseAuthenticatedEmails). After that the file is re-read when it changes: fs.watch on its
 * directory reacts within a moment (the directory, because editors and Kubernetes ConfigMap volumes replace the
 * file, or a symlink to it, rather than write into it), and a stat poll catches what fs.watch misses (network file
 * systems, some container overlays). A file that no longer parses, or has gone, is logged and the last good list
 * stays in force: a typo must not lock everyone out, nor let anyone in.
 */
import { readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import { parseAuthenticatedEmails } from './emailsFile.js';

export interface EmailsFileWatcher {
  /** The emails of the last good read (lower-case). */
  current(): ReadonlySet<string>;
  /** Counts successful re-reads: a changed number means decisions made with the old list are stale. */
  generation(): number;
  /** Re-read now if the file changed (the watcher and the poll call this; tests may too). */
  check(): void;
  close(): void;
}

export interface EmailsFileWatcherOptions {
  readonly log: Logger;
  /** Stat poll interval; default 5 s. */
  readonly pollIntervalMs?: number;
  /** Quiet time after a change event before reading, so a file being written is read once, whole. */
  readonly debounceMs?: number;
}

/** Identifies a version of the file cheaply: stat follows symlinks, so a swapped ConfigMap link shows too. */
function signature(path: string): string | null {
  try {
    const s = statSync(path, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return null;
  }
}

/** Reads and parses the file once (throws like parseAuthenticatedEmails), then keeps watching it. */
export function watchAuthenticatedEmails(path: string, opts: EmailsFileWatcherOptions): EmailsFileWatcher {
  const { log } = opts;
  let lastSignature = signature(path);
  let text = readFileSync(path, 'utf8');
  let emails: ReadonlySet<string> = parseAuthenticatedEmails(text);
  let generation = 0;
  let debounce: NodeJS.Timeout | null = null;
  let closed = false;

  const check = (): void => {
    if (closed) return;
    const sig = signature(path);
    if (sig === lastSignature) return;
    if (sig === null) {
      // Logged once: the signature stays null until the file is back.
      log.warn({ file: path }, 'authenticated emails file is gone; keeping the last list');
      lastSignature = sig;
      return;
    }
    let next: string;
    try {
      next = readFileSync(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      log.warn({ file: path, code }, 'authenticated emails file cannot be read; keeping the last list');
      return; // the signature is not taken, so the next event or poll tries again
    }
    lastSignature = sig;
    if (next === text) return;
    try {
      emails = parseAuthenticatedEmails(next);
    } catch (err) {
      // The message names the line, never its content.
      log.warn(
        { file: path, problem: err instanceof Error ? err.message : 'unreadable' },
        'authenticated emails file has an error; keeping the last good list',
      );
      return;
    }
    text = next;
    generation += 1;
    log.info({ file: path, emails: emails.size }, 'authenticated emails file re-read');
  };

  const schedule = (): void => {
    if (debounce) clearTimeout(debounce);
    debounce = setTimeout(() => {
      debounce = null;
      check();
    }, opts.debounceMs ?? 100);
    debounce.unref();
  };

  let watcher: FSWatcher | null = null;
  const name = basename(path);
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
      // null: the platform does not say which file; '..data': a ConfigMap volume swapped its contents.
      if (file === null || file === name || file === '..data') schedule();
    });
    watcher.on('error', (err) => {
      log.debug({ file: path, code: (err as NodeJS.ErrnoException).code }, 'fs.watch failed; polling only');
      watcher?.close();
      watcher = null;
    });
  } catch {
    watcher = null; // the poll below still sees every change
  }
  const poll = setInterval(check, opts.pollIntervalMs ?? 5_000);
  poll.unref();

  return {
    current: () => emails,
    generation: () => generation,
    check,
    close() {
      closed = true;
      clearInterval(poll);
      if (debounce) clearTimeout(debounce);
      watcher?.close();
    },
  };
}
