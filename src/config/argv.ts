/**
 * Command-line flags, parsed like oauth2-proxy's (Go pflag): `--name=value`, `--name value`, bool flags as
 * `--name` or `--name=true|false` (a bool never takes the next argument), list flags repeatable.
 */
import { problem, type ConfigProblem } from './errors.js';
import { FLAGS, META_FLAGS, flagByName } from './flags.js';
import { isUnsupportedOauth2ProxyKey } from './oauth2ProxyUnsupported.js';
import { closestName } from './suggest.js';
import { flagLabel, type RawSettings, type SourceResult } from './settings.js';

export interface MetaFlags {
  readonly help: boolean;
  readonly version: boolean;
  readonly configTest: boolean;
  /** --config PATH, or null when not given on the command line. */
  readonly config: string | null;
}

export interface ArgvResult extends SourceResult {
  readonly meta: MetaFlags;
}

const KNOWN_NAMES = [...FLAGS.map((f) => f.name), ...META_FLAGS.map((m) => m.name)];
const BOOL_WORD = /^(true|false|t|f|1|0|yes|no)$/i;

/** `argv` without the node executable and script (process.argv.slice(2)). */
export function parseArgv(argv: readonly string[]): ArgvResult {
  const settings: RawSettings = new Map();
  const problems: ConfigProblem[] = [];
  const meta = { help: false, version: false, configTest: false, config: null as string | null };
  let previousWasBareBool = '';

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const bareBool = previousWasBareBool;
    previousWasBareBool = '';
    if (arg === '-h') {
      meta.help = true;
      continue;
    }
    if (!arg.startsWith('--') || arg === '--') {
      problems.push(unexpectedArgument(arg, i, bareBool));
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    // A value is the next argument unless that looks like another flag (then the value is missing).
    const takeNext = (): string | undefined => {
      const next = argv[i + 1];
      if (inline !== undefined || next === undefined || next.startsWith('--')) return inline;
      i++;
      return next;
    };

    if (name === 'config') {
      const value = takeNext();
      if (value === undefined) problems.push(missingValue('config'));
      else meta.config = value;
      continue;
    }
    if (name === 'help' || name === 'version' || name === 'config-test') {
      const on = inline === undefined || /^(true|t|1)$/i.test(inline);
      if (name === 'help') meta.help ||= on;
      else if (name === 'version') meta.version ||= on;
      else meta.configTest ||= on;
      continue;
    }

    const flag = flagByName(name);
    if (!flag) {
      problems.push(unknownFlag(name));
      // Swallow the unknown flag's probable value so it is neither reported (it may be a secret) nor misread.
      if (inline === undefined && argv[i + 1] !== undefined && !argv[i + 1]?.startsWith('-')) i++;
      continue;
    }
    if (flag.type === 'bool') {
      if (inline === undefined) previousWasBareBool = name;
      settings.set(name, { value: inline ?? 'true', source: 'flag', origin: flagLabel(name) });
      continue;
    }
    const value = takeNext();
    if (value === undefined) {
      problems.push(missingValue(name));
      continue;
    }
    if (flag.type === 'list') {
      const earlier = settings.get(name)?.value;
      const values = Array.isArray(earlier) ? [...(earlier as string[]), value] : [value];
      settings.set(name, { value: values, source: 'flag', origin: flagLabel(name) });
    } else {
      settings.set(name, { value, source: 'flag', origin: flagLabel(name) }); // last one wins, as in pflag
    }
  }
  return { settings, problems, meta };
}

function unknownFlag(name: string): ConfigProblem {
  if (isUnsupportedOauth2ProxyKey(name.replace(/-/g, '_'))) {
    return problem(
      flagLabel(name),
      'is an oauth2-proxy flag that authgate does not implement',
      'remove it; authgate --help lists the flags authgate supports',
    );
  }
  const suggestion = closestName(name, KNOWN_NAMES);
  return problem(
    flagLabel(name),
    'is not a known flag',
    suggestion ? `did you mean ${flagLabel(suggestion)}?` : 'see authgate --help for the known flags',
  );
}

function missingValue(name: string): ConfigProblem {
  return problem(
    flagLabel(name),
    'needs a value',
    `write ${flagLabel(name)}=VALUE or ${flagLabel(name)} VALUE`,
  );
}

function unexpectedArgument(arg: string, index: number, afterBareBool: string): ConfigProblem {
  if (afterBareBool && BOOL_WORD.test(arg)) {
    return problem(
      flagLabel(afterBareBool),
      `is a true/false flag and does not take the next argument "${arg}"`,
      `write ${flagLabel(afterBareBool)}=${arg}`,
    );
  }
  // The text itself is not echoed: a stray argument may well be a secret that lost its flag.
  return problem(
    `argument ${index + 1}`,
    'is not a flag (authgate takes no positional arguments)',
    'write every setting as --name=value',
  );
}
