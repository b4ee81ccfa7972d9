import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { joinChunks, splitIntoChunks, staleChunkNames } from '../../../src/session/chunks.js';

function toMap(pairs: Array<{ name: string; value: string }>): Map<string, string> {
  return new Map(pairs.map((pair) => [pair.name, pair.value]));
}

describe('splitIntoChunks', () => {
  it('stores a value that fits under the bare name', () => {
    expect(splitIntoChunks('s', 'abc', 10)).toEqual([{ name: 's', value: 'abc' }]);
    expect(splitIntoChunks('s', 'x'.repeat(8), 10)).toEqual([{ name: 's', value: 'x'.repeat(8) }]);
  });

  it('splits a larger value into _0, _1, ... each within the limit', () => {
    const value = 'abcdefghijklmnopqrstuvwxyz'.repeat(400);
    const chunks = splitIntoChunks('_oauth2_proxy', value, 4000);
    expect(chunks.map((chunk) => chunk.name)).toEqual([
      '_oauth2_proxy_0',
      '_oauth2_proxy_1',
      '_oauth2_proxy_2',
    ]);
    for (const chunk of chunks) expect(chunk.name.length + 1 + chunk.value.length).toBeLessThanOrEqual(4000);
    expect(chunks.map((chunk) => chunk.value).join('')).toBe(value);
  });

  it('refuses non-ASCII values and names that leave no room', () => {
    expect(() => splitIntoChunks('s', 'é'.repeat(10), 5)).toThrow(
      expect.objectContaining({ code: 'cookie_invalid' }),
    );
    expect(() => splitIntoChunks('long_name', 'x'.repeat(100), 10)).toThrow();
  });

  it('round-trips through joinChunks for any ASCII value and limit', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'abcXYZ019-_*~.'), maxLength: 3000 }),
        fc.integer({ min: 20, max: 500 }),
        (value, max) => {
          fc.pre(value.length > 0);
          expect(joinChunks(toMap(splitIntoChunks('s', value, max)), 's')).toBe(value);
        },
      ),
    );
  });
});

describe('joinChunks', () => {
  it('prefers a non-empty bare cookie', () => {
    expect(
      joinChunks(
        new Map([
          ['s', 'whole'],
          ['s_0', 'part'],
        ]),
        's',
      ),
    ).toBe('whole');
  });

  it('joins chunks in index order, whatever order they arrived in', () => {
    const cookies = new Map([
      ['s_2', 'c'],
      ['s_0', 'a'],
      ['other', 'z'],
      ['s_1', 'b'],
    ]);
    expect(joinChunks(cookies, 's')).toBe('abc');
  });

  it('answers null for a missing middle chunk, a missing first chunk or an empty chunk', () => {
    expect(
      joinChunks(
        new Map([
          ['s_0', 'a'],
          ['s_2', 'c'],
        ]),
        's',
      ),
    ).toBeNull();
    expect(joinChunks(new Map([['s_1', 'b']]), 's')).toBeNull();
    expect(
      joinChunks(
        new Map([
          ['s_0', 'a'],
          ['s_1', ''],
        ]),
        's',
      ),
    ).toBeNull();
  });

  it('answers null when the family is absent, and ignores look-alike names', () => {
    expect(joinChunks(new Map(), 's')).toBeNull();
    expect(joinChunks(new Map([['s', '']]), 's')).toBeNull();
    expect(
      joinChunks(
        new Map([
          ['s_csrf', 'x'],
          ['s_01', 'y'],
          ['ss_0', 'z'],
        ]),
        's',
      ),
    ).toBeNull();
  });
});

describe('staleChunkNames', () => {
  it('lists every family cookie the new write does not overwrite', () => {
    const cookies = new Map([
      ['s_0', 'a'],
      ['s_1', 'b'],
      ['s_2', 'c'],
      ['s_csrf_abc', 'x'],
      ['theme', 'dark'],
    ]);
    expect(staleChunkNames(cookies, 's', ['s'])).toEqual(['s_0', 's_1', 's_2']);
    expect(staleChunkNames(cookies, 's', ['s_0', 's_1'])).toEqual(['s_2']);
  });

  it('lists the bare cookie when the new value is chunked', () => {
    expect(staleChunkNames(new Map([['s', 'old']]), 's', ['s_0', 's_1'])).toEqual(['s']);
  });
});
