/**
 * The one declarative table of authgate's flags. Everything else derives from it: argv, environment and
 * config-file parsing, `--help`, and which Options field a value fills. Names, config keys and meanings
 * follow oauth2-proxy so an existing deployment's flags, OAUTH2_PROXY_* variables and TOML file keep working.
 */
import type { Options } from './options.js';
import { FLAG_GROUPS, FLAGS } from './flagTable.js';

export { FLAGS, FLAG_GROUPS } from './flagTable.js';

export type FlagType = 'string' | 'bool' | 'int' | 'duration' | 'list' | 'secret';
export type FlagGroup =
  | 'Server'
  | 'Provider'
  | 'Authorization'
  | 'Cookie'
  | 'Headers'
  | 'Routing'
  | 'Sessions'
  | 'Kubernetes'
  | 'Logging';
/** A default as written on the command line: durations stay Go-style strings ('168h') so --help shows them. */
export type FlagDefault = string | boolean | number | readonly string[];

export interface FlagDefinition {
  /** Kebab-case flag name without dashes, e.g. `cookie-secret`. */
  readonly name: string;
  readonly type: FlagType;
  readonly default: FlagDefault;
  readonly group: FlagGroup;
  readonly help: string;
  /** The Options field this flag fills (several flags may fill one field, e.g. client-secret and its -file). */
  readonly field: keyof Options;
  /** Config-file key and, upper-cased, the environment key: snake_case, oauth2-proxy's plural for lists. */
  readonly configKey: string;
  /** Lists only: one value may carry several comma-separated entries (never for regexes or URLs). */
  readonly commaSeparated: boolean;
}

/** Flags the loader itself acts on; reported in LoadResult.kind, never in Options. */
export const META_FLAGS: readonly {
  readonly name: string;
  readonly takesValue: boolean;
  readonly help: string;
}[] = [
  {
    name: 'config',
    takesValue: true,
    help: 'Config file: .yaml/.yml as YAML, anything else as oauth2-proxy TOML',
  },
  { name: 'config-test', takesValue: false, help: 'Validate the configuration, then exit' },
  { name: 'help', takesValue: false, help: 'Show this help, then exit (also -h)' },
  { name: 'version', takesValue: false, help: 'Print the version, then exit' },
];

const BY_NAME = new Map(FLAGS.map((f) => [f.name, f]));

export function flagByName(name: string): FlagDefinition | undefined {
  return BY_NAME.get(name);
}

const TYPE_LABEL: Record<FlagType, string> = {
  string: 'string',
  secret: 'string',
  bool: '',
  int: 'int',
  duration: 'duration',
  list: 'strings',
};

function defaultLabel(flag: FlagDefinition): string {
  const d = flag.default;
  // As Go's pflag does: zero values (false, '', []) are not shown.
  if (d === false || d === '' || (Array.isArray(d) && d.length === 0)) return '';
  return typeof d === 'string' && flag.type !== 'duration' ? ` (default "${d}")` : ` (default ${String(d)})`;
}

/** `authgate --help`: every flag grouped, with its type, default and, for lists, the file/env key. */
export function renderHelp(): string {
  const rows: { group: string; left: string; right: string }[] = [
    ...META_FLAGS.map((m) => ({
      group: 'General',
      left: `--${m.name}${m.takesValue ? ' path' : ''}`,
      right: m.help,
    })),
    ...FLAGS.map((f) => ({
      group: f.group,
      left: `--${f.name}${TYPE_LABEL[f.type] ? ` ${TYPE_LABEL[f.type]}` : ''}`,
      right: `${f.help}${defaultLabel(f)}${f.type === 'list' ? ` [key: ${f.configKey}]` : ''}`,
    })),
  ];
  const width = Math.max(...rows.map((r) => r.left.length)) + 2;
  const sections = ['General', ...FLAG_GROUPS].map((g) => {
    const lines = rows.filter((r) => r.group === g).map((r) => `  ${r.left.padEnd(width)}${r.right}`);
    return `${g}:\n${lines.join('\n')}`;
  });
  return [
    'Usage: authgate [flags]',
    '',
    'An OAuth2/OIDC authenticating reverse proxy with oauth2-proxy compatible flags.',
    'Every flag can also be set as the environment variable AUTHGATE_<KEY> or OAUTH2_PROXY_<KEY>, or as <key>',
    'in the --config file, where the key is the flag name with _ for - (lists: the [key] shown; environment',
    'lists are comma-separated). Precedence: flag > environment > config file > default.',
    'true/false flags: --name or --name=false. Durations: 168h, 15m, 1h30m, 500ms, or seconds.',
    '',
    sections.join('\n\n'),
    '',
  ].join('\n');
}
