import { describe, expect, it } from '@jest/globals';
import { parseDuration } from '../../../src/config/duration.js';
import { configErrorOf, optionsOf, VALID_ARGV } from './configFixtures.js';

describe('parseDuration', () => {
  it.each([
    ['168h', 168 * 3_600_000],
    ['15m', 900_000],
    ['30s', 30_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1.5s', 1500],
    ['2h45m30s', (2 * 3600 + 45 * 60 + 30) * 1000],
    ['1500us', 2], // 1.5 ms, rounded
    ['30', 30_000], // plain integer: seconds
    ['0', 0],
    ['0s', 0],
  ])('%s -> %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'h', '10x', '1h 30m', '-5s', '1d', 'ten', '5 s', 's10', '1e3s'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });
});

describe('duration flags', () => {
  it('fills Options in milliseconds from Go-style values', () => {
    const options = optionsOf([
      ...VALID_ARGV,
      '--cookie-expire=12h',
      '--cookie-refresh=1h',
      '--upstream-timeout=90',
    ]);
    expect(options.cookieExpire).toBe(12 * 3_600_000);
    expect(options.cookieRefresh).toBe(3_600_000);
    expect(options.upstreamTimeout).toBe(90_000);
    expect(options.flushInterval).toBe(1000);
    expect(options.cookieCsrfExpire).toBe(15 * 60_000);
  });

  it('names the flag and gives an example for a malformed duration', () => {
    const err = configErrorOf([...VALID_ARGV, '--cookie-expire=7days']);
    expect(err.problems).toEqual([
      { flag: '--cookie-expire', message: '"7days" is not a duration', fix: expect.stringContaining('168h') },
    ]);
  });

  it('says where a malformed environment duration came from', () => {
    const err = configErrorOf(VALID_ARGV, { OAUTH2_PROXY_PROVIDER_TIMEOUT: 'soon' });
    expect(err.problems[0]?.message).toBe('"soon" is not a duration (set by OAUTH2_PROXY_PROVIDER_TIMEOUT)');
  });

  it('refuses a zero lifetime and a refresh interval not shorter than the session', () => {
    const flags = problemsFlags([
      ...VALID_ARGV,
      '--cookie-csrf-expire=0',
      '--cookie-expire=1h',
      '--cookie-refresh=2h',
    ]);
    expect(flags).toEqual(['--cookie-refresh', '--cookie-csrf-expire']);
  });
});

function problemsFlags(argv: string[]): string[] {
  return configErrorOf(argv).problems.map((p) => p.flag);
}
