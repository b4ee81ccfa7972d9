/**
 * The --config file. `.yaml`/`.yml`: YAML, whose keys may be the TOML-style snake_case key or the kebab flag
 * name. Anything else: oauth2-proxy's own TOML format (snake_case keys, plural keys for lists), so an existing
 * oauth2-proxy.cfg loads unchanged. Parser messages are reduced to a position: their snippets could show secrets.
 */
import { lazyModule } from '../lazyModule.js';

/** Parsers are loaded only when a --config file is given. */
const yaml = lazyModule<typeof import('yaml')>('yaml');
const toml = lazyModule<typeof import('smol-toml')>('smol-toml');
import { problem, type ConfigProblem } from './errors.js';
import { FLAGS, type FlagDefinition } from './flags.js';
import { isUnsupportedOauth2ProxyKey } from './oauth2ProxyUnsupported.js';
import { closestName } from './suggest.js';
import type { RawSettings, SourceResult } from './settings.js';

export type ConfigFileFormat = 'yaml' | 'toml';

export function configFileFormat(path: string): ConfigFileFormat {
  return /\.ya?ml$/i.test(path) ? 'yaml' : 'toml';
}

const BY_CONFIG_KEY = new Map(FLAGS.map((f) => [f.configKey, f]));

function flagForKey(key: string, format: ConfigFileFormat): FlagDefinition | undefined {
  const exact = BY_CONFIG_KEY.get(key);
  if (exact || format === 'toml') return exact;
  // YAML also takes `email-domain` (the flag) and `email-domains` (the config key, kebab-cased).
  return FLAGS.find((f) => f.name === key) ?? BY_CONFIG_KEY.get(key.replace(/-/g, '_'));
}

export function parseConfigFile(path: string, text: string): SourceResult {
  const format = configFileFormat(path);
  const parsed = format === 'yaml' ? parseYaml(path, text) : parseTomlText(path, text);
  if ('problem' in parsed) return { settings: new Map(), problems: [parsed.problem] };

  const settings: RawSettings = new Map();
  const problems: ConfigProblem[] = [];
  const keyOf = new Map<string, string>();
  for (const [key, value] of Object.entries(parsed.table)) {
    const flag = flagForKey(key, format);
    if (!flag) {
      problems.push(unknownKey(key, path, format));
      continue;
    }
    if (value === null || value === undefined) continue; // YAML `key:` with nothing: not set
    const earlier = keyOf.get(flag.name);
    if (earlier !== undefined) {
      problems.push(
        problem(
          key,
          `sets --${flag.name} a second time in ${path} (also as ${earlier})`,
          `keep only one of them`,
        ),
      );
      continue;
    }
    keyOf.set(flag.name, key);
    settings.set(flag.name, { value, source: 'file', origin: `${key} in ${path}` });
  }
  return { settings, problems };
}

type Parsed = { table: Record<string, unknown> } | { problem: ConfigProblem };

function parseYaml(path: string, text: string): Parsed {
  const doc = yaml().parseDocument(text);
  const first = doc.errors[0];
  if (first) {
    const at = first.linePos?.[0];
    const where = at ? ` at line ${at.line}, column ${at.col}` : '';
    return { problem: syntaxProblem(path, `is not valid YAML${where} (${first.code})`) };
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return { table: {} };
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { problem: syntaxProblem(path, 'must be a YAML mapping of setting names to values') };
  }
  return { table: value as Record<string, unknown> };
}

function parseTomlText(path: string, text: string): Parsed {
  try {
    return { table: toml().parse(text) };
  } catch (err) {
    const where = err instanceof toml().TomlError ? ` at line ${err.line}, column ${err.column}` : '';
    return { problem: syntaxProblem(path, `is not valid TOML${where}`) };
  }
}

function syntaxProblem(path: string, message: string): ConfigProblem {
  return problem(
    '--config',
    `${path} ${message}`,
    'correct the file; only the position is shown, never its text',
  );
}

function unknownKey(key: string, path: string, format: ConfigFileFormat): ConfigProblem {
  if (key === 'config') {
    return problem(key, `cannot be set inside the config file ${path}`, 'pass --config on the command line');
  }
  if (isUnsupportedOauth2ProxyKey(key.replace(/-/g, '_'))) {
    return problem(
      key,
      `in ${path} is an oauth2-proxy option that authgate does not implement`,
      'remove it; authgate --help lists the supported settings',
    );
  }
  // Suggest in the style the user writes: kebab flag names or snake_case keys.
  const candidates =
    format === 'yaml' && key.includes('-') ? FLAGS.map((f) => f.name) : FLAGS.map((f) => f.configKey);
  const suggestion = closestName(key, candidates);
  return problem(
    key,
    `in ${path} is not a known setting`,
    suggestion
      ? `did you mean ${suggestion}?`
      : 'authgate --help lists the settings; file keys are snake_case',
  );
}
