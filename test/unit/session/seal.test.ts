import { afterEach, describe, expect, it, jest } from '@jest/globals';
import fc from 'fast-check';
import { deflateRawSync } from 'node:zlib';
import { sealData } from 'iron-session';
import { sealSession, sealValue, unsealSession, unsealValue } from '../../../src/session/seal.js';
import { deriveCsrfPasswords, deriveSealPasswords } from '../../../src/session/secrets.js';
import {
  NOW,
  SECRET_A,
  SECRET_B,
  SECRET_C,
  flipSextet,
  guidGroups,
  makeSession,
  namedGroups,
} from './sessionFixtures.js';

const A = deriveSealPasswords([SECRET_A]);
const BA = deriveSealPasswords([SECRET_B, SECRET_A]);
const B = deriveSealPasswords([SECRET_B]);

afterEach(() => {
  jest.restoreAllMocks();
});

describe('sealSession / unsealSession', () => {
  it('round-trips a session', async () => {
    const state = makeSession();
    const sealed = await sealSession(state, A, NOW);
    expect(await unsealSession(sealed, A, NOW)).toEqual(state);
  });

  it('produces a cookie-safe value', async () => {
    const sealed = await sealSession(makeSession(), A, NOW);
    expect(sealed).toMatch(/^[A-Za-z0-9_\-*.~]+$/);
  });

  it('answers null for a bit flip anywhere in the seal', async () => {
    const sealed = await sealSession(makeSession(), A, NOW);
    const positions = [
      0,
      7,
      10,
      30,
      60,
      100,
      200,
      500,
      sealed.length - 60,
      sealed.length - 10,
      sealed.length - 3,
    ];
    for (let i = 0; i < sealed.length; i += 97) positions.push(i);
    for (const position of positions) {
      expect(await unsealSession(flipSextet(sealed, position), A, NOW)).toBeNull();
    }
  });

  it('answers null for truncated and empty seals', async () => {
    const sealed = await sealSession(makeSession(), A, NOW);
    for (const cut of [sealed.slice(0, -1), sealed.slice(0, -3), sealed.slice(0, sealed.length >> 1), '']) {
      expect(await unsealSession(cut, A, NOW)).toBeNull();
    }
  });

  it('answers null for a seal made with a foreign secret', async () => {
    const sealed = await sealSession(makeSession(), deriveSealPasswords([SECRET_C]), NOW);
    expect(await unsealSession(sealed, A, NOW)).toBeNull();
  });

  it('answers null once expiresAt has passed, although the seal itself still opens', async () => {
    const state = makeSession({ expiresAt: NOW + 100 });
    const sealed = await sealSession(state, A, NOW);
    expect(await unsealSession(sealed, A, NOW + 99)).toEqual(state);
    expect(await unsealSession(sealed, A, NOW + 100)).toBeNull();
    expect(await unsealValue(sealed, A)).not.toBeNull();
  });

  it("answers null once the seal's own ttl has passed (beyond iron's 60 s skew)", async () => {
    const sealed = await sealValue({ hello: 'world' }, A, 5);
    expect(await unsealValue(sealed, A)).toEqual({ hello: 'world' });
    const later = Date.now() + 120_000;
    jest.spyOn(Date, 'now').mockReturnValue(later);
    expect(await unsealValue(sealed, A)).toBeNull();
  });

  it('refuses a seal whose payload is not a session (wrong version, missing or mistyped fields)', async () => {
    const base = makeSession();
    const bad: unknown[] = [
      { ...base, v: 2 },
      { ...base, sub: '' },
      { ...base, groups: 'admins' },
      { ...base, groups: [1, 2] },
      { ...base, emailVerified: 'yes' },
      { ...base, expiresAt: '1900000000' },
      { v: 1 },
    ];
    for (const value of bad) {
      expect(await unsealSession(await sealValue(value, A, 3600), A, NOW)).toBeNull();
    }
  });

  it('drops unknown fields from an unsealed session', async () => {
    const state = makeSession();
    const sealed = await sealValue({ ...state, isAdmin: true }, A, 3600);
    const opened = await unsealSession(sealed, A, NOW);
    expect(opened).toEqual(state);
    expect(opened).not.toHaveProperty('isAdmin');
  });

  it('refuses to seal an expired or malformed session', async () => {
    await expect(sealSession(makeSession({ expiresAt: NOW }), A, NOW)).rejects.toMatchObject({
      code: 'session_expired',
    });
    const malformed = { ...makeSession(), groups: null } as unknown as ReturnType<typeof makeSession>;
    await expect(sealSession(malformed, A, NOW)).rejects.toMatchObject({ code: 'session_invalid' });
  });
});

