/**
 * Precedence: for every flag the first source that set it wins (flag > env > config file), else its default.
 * Each winning value is coerced to the flag's type; a bad value is reported and the default stands in, so
 * later checks still run and every problem is collected in one pass.
 */
import type { ConfigProblem } from './errors.js';
import { coerceSetting, type FlagValue } from './coerce.js';
import { FLAGS, flagByName, type FlagType } from './flags.js';
import type { RawSettings, SettingSource } from './settings.js';

export interface ResolvedValues {
  str(name: string): string;
  bool(name: string): boolean;
  /** Durations in milliseconds, ints as given. */
  num(name: string): number;
  list(name: string): readonly string[];
  /** Where the winning value came from ('default' when nothing set it). */
  sourceOf(name: string): SettingSource;
}

export function resolveValues(sourcesByPrecedence: readonly RawSettings[]): {
  values: ResolvedValues;
  problems: ConfigProblem[];
} {
  const problems: ConfigProblem[] = [];
  const values = new Map<string, FlagValue>();
  const sources = new Map<string, SettingSource>();

  for (const flag of FLAGS) {
    const fallback = coerceSetting(flag, { value: flag.default, source: 'default', origin: 'default' });
    if (!fallback.ok) throw new Error(`authgate bug: the default of --${flag.name} does not parse`);
    const setting = sourcesByPrecedence.map((s) => s.get(flag.name)).find((s) => s !== undefined);
    const coerced = setting ? coerceSetting(flag, setting) : fallback;
    if (coerced.ok) {
      values.set(flag.name, coerced.value);
      sources.set(flag.name, setting?.source ?? 'default');
    } else {
      problems.push(coerced.problem);
      values.set(flag.name, fallback.value);
      sources.set(flag.name, 'default');
    }
  }

  // Typed access; asking for the wrong type is a programming error, not a configuration problem.
  const get = (name: string, types: readonly FlagType[]): FlagValue => {
    const flag = flagByName(name);
    const value = values.get(name);
    if (!flag || value === undefined || !types.includes(flag.type)) {
      throw new Error(`authgate bug: --${name} read as ${types.join('/')}`);
    }
    return value;
  };
  return {
    problems,
    values: {
      str: (name) => get(name, ['string', 'secret']) as string,
      bool: (name) => get(name, ['bool']) as boolean,
      num: (name) => get(name, ['int', 'duration']) as number,
      list: (name) => get(name, ['list']) as readonly string[],
      sourceOf: (name) => sources.get(name) ?? 'default',
    },
  };
}
