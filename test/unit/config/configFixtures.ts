/** Shared inputs for the config tests: a minimal valid flag set and an in-memory readFile. */
import { ConfigError, loadOptions, type ConfigProblem, type LoadResult } from '../../../src/config/load.js';
import type { Options } from '../../../src/config/options.js';

/** base64 (standard alphabet, padded) of 32 random bytes. */
export const COOKIE_SECRET = 'q0Wc7n3hJ2bQ6mY1vT8xZ4kR9sA5dF0gH3jK6lP2oU8=';
export const CLIENT_SECRET = 'dex-client-secret-Zq81x';

export const VALID_ARGV: readonly string[] = [
  '--client-id=dashboard',
  `--client-secret=${CLIENT_SECRET}`,
  `--cookie-secret=${COOKIE_SECRET}`,
  '--oidc-issuer-url=https://dex.example.com',
  '--email-domain=example.com',
];

/** readFile over a map of path -> contents; a missing path throws like fs does (code ENOENT). */
export function memoryFiles(files: Record<string, string>): (path: string) => string {
  return (path) => {
    const text = files[path];
    if (text === undefined)
      throw Object.assign(new Error(`ENOENT: no such file '${path}'`), { code: 'ENOENT' });
    return text;
  };
}

export function load(
  argv: readonly string[],
  env: Record<string, string | undefined> = {},
  files: Record<string, string> = {},
): LoadResult {
  return loadOptions({ argv, env, readFile: memoryFiles(files) });
}

/** Options of a run that must succeed. */
export function optionsOf(
  argv: readonly string[],
  env: Record<string, string | undefined> = {},
  files: Record<string, string> = {},
): Options {
  const result = load(argv, env, files);
  if (!result.options) throw new Error(`expected options, got kind ${result.kind}`);
  return result.options;
}

/** The ConfigError a load must throw. */
export function configErrorOf(
  argv: readonly string[],
  env: Record<string, string | undefined> = {},
  files: Record<string, string> = {},
): ConfigError {
  try {
    load(argv, env, files);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError, but the configuration loaded');
}

export function problemsOf(
  argv: readonly string[],
  env: Record<string, string | undefined> = {},
  files: Record<string, string> = {},
): readonly ConfigProblem[] {
  return configErrorOf(argv, env, files).problems;
}

/** VALID_ARGV without the flags named (so a test can remove a required one). */
export function validArgvWithout(...names: string[]): string[] {
  return VALID_ARGV.filter((arg) => !names.some((n) => arg.startsWith(`--${n}=`)));
}