describe('compression', () => {
  it('keeps a typical session plain and compresses a 40-group one, both round-tripping', async () => {
    const typical = makeSession();
    const large = makeSession({ groups: namedGroups(40) });
    const typicalPayload = await unsealValue<Record<string, unknown>>(await sealSession(typical, A, NOW), A);
    expect(typicalPayload?.v).toBe(1);
    expect(typicalPayload).not.toHaveProperty('z');
    const largeSealed = await sealSession(large, A, NOW);
    const largePayload = await unsealValue<Record<string, unknown>>(largeSealed, A);
    expect(largePayload?.z).toBe(1);
    expect(await unsealSession(largeSealed, A, NOW)).toEqual(large);
    const plainSealed = await sealValue(large, A, 3600);
    expect(largeSealed.length).toBeLessThan(plainSealed.length * 0.9);
  });

  it('round-trips sessions whose groups compress poorly', async () => {
    const state = makeSession({ groups: guidGroups(40) });
    expect(await unsealSession(await sealSession(state, A, NOW), A, NOW)).toEqual(state);
  });

  it('answers null for a compressed envelope that is corrupt or inflates too far', async () => {
    const corrupt = await sealValue({ z: 1, d: 'not deflate at all' }, A, 3600);
    const bomb = deflateRawSync(Buffer.alloc(10 * 1024 * 1024, 0x20)).toString('base64url');
    const bombSeal = await sealValue({ z: 1, d: bomb }, A, 3600);
    const unknownFormat = await sealValue({ z: 2, d: '' }, A, 3600);
    for (const sealed of [corrupt, bombSeal, unknownFormat]) {
      expect(await unsealSession(sealed, A, NOW)).toBeNull();
    }
  });
});

describe('unsealValue', () => {
  it('answers null for sealed non-objects', async () => {
    const password = { [A.sealId]: A.passwords[A.sealId] ?? '' };
    for (const value of [42, 'text', true]) {
      expect(await unsealValue(await sealData(value, { password, ttl: 60 }), A)).toBeNull();
    }
    // iron-session reads a sealed null as {}: not an error, but never a session either.
    expect(await unsealSession(await sealData(null, { password, ttl: 60 }), A, NOW)).toBeNull();
  });

  it('answers null for arbitrary strings and never throws (1000 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 400 }), async (garbage) => {
        expect(await unsealSession(garbage, A, NOW)).toBeNull();
      }),
      { numRuns: 1000 },
    );
  });

  it('answers null for seal-shaped garbage that reaches the crypto, and never throws (1000 runs)', async () => {
    const part = fc.stringMatching(/^[A-Za-z0-9_-]{1,60}$/);
    await fc.assert(
      fc.asyncProperty(part, part, part, fc.nat(), part, part, async (salt, iv, data, exp, hmacSalt, mac) => {
        const forged = `Fe26.2*${A.sealId}*${salt}*${iv}*${data}*${exp + 1}*${hmacSalt}*${mac}~2`;
        expect(await unsealValue(forged, A)).toBeNull();
      }),
      { numRuns: 1000 },
    );
  });
});

describe('secret rotation', () => {
  it('opens a cookie sealed with [A] under [B, A], and seals new cookies with B', async () => {
    const state = makeSession();
    const old = await sealSession(state, A, NOW);
    expect(await unsealSession(old, BA, NOW)).toEqual(state);
    const fresh = await sealSession(state, BA, NOW);
    expect(await unsealSession(fresh, B, NOW)).toEqual(state);
    expect(await unsealSession(fresh, A, NOW)).toBeNull();
  });

  it('cannot open a B seal with [A] alone', async () => {
    expect(await unsealSession(await sealSession(makeSession(), B, NOW), A, NOW)).toBeNull();
  });

  it('keeps current cookies valid when the oldest secret is retired', async () => {
    const state = makeSession();
    const sealed = await sealSession(state, deriveSealPasswords([SECRET_C, SECRET_B, SECRET_A]), NOW);
    expect(await unsealSession(sealed, deriveSealPasswords([SECRET_C, SECRET_B]), NOW)).toEqual(state);
  });

  it('never opens a session seal with the CSRF passwords of the same secret', async () => {
    const sealed = await sealSession(makeSession(), A, NOW);
    expect(await unsealValue(sealed, deriveCsrfPasswords([SECRET_A]))).toBeNull();
  });
});
