import { describe, expect, it } from '@jest/globals';
import {
  decryptRecord,
  encryptRecord,
  newTicket,
  openTicket,
  parseTicket,
  recordName,
  sealTicket,
  TicketCache,
} from '../../../src/session/ticket.js';
import { deriveSealPasswords } from '../../../src/session/secrets.js';
import { sealSession, sealValue } from '../../../src/session/seal.js';
import { parseRedisUrl } from '../../../src/session/redisUrl.js';
import { NOW, SECRET_A, SECRET_B, flipSextet, makeSession } from './sessionFixtures.js';

const passwords = deriveSealPasswords([SECRET_A]);

describe('tickets', () => {
  it('are 128-bit ids and 256-bit keys, fresh each time', () => {
    const a = newTicket(NOW + 60);
    const b = newTicket(NOW + 60);
    expect(Buffer.from(a.id, 'base64url')).toHaveLength(16);
    expect(Buffer.from(a.key, 'base64url')).toHaveLength(32);
    expect(a.id).not.toBe(b.id);
    expect(a.key).not.toBe(b.key);
  });

  it('seal into a small cookie value that opens to the same ticket', async () => {
    const ticket = newTicket(NOW + 7 * 24 * 3600);
    const sealed = await sealTicket(ticket, passwords, NOW);
    expect(sealed.length).toBeLessThan(400);
    await expect(openTicket(sealed, passwords, NOW)).resolves.toEqual(ticket);
  });

  it('do not open when tampered, sealed with another secret, expired, or a cookie-mode session', async () => {
    const ticket = newTicket(NOW + 3600);
    const sealed = await sealTicket(ticket, passwords, NOW);
    await expect(openTicket(flipSextet(sealed, 60), passwords, NOW)).resolves.toBeNull();
    await expect(openTicket(sealed, deriveSealPasswords([SECRET_B]), NOW)).resolves.toBeNull();
    await expect(openTicket(sealed, passwords, NOW + 3600)).resolves.toBeNull();
    const cookieSession = await sealSession(makeSession(), passwords, NOW);
    await expect(openTicket(cookieSession, passwords, NOW)).resolves.toBeNull();
    const notATicket = await sealValue({ v: 1, id: 'short', key: 'short', exp: NOW + 60 }, passwords, 60);
    await expect(openTicket(notATicket, passwords, NOW)).resolves.toBeNull();
  });

  it('parse only the exact shape', () => {
    const t = newTicket(NOW + 1);
    expect(parseTicket({ ...t })).toEqual(t);
    expect(parseTicket({ ...t, v: 2 })).toBeNull();
    expect(parseTicket({ ...t, exp: 'later' })).toBeNull();
    expect(parseTicket({ ...t, key: t.id })).toBeNull(); // 16 bytes is not a 256-bit key
    expect(parseTicket(null)).toBeNull();
  });
});

describe('records', () => {
  const ticket = newTicket(NOW + 3600);
  const name = recordName('_authgate', ticket);
  const session = makeSession({ accessToken: 'access-token-value' });

  it('are named by a hash of the id, never the id itself', () => {
    expect(name).toMatch(/^_authgate-[A-Za-z0-9_-]{43}$/);
    expect(name).not.toContain(ticket.id);
  });

  it('hold no token, email or group in clear, and decrypt to the session', () => {
    const record = encryptRecord(session, ticket, name);
    for (const secret of [
      session.idToken,
      session.refreshToken,
      'access-token-value',
      session.email,
      'k8s-admins',
    ])
      expect(record).not.toContain(secret);
    expect(decryptRecord(record, ticket, name)).toEqual(session);
  });

  it('do not decrypt with another key, under another name, or when a byte changes', () => {
    const record = encryptRecord(session, ticket, name);
    const other = newTicket(NOW + 3600);
    expect(decryptRecord(record, other, name)).toBeNull();
    expect(decryptRecord(record, ticket, recordName('_authgate', other))).toBeNull();
    expect(decryptRecord(flipSextet(record, record.length - 10), ticket, name)).toBeNull();
    expect(decryptRecord('v1.garbage', ticket, name)).toBeNull();
    expect(decryptRecord('{"sub":"x"}', ticket, name)).toBeNull();
  });

  it('use a fresh IV each time (the same session encrypts differently)', () => {
    expect(encryptRecord(session, ticket, name)).not.toBe(encryptRecord(session, ticket, name));
  });
});

describe('TicketCache', () => {
  it('returns a ticket until its end, forgets on delete, and evicts the oldest beyond its size', () => {
    const cache = new TicketCache(2);
    const a = newTicket(NOW + 10);
    cache.set('a', a);
    expect(cache.get('a', NOW)).toBe(a);
    expect(cache.get('a', NOW + 10)).toBeUndefined();
    cache.set('a', a);
    cache.delete('a');
    expect(cache.get('a', NOW)).toBeUndefined();
    cache.set('x', a);
    cache.set('y', a);
    cache.set('z', a);
    expect(cache.size).toBe(2);
    expect(cache.get('x', NOW)).toBeUndefined();
  });

  it('remembers failures for a while, and a later success replaces them', () => {
    const cache = new TicketCache(10, 10, 60);
    cache.markFailed('bad', NOW);
    expect(cache.isKnownFailure('bad', NOW + 59)).toBe(true);
    expect(cache.isKnownFailure('bad', NOW + 60)).toBe(false);
    cache.markFailed('bad', NOW);
    cache.set('bad', newTicket(NOW + 10));
    expect(cache.isKnownFailure('bad', NOW)).toBe(false);
  });
});

describe('parseRedisUrl', () => {
  it.each([
    [
      'redis://127.0.0.1:6380',
      { host: '127.0.0.1', port: 6380, tls: false, db: 0, username: '', password: '' },
    ],
    ['rediss://u:p%40ss@redis.example.com/3', { host: 'redis.example.com', port: 6379, tls: true, db: 3 }],
    ['redis://:secret@[::1]:7000', { host: '::1', port: 7000, password: 'secret' }],
  ])('reads %s', (url, expected) => {
    expect(parseRedisUrl(url)).toMatchObject(expected);
  });

  it.each([
    ['http://redis:6379', 'not redis:// or rediss://'],
    ['redis-host:6379', 'not redis:// or rediss://'],
    ['redis:///0', 'has no host'],
    ['redis://h:6379/db1', 'database number'],
    ['redis://h:6379/?timeout=1', 'query'],
    ['not a url', 'is not a URL'],
    ['redis://u:%zz@h', 'malformed'],
  ])('refuses %s', (url, message) => {
    const parsed = parseRedisUrl(url);
    expect('error' in parsed && parsed.error).toContain(message);
  });
});
