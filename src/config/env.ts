/**
 * Environment variables: `AUTHGATE_<KEY>` and oauth2-proxy's `OAUTH2_PROXY_<KEY>`, KEY being the upper-cased
 * config key (plural for lists, comma-separated). AUTHGATE_ wins when both are set. Empty values count as
 * unset, as in oauth2-proxy (viper ignores empty environment variables).
 */
import { problem, type ConfigProblem } from './errors.js';
import { FLAGS, type FlagDefinition } from './flags.js';
import { isUnsupportedOauth2ProxyKey } from './oauth2ProxyUnsupported.js';
import { closestName } from './suggest.js';
import type { RawSettings, SourceResult } from './settings.js';

export interface EnvResult extends SourceResult {
  /** AUTHGATE_CONFIG / OAUTH2_PROXY_CONFIG, or null. */
  readonly configPath: string | null;
  /** Unknown OAUTH2_PROXY_* variables: oauth2-proxy deployments carry options authgate does not have. */
  readonly warnings: string[];
}

const PREFIXES = ['AUTHGATE_', 'OAUTH2_PROXY_'] as const;

/**
 * KEY -> flag. Lists also answer to their singular name (OAUTH2_PROXY_UPSTREAM), which older oauth2-proxy
 * deployments use; the plural wins when both are set.
 */
const PRIMARY = new Map<string, FlagDefinition>(FLAGS.map((f) => [f.configKey.toUpperCase(), f]));
const SINGULAR = new Map<string, FlagDefinition>(
  FLAGS.filter((f) => f.type === 'list').map((f) => [f.name.replace(/-/g, '_').toUpperCase(), f]),
);

/**
 * Kubernetes injects "service link" variables for every Service in the namespace: a Service called authgate
 * gives AUTHGATE_PORT=tcp://..., AUTHGATE_SERVICE_HOST, AUTHGATE_PORT_4180_TCP_ADDR ... They are not settings.
 */
const SERVICE_LINK =
  /^(?:[A-Z0-9_]+_)?(?:SERVICE_HOST|SERVICE_PORT(?:_[A-Z0-9_]+)?|PORT(?:_\d+_(?:TCP|UDP|SCTP)(?:_(?:PROTO|PORT|ADDR))?)?)$/;

export function readEnv(env: Readonly<Record<string, string | undefined>>): EnvResult {
  const settings: RawSettings = new Map();
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  let configPath: string | null = null;
  // Rank of the variable currently holding each flag: lower wins (prefix first, then plural before singular).
  const rankOf = new Map<string, number>();
  let configRank = Infinity;

  for (const [variable, value] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    const prefixIndex = PREFIXES.findIndex((p) => variable.startsWith(p));
    const prefix = PREFIXES[prefixIndex];
    if (prefix === undefined || value === undefined || value === '') continue;
    const key = variable.slice(prefix.length);

    if (key === 'CONFIG') {
      if (prefixIndex < configRank) [configPath, configRank] = [value, prefixIndex];
      continue;
    }
    const primary = PRIMARY.get(key);
    const flag = primary ?? SINGULAR.get(key);
    if (flag) {
      const rank = prefixIndex * 2 + (primary ? 0 : 1);
      if (rank < (rankOf.get(flag.name) ?? Infinity)) {
        rankOf.set(flag.name, rank);
        settings.set(flag.name, { value, source: 'env', origin: variable });
      }
      continue;
    }
    if (SERVICE_LINK.test(key)) continue;
    if (prefix === 'OAUTH2_PROXY_') warnings.push(unsupportedWarning(variable, key));
    else problems.push(unknownVariable(variable, key));
  }
  return { settings, problems, warnings, configPath };
}

function suggestionFor(prefix: string, key: string): string | null {
  const match = closestName(key, [...PRIMARY.keys(), 'CONFIG']);
  return match ? `${prefix}${match}` : null;
}

function unsupportedWarning(variable: string, key: string): string {
  if (isUnsupportedOauth2ProxyKey(key.toLowerCase())) {
    return `${variable} is not supported by authgate, ignored`;
  }
  const suggestion = suggestionFor('OAUTH2_PROXY_', key);
  return `${variable} is not supported by authgate, ignored${suggestion ? ` (did you mean ${suggestion}?)` : ''}`;
}

function unknownVariable(variable: string, key: string): ConfigProblem {
  const suggestion = suggestionFor('AUTHGATE_', key);
  return problem(
    variable,
    'is not a known authgate setting',
    suggestion ? `did you mean ${suggestion}?` : 'AUTHGATE_<KEY> takes the keys that authgate --help lists',
  );
}
