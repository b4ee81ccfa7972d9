/** Small validation helpers shared by the option builders: each reports into a problem list and returns a value. */
import { problem, type ConfigProblem } from './errors.js';
import { show } from './coerce.js';
import { isHttpUrl, isToken } from './network.js';
import type { ResolvedValues } from './resolve.js';
import { flagLabel } from './settings.js';

export class Checker {
  readonly problems: ConfigProblem[] = [];
  constructor(readonly values: ResolvedValues) {}

  report(name: string, message: string, fix: string): void {
    this.problems.push(problem(flagLabel(name), message, fix));
  }

  /** The flag's value normalized by `normalize`, if allowed; otherwise reported and `fallback`. */
  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T, normalize = (s: string) => s): T {
    const raw = this.values.str(name);
    const value = normalize(raw);
    if ((allowed as readonly string[]).includes(value)) return value as T;
    const choices = allowed.map((a) => (a === '' ? '""' : a)).join(', ');
    this.report(name, `${show(raw)} is not one of ${choices}`, `set ${flagLabel(name)} to one of ${choices}`);
    return fallback;
  }

  /** '' stays '' (not set); anything else must be an absolute http(s) URL. */
  optionalHttpUrl(name: string): string {
    const value = this.values.str(name);
    if (value !== '' && !isHttpUrl(value)) {
      this.report(name, `${show(value)} is not an absolute http(s) URL`, 'write it as https://host/path');
    }
    return value;
  }

  /** A header name (RFC 9110 token); `optional` lets '' mean "off". */
  headerName(name: string, optional = false): string {
    const value = this.values.str(name);
    if ((value !== '' || !optional) && !isToken(value)) {
      this.report(
        name,
        `${show(value)} is not a valid header name`,
        'use letters, digits and -, e.g. X-Request-Id',
      );
    }
    return value;
  }

  /** A path that must start with '/'. */
  path(name: string): string {
    const value = this.values.str(name);
    if (!value.startsWith('/')) this.report(name, `${show(value)} does not start with /`, `e.g. /${value}`);
    return value;
  }

  /** A duration that must be above zero (a zero timeout or lifetime would break every request). */
  positiveDuration(name: string): number {
    const ms = this.values.num(name);
    if (ms <= 0) this.report(name, 'must be longer than 0', 'give a duration such as 30s or 15m');
    return ms;
  }
}
