/** Builders for the flag table: each flag in one line, with oauth2-proxy's key conventions applied. */
import type { Options } from './options.js';
import type { FlagDefinition, FlagGroup } from './flags.js';

export type Spec = Omit<FlagDefinition, 'group' | 'configKey' | 'commaSeparated'> & {
  configKey?: string;
  commaSeparated?: boolean;
};

export const snake = (name: string): string => name.replace(/-/g, '_');

export function group(name: FlagGroup, specs: readonly Spec[]): FlagDefinition[] {
  return specs.map((s) => ({
    ...s,
    group: name,
    configKey: s.configKey ?? snake(s.name),
    commaSeparated: s.commaSeparated ?? false,
  }));
}

export const str = (name: string, def: string, field: keyof Options, help: string): Spec => ({
  name,
  type: 'string',
  default: def,
  field,
  help,
});
export const secret = (name: string, field: keyof Options, help: string): Spec => ({
  name,
  type: 'secret',
  default: '',
  field,
  help,
});
export const bool = (name: string, def: boolean, field: keyof Options, help: string): Spec => ({
  name,
  type: 'bool',
  default: def,
  field,
  help,
});
/** Durations: Go-style ('168h', '1h30m', '500ms') or whole seconds. */
export const dur = (name: string, def: string, field: keyof Options, help: string): Spec => ({
  name,
  type: 'duration',
  default: def,
  field,
  help,
});
/** A repeatable flag whose file/env key is oauth2-proxy's plural (`upstream` -> `upstreams`). */
export const list = (name: string, field: keyof Options, help: string): Spec => ({
  name,
  type: 'list',
  default: [],
  field,
  help: `${help} (repeatable)`,
  configKey: `${snake(name)}s`,
});
/** A list whose single value may also hold comma-separated entries, where oauth2-proxy allows it. */
export const csv = (name: string, field: keyof Options, help: string): Spec => ({
  ...list(name, field, help),
  commaSeparated: true,
});

/** oauth2-proxy's Redis list flags are plural in the flag name too, and split on commas. */
export const urls = (name: string, field: keyof Options, help: string): Spec => ({
  ...csv(name, field, help),
  configKey: snake(name),
});
