import { describe, expect, it } from '@jest/globals';
import { AuthgateError } from '../../../src/errors.js';
import { deriveCsrfPasswords, deriveSealPasswords } from '../../../src/session/secrets.js';
import { SECRET_A, SECRET_B, SECRET_C } from './sessionFixtures.js';

describe('deriveSealPasswords', () => {
  it('never uses the raw secret as the password, in any encoding', () => {
    const { passwords } = deriveSealPasswords([SECRET_A]);
    const [password] = Object.values(passwords);
    const raw = Buffer.from(SECRET_A);
    for (const encoding of ['latin1', 'hex', 'base64', 'base64url'] as const) {
      expect(password).not.toBe(raw.toString(encoding));
      expect(password).not.toContain(raw.toString(encoding));
    }
  });

  it('gives every secret, even a 16-byte one, a password iron accepts (>= 32 characters)', () => {
    const { passwords } = deriveSealPasswords([SECRET_C]);
    expect(Object.values(passwords)[0]?.length).toBeGreaterThanOrEqual(32);
  });

  it('is deterministic, so every replica derives the same passwords', () => {
    expect(deriveSealPasswords([SECRET_A, SECRET_B])).toEqual(deriveSealPasswords([SECRET_A, SECRET_B]));
  });

  it('seals with the first secret and keeps every secret for unsealing', () => {
    const one = deriveSealPasswords([SECRET_A]);
    const two = deriveSealPasswords([SECRET_B, SECRET_A]);
    expect(Object.keys(two.passwords)).toHaveLength(2);
    expect(two.sealId).not.toBe(one.sealId);
    expect(two.passwords[one.sealId]).toBe(one.passwords[one.sealId]);
  });

  it('keeps a secret id wherever the secret sits in the list (retiring the oldest renumbers nothing)', () => {
    const before = deriveSealPasswords([SECRET_C, SECRET_B, SECRET_A]);
    const after = deriveSealPasswords([SECRET_C, SECRET_B]);
    expect(after.sealId).toBe(before.sealId);
    expect(after.passwords[before.sealId]).toBe(before.passwords[before.sealId]);
  });

  it('derives different passwords for CSRF cookies than for sessions', () => {
    const session = deriveSealPasswords([SECRET_A]);
    const csrf = deriveCsrfPasswords([SECRET_A]);
    expect(csrf.passwords[csrf.sealId]).not.toBe(session.passwords[session.sealId]);
    expect(deriveSealPasswords([SECRET_A], 'csrf')).toEqual(csrf);
  });

  it('ignores a secret listed twice', () => {
    expect(deriveSealPasswords([SECRET_A, SECRET_A])).toEqual(deriveSealPasswords([SECRET_A]));
  });

  it('refuses no secret and an empty secret with config_invalid', () => {
    expect(() => deriveSealPasswords([])).toThrow(AuthgateError);
    expect(() => deriveSealPasswords([])).toThrow(expect.objectContaining({ code: 'config_invalid' }));
    expect(() => deriveSealPasswords([new Uint8Array(0)])).toThrow(
      expect.objectContaining({ code: 'config_invalid' }),
    );
  });
});
