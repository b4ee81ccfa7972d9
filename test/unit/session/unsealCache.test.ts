import { describe, expect, it } from '@jest/globals';
import { UnsealCache } from '../../../src/session/unsealCache.js';
import { NOW, makeSession } from './sessionFixtures.js';

describe('UnsealCache', () => {
  it('returns a stored state for the exact sealed string only', () => {
    const cache = new UnsealCache();
    const state = makeSession();
    cache.set('sealed-value', state);
    expect(cache.get('sealed-value', NOW)).toBe(state);
    expect(cache.get('sealed-valuE', NOW)).toBeUndefined();
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, size: 1 });
  });

  it('does not return an expired state, and drops it', () => {
    const cache = new UnsealCache();
    cache.set('s', makeSession({ expiresAt: NOW + 10 }));
    expect(cache.get('s', NOW + 9)).toBeDefined();
    expect(cache.get('s', NOW + 10)).toBeUndefined();
    expect(cache.stats().size).toBe(0);
  });

  it('keeps at most maxEntries, evicting the least recently used', () => {
    const cache = new UnsealCache({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c']) cache.set(key, makeSession());
    expect(cache.get('a', NOW)).toBeDefined(); // a is now the most recent
    cache.set('d', makeSession());
    expect(cache.stats().size).toBe(3);
    expect(cache.get('b', NOW)).toBeUndefined();
    for (const key of ['a', 'c', 'd']) expect(cache.get(key, NOW)).toBeDefined();
  });

  it('forgets deleted entries', () => {
    const cache = new UnsealCache();
    cache.set('s', makeSession());
    cache.delete('s');
    expect(cache.get('s', NOW)).toBeUndefined();
  });

  it('remembers failed seals for the negative TTL only', () => {
    const cache = new UnsealCache({ negativeTtlSeconds: 30 });
    cache.markFailed('garbage', NOW);
    expect(cache.isKnownFailure('garbage', NOW + 29)).toBe(true);
    expect(cache.isKnownFailure('garbagE', NOW + 29)).toBe(false);
    expect(cache.isKnownFailure('garbage', NOW + 30)).toBe(false);
    expect(cache.stats()).toMatchObject({ negativeHits: 1, negativeSize: 0 });
  });

  it('bounds the failed seals it remembers', () => {
    const cache = new UnsealCache({ maxNegativeEntries: 2 });
    for (const key of ['x', 'y', 'z']) cache.markFailed(key, NOW);
    expect(cache.stats().negativeSize).toBe(2);
    expect(cache.isKnownFailure('x', NOW)).toBe(false);
    expect(cache.isKnownFailure('z', NOW)).toBe(true);
  });

  it('lets a successful unseal override a negative entry', () => {
    const cache = new UnsealCache();
    cache.markFailed('s', NOW);
    cache.set('s', makeSession());
    expect(cache.isKnownFailure('s', NOW)).toBe(false);
    expect(cache.get('s', NOW)).toBeDefined();
  });
});
