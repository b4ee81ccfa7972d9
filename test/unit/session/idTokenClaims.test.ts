/** Reading the claims of the ID token a session keeps (verified when it was received). */
import { describe, expect, it } from '@jest/globals';
import { idTokenClaims } from '../../../src/session/idTokenClaims.js';

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('idTokenClaims', () => {
  it('reads the payload of a compact JWT', () => {
    expect(
      idTokenClaims(`${part({ alg: 'RS256' })}.${part({ sub: 'alice', hd: 'example.com' })}.sig`),
    ).toEqual({
      sub: 'alice',
      hd: 'example.com',
    });
  });

  it('is null for no token, a payload that is not JSON, or JSON that is not an object', () => {
    expect(idTokenClaims('')).toBeNull();
    expect(idTokenClaims('opaque-token')).toBeNull();
    expect(idTokenClaims('a.%%%.c')).toBeNull();
    expect(idTokenClaims(`a.${part(['sub'])}.c`)).toBeNull();
    expect(idTokenClaims(`a.${part('sub')}.c`)).toBeNull();
  });
});
