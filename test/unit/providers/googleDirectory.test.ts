import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GoogleDirectory } from '../../../src/providers/googleDirectory.js';
import { createProviderFetch } from '../../../src/providers/httpClient.js';
import { parseServiceAccountJson } from '../../../src/providers/serviceAccountKey.js';
import { createLogger } from '../../../src/observability/logger.js';
import { startFakeGoogleDirectory, type FakeGoogleDirectory } from '../../support/fakeGoogleDirectory.js';

const quiet = createLogger(
  'silent',
  new Writable({
    write(_c, _e, cb) {
      cb();
    },
  }),
);

describe('GoogleDirectory against the fake Directory API', () => {
  let fake: FakeGoogleDirectory;
  beforeAll(async () => {
    fake = await startFakeGoogleDirectory({
      groups: { 'admins@example.com': ['alice@example.com', 'guest@partner.io'], 'empty@example.com': [] },
      admins: ['admin@example.com'],
    });
  });
  afterAll(() => fake?.stop());

  const directory = (now: () => number, adminEmail = 'admin@example.com') =>
    new GoogleDirectory(
      {
        key: parseServiceAccountJson(fake.keyJson),
        adminEmail,
        directoryUrl: fake.url,
        timeoutMs: 2000,
        fetch: createProviderFetch({ caFiles: [], insecureSkipVerify: false }),
        now,
      },
      quiet,
    );

  it('answers membership, reuses its token, caches for the TTL and asks again after it', async () => {
    let skew = 0; // the fake checks the JWT's times, so the clock moves from the real one
    const d = directory(() => Date.now() + skew);
    const before = { ...fake.counts };
    expect(await d.groupsOf('alice@example.com', ['admins@example.com', 'empty@example.com'])).toEqual([
      'admins@example.com',
    ]);
    expect(await d.isMember('admins@example.com', 'ALICE@example.com')).toBe(true);
    expect(fake.counts.hasMember - before.hasMember).toBe(2);
    expect(fake.counts.token - before.token).toBe(1);
    skew += 5 * 60_000 + 1;
    expect(await d.isMember('admins@example.com', 'alice@example.com')).toBe(true);
    expect(fake.counts.hasMember - before.hasMember).toBe(3);
  });

  it('a group that does not exist is "not a member"; an outside member is found through members.get', async () => {
    const d = directory(Date.now);
    expect(await d.isMember('nosuch@example.com', 'alice@example.com')).toBe(false);
    expect(await d.isMember('admins@example.com', 'guest@partner.io')).toBe(true);
    expect(await d.isMember('admins@example.com', 'other@partner.io')).toBe(false);
  });

  it('no delegation, or the API down: group_lookup_unavailable (503), and nothing cached', async () => {
    await expect(
      directory(Date.now, 'nobody@example.com').isMember('admins@example.com', 'alice@example.com'),
    ).rejects.toMatchObject({
      code: 'group_lookup_unavailable',
      status: 503,
    });
    const d = directory(Date.now);
    fake.setDown('503');
    await expect(d.isMember('admins@example.com', 'alice@example.com')).rejects.toMatchObject({
      status: 503,
    });
    fake.setDown(false);
    expect(await d.isMember('admins@example.com', 'alice@example.com')).toBe(true);
  });
});
