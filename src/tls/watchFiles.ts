/**
 * Watches a few files (a certificate and its key, CA bundles) and hands their contents over whenever any of them
 * changes. A watch on each file's directory reacts at once (the directory, because cert-manager Secrets and
 * ConfigMaps mounted in a pod are swapped through a `..data` symlink, never written in place), and a stat poll
 * catches what a watch misses. Changes are debounced so a certificate and its key written one after the other are
 * read together. The callback decides whether the new contents are usable; if it throws, the same contents are
 * not offered again until a file changes once more.
 */
import { readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';

export interface FileSetWatcher {
  /** Re-read now if any file changed (the watch and the poll call this; tests may too). */
  check(): void;
  close(): void;
}

export interface FileSetWatcherOptions {
  /** Stat poll interval (default 5 s). */
  readonly pollIntervalMs?: number;
  /** Quiet time after a change event before reading (default 200 ms). */
  readonly debounceMs?: number;
  /** A file could not be read: its error code (the previous contents stay in force). */
  readonly onReadError?: (file: string, code: string) => void;
}

/** Identifies a version of a file cheaply; stat follows symlinks, so a swapped `..data` link shows too. */
function signature(path: string): string {
  try {
    const s = statSync(path, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return 'missing';
  }
}

/** `onChange` receives every file's contents, in the order given, after any of them changed. */
export function watchFileSet(
  files: readonly string[],
  onChange: (contents: string[]) => void,
  opts: FileSetWatcherOptions = {},
): FileSetWatcher {
  let last = files.map(signature).join('|');
  let debounce: NodeJS.Timeout | null = null;
  let closed = false;

  const check = (): void => {
    if (closed) return;
    const now = files.map(signature).join('|');
    if (now === last) return;
    const contents: string[] = [];
    for (const file of files) {
      try {
        contents.push(readFileSync(file, 'utf8'));
      } catch (err) {
        opts.onReadError?.(file, (err as NodeJS.ErrnoException).code ?? 'unreadable');
        return; // signature not taken: the next event or poll tries again
      }
    }
    last = now;
    try {
      onChange(contents);
    } catch {
      // The callback has logged why; these contents are not offered again.
    }
  };

  const schedule = (): void => {
    if (debounce) clearTimeout(debounce);
    debounce = setTimeout(() => {
      debounce = null;
      check();
    }, opts.debounceMs ?? 200);
    debounce.unref();
  };

  const watchers: FSWatcher[] = [];
  for (const dir of new Set(files.map((f) => dirname(f)))) {
    try {
      const w = watch(dir, { persistent: false }, schedule);
      w.on('error', () => w.close()); // the poll still sees every change
      watchers.push(w);
    } catch {
      // Some file systems cannot be watched: the poll alone keeps up.
    }
  }
  const poll = setInterval(check, opts.pollIntervalMs ?? 5_000);
  poll.unref();

  return {
    check,
    close() {
      closed = true;
      clearInterval(poll);
      if (debounce) clearTimeout(debounce);
      for (const w of watchers) w.close();
    },
  };
}
