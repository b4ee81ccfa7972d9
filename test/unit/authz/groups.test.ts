import { describe, expect, it } from '@jest/globals';
import { claimToGroups, isGroupAllowed, readClaimPath } from '../../../src/authz/groups.js';

describe('isGroupAllowed', () => {
  it.each([
    [['a', 'b'], [], true],
    [[], [], true],
    [[], ['admins'], false],
    [['devs'], ['admins'], false],
    [['devs', 'admins'], ['admins'], true],
    [['devs'], ['admins', 'devs'], true],
    [['Admins'], ['admins'], false],
    [['admins '], ['admins'], false],
  ] as const)('%j allowed by %j -> %s', (groups, allowed, expected) => {
    expect(isGroupAllowed(groups, allowed)).toBe(expected);
  });
});

describe('readClaimPath', () => {
  const claims: Record<string, unknown> = {
    groups: ['g1'],
    realm_access: { roles: ['r1', 'r2'] },
    'https://example.com/groups': ['ns'],
    'a.b': 'literal',
    a: { b: 'nested', c: { d: 'deep' }, 'x.y': 'dotted child' },
    arr: [{ name: 'x' }],
    nil: null,
  };
  it.each([
    ['groups', ['g1']],
    ['realm_access.roles', ['r1', 'r2']],
    ['https://example.com/groups', ['ns']],
    ['a.b', 'literal'],
    ['a.c.d', 'deep'],
    ['a.x.y', 'dotted child'],
    ['nil', null],
    ['missing', undefined],
    ['realm_access.missing', undefined],
    ['groups.length', undefined],
    ['arr.0.name', undefined],
    ['__proto__', undefined],
    ['constructor', undefined],
    ['a.__proto__.toString', undefined],
    ['', undefined],
  ])('%j -> %j', (path, expected) => {
    expect(readClaimPath(claims, path)).toEqual(expected);
  });
});

describe('claimToGroups', () => {
  it.each([
    ['admins', ['admins']],
    ['', []],
    [
      ['a', 'b'],
      ['a', 'b'],
    ],
    [[], []],
    [null, []],
    [undefined, []],
    [42, null],
    [true, null],
    [{ a: 1 }, null],
    [['a', 1], null],
    [['a', null], null],
    [[['nested']], null],
  ])('%j -> %j', (value, expected) => {
    expect(claimToGroups(value)).toEqual(expected);
  });

  it('returns a copy, not the claim array itself', () => {
    const claim = ['a'];
    const groups = claimToGroups(claim);
    expect(groups).toEqual(['a']);
    expect(groups).not.toBe(claim);
  });
});
