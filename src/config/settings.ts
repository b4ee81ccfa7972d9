/** What each configuration source hands over: raw values keyed by flag name, before type coercion. */
import type { ConfigProblem } from './errors.js';

export type SettingSource = 'flag' | 'env' | 'file' | 'default';

export interface RawSetting {
  /** A string (argv, env), string[] (repeated list flags), or whatever YAML/TOML parsed. */
  readonly value: unknown;
  readonly source: SettingSource;
  /** Where it was written, for messages: `--upstream`, `OAUTH2_PROXY_UPSTREAMS`, `upstreams in /etc/a.cfg`. */
  readonly origin: string;
}

/** Keyed by flag name (`cookie-secret`). */
export type RawSettings = Map<string, RawSetting>;

export interface SourceResult {
  readonly settings: RawSettings;
  readonly problems: ConfigProblem[];
}

/** `--name` as the user types it: how problems name a flag. */
export const flagLabel = (name: string): string => `--${name}`;
