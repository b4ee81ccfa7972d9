/**
 * Turns one raw setting into its flag's type. Strings from argv and env are parsed; YAML/TOML values may
 * already be typed. Secret values are never echoed in problems; other values are, shortened and with any
 * `user:password@` in a URL masked.
 */
import { problem, type ConfigProblem } from './errors.js';
import { DURATION_EXAMPLE, parseDuration } from './duration.js';
import type { FlagDefinition } from './flags.js';
import { flagLabel, type RawSetting } from './settings.js';

/** string, bool, int (as number), duration (milliseconds), list (string[]), secret (string). */
export type FlagValue = string | boolean | number | readonly string[];
export type Coerced =
  { readonly ok: true; readonly value: FlagValue } | { readonly ok: false; readonly problem: ConfigProblem };

// Go's strconv.ParseBool, which oauth2-proxy uses.
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

export function coerceSetting(flag: FlagDefinition, setting: RawSetting): Coerced {
  const { value } = setting;
  const fail = (message: string, fix: string): Coerced => ({
    ok: false,
    problem: problem(flagLabel(flag.name), `${message}${fromWhere(setting)}`, fix),
  });
  const shown = flag.type === 'secret' ? 'the value' : show(value);

  switch (flag.type) {
    case 'secret':
      return typeof value === 'string'
        ? ok(value)
        : fail('must be a string', 'quote the value in the config file');
    case 'string':
      if (typeof value === 'string') return ok(value);
      if (typeof value === 'number') return ok(String(value));
      return fail(`${shown} is not a string`, 'give a plain string value');
    case 'bool':
      if (typeof value === 'boolean') return ok(value);
      if (typeof value === 'string' && TRUE.has(value)) return ok(true);
      if (typeof value === 'string' && FALSE.has(value)) return ok(false);
      return fail(`${shown} is not true or false`, `write ${flagLabel(flag.name)}=true or =false`);
    case 'int': {
      const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
      if (typeof n === 'number' && Number.isSafeInteger(n)) return ok(n);
      return fail(`${shown} is not a whole number`, 'give digits only, e.g. 10');
    }
    case 'duration': {
      const ms =
        typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
          ? value * 1000
          : typeof value === 'string'
            ? parseDuration(value)
            : null;
      if (ms !== null) return ok(ms);
      return fail(`${shown} is not a duration`, `write a duration, ${DURATION_EXAMPLE}`);
    }
    case 'list': {
      const items = Array.isArray(value) ? (value as unknown[]) : [value];
      if (!items.every((v) => typeof v === 'string' || typeof v === 'number')) {
        return fail(`${shown} is not a list of strings`, 'give a list of strings, e.g. ["a", "b"]');
      }
      // Environment lists are always comma-separated (oauth2-proxy); flags and files only where allowed.
      const split = setting.source === 'env' || flag.commaSeparated;
      const strings = items.map(String);
      return ok(split ? strings.flatMap(splitCommas) : strings);
    }
  }
}

function ok(value: FlagValue): Coerced {
  return { ok: true, value };
}

export function splitCommas(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function fromWhere(setting: RawSetting): string {
  return setting.source === 'flag' || setting.source === 'default' ? '' : ` (set by ${setting.origin})`;
}

/** A non-secret value for a message: strings quoted, at most 80 characters, URL credentials masked. */
export function show(value: unknown): string {
  const isString = typeof value === 'string';
  const text = isString ? value : (JSON.stringify(value) ?? String(value));
  const masked = text.replace(/\/\/[^/@\s]*@/g, '//***@');
  const short = masked.length > 80 ? `${masked.slice(0, 77)}...` : masked;
  return isString ? JSON.stringify(short) : short;
}
