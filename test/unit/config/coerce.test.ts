import { describe, expect, it } from '@jest/globals';
import { coerceSetting, show } from '../../../src/config/coerce.js';
import type { FlagDefinition, FlagType } from '../../../src/config/flags.js';
import type { SettingSource } from '../../../src/config/settings.js';

function flagOf(type: FlagType, commaSeparated = false): FlagDefinition {
  return {
    name: 'x-flag',
    type,
    default: '',
    group: 'Server',
    help: '',
    field: 'clientId',
    configKey: 'x_flag',
    commaSeparated,
  };
}
const from = (value: unknown, source: SettingSource = 'flag') => ({ value, source, origin: 'X_FLAG' });

describe('coerceSetting', () => {
  it('int: numbers and digit strings, nothing else', () => {
    expect(coerceSetting(flagOf('int'), from('42'))).toEqual({ ok: true, value: 42 });
    expect(coerceSetting(flagOf('int'), from(7, 'file'))).toEqual({ ok: true, value: 7 });
    const bad = coerceSetting(flagOf('int'), from('4.5'));
    expect(bad.ok ? null : bad.problem).toEqual({
      flag: '--x-flag',
      message: '"4.5" is not a whole number',
      fix: expect.any(String),
    });
  });

  it('bool: the words Go accepts', () => {
    for (const word of ['1', 't', 'TRUE', 'True'])
      expect(coerceSetting(flagOf('bool'), from(word))).toEqual({ ok: true, value: true });
    for (const word of ['0', 'f', 'FALSE', 'false'])
      expect(coerceSetting(flagOf('bool'), from(word))).toEqual({ ok: true, value: false });
    expect(coerceSetting(flagOf('bool'), from('yes')).ok).toBe(false);
  });

  it('lists: env values split on commas always, others only for comma lists', () => {
    expect(coerceSetting(flagOf('list'), from('a,b', 'env'))).toEqual({ ok: true, value: ['a', 'b'] });
    expect(coerceSetting(flagOf('list'), from(['a,b'], 'flag'))).toEqual({ ok: true, value: ['a,b'] });
    expect(coerceSetting(flagOf('list', true), from(['a, b', 'c'], 'flag'))).toEqual({
      ok: true,
      value: ['a', 'b', 'c'],
    });
    expect(coerceSetting(flagOf('list'), from('single', 'file'))).toEqual({ ok: true, value: ['single'] });
  });

  it('secrets are never shown, even when of the wrong type', () => {
    const bad = coerceSetting(flagOf('secret'), from(1234567, 'file'));
    expect(bad.ok ? '' : bad.problem.message).toBe('must be a string (set by X_FLAG)');
  });
});

describe('show', () => {
  it('quotes strings, shortens long ones and masks URL credentials', () => {
    expect(show('abc')).toBe('"abc"');
    expect(show(['a', 1])).toBe('["a",1]');
    expect(show('https://user:pw@host/x')).toBe('"https://***@host/x"');
    expect(show('y'.repeat(200))).toBe(`"${'y'.repeat(77)}..."`);
  });
});
