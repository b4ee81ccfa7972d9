/**
 * The configuration loader: argv + environment + config file -> one validated, deeply frozen Options.
 * It is the only code that looks at argv and the environment, and both are passed in, so it stays pure
 * (apart from `readFile`) and synchronous.
 */
import { readFileSync } from 'node:fs';
import { parseArgv } from './argv.js';
import { buildOptions } from './buildOptions.js';
import type { ReadFile } from './buildSecrets.js';
import { parseConfigFile } from './configFile.js';
import { readEnv } from './env.js';
import { ConfigError, problem, type ConfigProblem } from './errors.js';
import { deepFreeze } from './freeze.js';
import type { Options } from './options.js';
import { resolveValues } from './resolve.js';
import type { RawSettings } from './settings.js';

export { ConfigError, formatConfigError, type ConfigProblem } from './errors.js';
export { renderHelp } from './flags.js';

export interface LoadInput {
  /** Arguments after the script: process.argv.slice(2). */
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads --config, --client-secret-file and --cookie-secret-file; default fs.readFileSync(path, 'utf8'). */
  readonly readFile?: ReadFile;
}

export type LoadKind = 'run' | 'help' | 'version' | 'config-test';

export interface LoadResult {
  readonly kind: LoadKind;
  /** null for help and version, which need no valid configuration. */
  readonly options: Options | null;
  /** Things worth telling the operator that do not stop the start (ignored OAUTH2_PROXY_* variables). */
  readonly warnings: readonly string[];
}

const defaultReadFile: ReadFile = (path) => readFileSync(path, 'utf8');

/** Throws ConfigError listing every problem found; otherwise returns frozen Options (for run and config-test). */
export function loadOptions(input: LoadInput): LoadResult {
  const readFile = input.readFile ?? defaultReadFile;
  const args = parseArgv(input.argv);
  const env = readEnv(input.env);
  const warnings = Object.freeze([...env.warnings]);

  // Help and version must work even with a broken configuration: nothing else is checked.
  if (args.meta.help) return { kind: 'help', options: null, warnings };
  if (args.meta.version) return { kind: 'version', options: null, warnings };

  const problems: ConfigProblem[] = [...args.problems, ...env.problems];
  const configPath = args.meta.config ?? env.configPath;
  let fileSettings: RawSettings = new Map();
  if (configPath !== null) {
    const text = readConfigFile(configPath, readFile, problems);
    if (text !== null) {
      const file = parseConfigFile(configPath, text);
      fileSettings = file.settings;
      problems.push(...file.problems);
    }
  }

  const resolved = resolveValues([args.settings, env.settings, fileSettings]);
  problems.push(...resolved.problems);
  const built = buildOptions(resolved.values, readFile);
  // A value that did not even parse was replaced by its default; checks of that default would only add noise.
  const unparsed = new Set(resolved.problems.map((p) => p.flag));
  problems.push(...built.problems.filter((p) => !unparsed.has(p.flag)));
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    kind: args.meta.configTest ? 'config-test' : 'run',
    options: deepFreeze(built.options),
    warnings,
  };
}

function readConfigFile(path: string, readFile: ReadFile, problems: ConfigProblem[]): string | null {
  try {
    return readFile(path);
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    problems.push(
      problem(
        '--config',
        `cannot read ${path} (${typeof code === 'string' ? code : 'unreadable'})`,
        'check the path',
      ),
    );
    return null;
  }
}
