/**
 * Readable log lines for a terminal, without pino-pretty: pino still writes its JSON (after redaction), and this
 * stream turns each line into `12:00:01.234 INFO  message key=value ...`, the level coloured. authgate uses it
 * only when stdout is a TTY (a person is watching); log collectors get the JSON untouched.
 */
import { Writable } from 'node:stream';

const COLORS: Record<string, string> = {
  trace: '\x1b[90m',
  debug: '\x1b[36m',
  info: '\x1b[32m',
  warn: '\x1b[33m',
  error: '\x1b[31m',
  fatal: '\x1b[35m',
};
const RESET = '\x1b[0m';
/** Fields shown in the head of the line or not worth repeating on every line. */
const SKIPPED = new Set(['time', 'level', 'msg', 'service', 'pid', 'hostname']);

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}

/** One pino JSON line as one readable line; a line that is not JSON passes through unchanged. */
export function formatLogLine(line: string, color: boolean): string {
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return line;
    record = parsed as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof record.time === 'string' ? record.time.slice(11, 23) : '';
  const level = typeof record.level === 'string' ? record.level : 'info';
  const label = level.toUpperCase().padEnd(5);
  const head = color ? `${COLORS[level] ?? ''}${label}${RESET}` : label;
  const fields = Object.entries(record)
    .filter(([key, value]) => !SKIPPED.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${formatValue(value)}`);
  const msg = typeof record.msg === 'string' ? record.msg : '';
  return [time, head, msg, ...fields].filter((part) => part !== '').join(' ');
}

/** A stream to hand pino: it writes readable lines to `out`. */
export function prettyStream(out: NodeJS.WritableStream, color: boolean): Writable {
  let partial = '';
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      const text = lines
        .filter((l) => l !== '')
        .map((l) => formatLogLine(l, color) + '\n')
        .join('');
      if (text) out.write(text);
      done();
    },
    final(done) {
      if (partial) out.write(formatLogLine(partial, color) + '\n');
      done();
    },
  });
}
