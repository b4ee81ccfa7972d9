/** The one error a bad configuration produces: every problem found, each with the fix. */
import { AuthgateError } from '../errors.js';

export interface ConfigProblem {
  /** The setting as the user wrote it: `--cookie-secret`, `OAUTH2_PROXY_FOO`, or a config-file key. */
  readonly flag: string;
  /** What is wrong. Never contains a secret value. */
  readonly message: string;
  /** What to do about it. */
  readonly fix: string;
}

export class ConfigError extends AuthgateError {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[]) {
    super('ERR_CONFIG', [headline(problems.length), ...problems.map(oneLine)].join('\n'));
    this.problems = Object.freeze([...problems]);
  }
}

export function problem(flag: string, message: string, fix: string): ConfigProblem {
  return { flag, message, fix };
}

function headline(count: number): string {
  return `the configuration has ${count} problem${count === 1 ? '' : 's'}:`;
}

function oneLine(p: ConfigProblem): string {
  return `- ${p.flag}: ${p.message} (fix: ${p.fix})`;
}

/** The CLI's rendering: a header, then one indented block per problem. */
export function formatConfigError(err: ConfigError): string {
  const blocks = err.problems.map((p) => `  ${p.flag}\n    problem: ${p.message}\n    fix:     ${p.fix}`);
  return [`authgate: ${headline(err.problems.length)}`, ...blocks].join('\n\n') + '\n';
}
