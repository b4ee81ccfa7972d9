/** Go-style durations as oauth2-proxy writes them ('168h', '1h30m', '1.5s', '500ms'), or whole seconds. */

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5 micro sign, as Go accepts
  μs: 1e-3, // U+03BC Greek mu, as Go accepts
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

// 'ms' must be tried before 'm' and 's'.
const COMPONENT = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Milliseconds (rounded), or null when `text` is not a non-negative duration. A bare integer is seconds. */
export function parseDuration(text: string): number | null {
  const t = text.trim();
  if (/^\d+$/.test(t)) return checked(Number(t) * 1000);
  if (t === '') return null;
  let totalMs = 0;
  let position = 0;
  while (position < t.length) {
    COMPONENT.lastIndex = position;
    const match = COMPONENT.exec(t);
    if (!match) return null;
    totalMs += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? NaN);
    position = COMPONENT.lastIndex;
  }
  return checked(Math.round(totalMs));
}

function checked(ms: number): number | null {
  return Number.isSafeInteger(ms) ? ms : null;
}

export const DURATION_EXAMPLE = 'e.g. 168h, 15m, 1h30m, 500ms, or whole seconds like 30';
