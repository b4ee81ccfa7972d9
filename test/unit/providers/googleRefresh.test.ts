/**
 * --provider=google, a refresh answered without an ID token (OIDC Core 12.2): the who-may-enter checks of a full
 * refresh still hold for the kept identity. The issuer part is stubbed (test/integration/refreshWithoutIdToken.test.ts
 * covers it over the network); the directory answers what the test says.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { GoogleProvider, type GoogleProviderConfig } from '../../../src/providers/google.js';
import type { GoogleDirectory } from '../../../src/providers/googleDirectory.js';
import type { RefreshedTokensOnly } from '../../../src/providers/types.js';
import { createLogger } from '../../../src/observability/logger.js';
import { makeSession } from '../session/sessionFixtures.js';

const silent = createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));
const ADMINS = 'admins@example.com';
const OPS = 'ops@example.com';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
/** The session's ID token as Google issued it at sign-in (verified then; only its claims are read here). */
const keptIdToken = (claims: Record<string, unknown>) =>
  `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ sub: 'alice', email: 'alice@example.com', ...claims })}.c2ln`;

const TOKENS_ONLY: RefreshedTokensOnly = {
  idTokenMissing: true,
  accessToken: 'new-access',
  refreshToken: 'new-refresh',
  expiresIn: 3600,
};

function google(opts: { hostedDomains?: string[]; groups?: string[]; member?: string[] }) {
  const asked: string[] = [];
  const directory = {
    groupsOf: async (email: string, groups: readonly string[]) => {
      asked.push(email);
      return groups.filter((g) => (opts.member ?? []).includes(g));
    },
  } as unknown as GoogleDirectory;
  const cfg: GoogleProviderConfig = {
    oidc: {
      issuerUrl: 'https://accounts.google.com',
      clientId: 'id',
      clientSecret: 'secret',
      scope: '',
      displayName: 'Google',
      claims: { emailClaim: 'email', groupsClaim: 'groups' },
      extraAudiences: [],
      prompt: '',
      skipDiscovery: false,
      loginUrl: '',
      redeemUrl: '',
      jwksUrl: '',
      caFiles: [],
      insecureSkipVerify: false,
      timeoutMs: 1000,
    },
    hostedDomains: opts.hostedDomains ?? [],
    groups: opts.groups ?? [],
    directory: (opts.groups ?? []).length > 0 ? directory : null,
  };
  const provider = new GoogleProvider(cfg, silent);
  // The issuer's answer: new tokens, no ID token.
  (provider as unknown as { inner: { refresh: () => Promise<RefreshedTokensOnly> } }).inner = {
    refresh: async () => TOKENS_ONLY,
  };
  return { provider, asked };
}

describe('GoogleProvider.refresh without an ID token', () => {
  it('replaces the groups with those the directory still finds: a group left does not stay', async () => {
    const { provider, asked } = google({ groups: [ADMINS, OPS], member: [OPS] });
    const session = makeSession({ idToken: keptIdToken({ hd: 'example.com' }), groups: [ADMINS, OPS] });
    const answer = await provider.refresh(session);
    expect(asked).toEqual(['alice@example.com']);
    expect(answer).toEqual({ ...TOKENS_ONLY, groups: [OPS] });
  });

  it("keeps the kept ID token's groups claim next to the groups found, as a full refresh does", async () => {
    const { provider } = google({ groups: [ADMINS, OPS], member: [ADMINS] });
    const session = makeSession({
      idToken: keptIdToken({ groups: ['from-claim'] }),
      groups: ['from-claim', ADMINS, OPS],
    });
    expect(await provider.refresh(session)).toMatchObject({ groups: ['from-claim', ADMINS] });
  });

  it('refuses an account in none of the groups', async () => {
    const { provider } = google({ groups: [ADMINS], member: [] });
    await expect(provider.refresh(makeSession({ idToken: keptIdToken({}) }))).rejects.toMatchObject({
      code: 'google_group',
    });
  });

  it("checks the kept ID token's hd against the current --google-hosted-domain", async () => {
    const { provider } = google({ hostedDomains: ['example.com'] });
    const inside = await provider.refresh(makeSession({ idToken: keptIdToken({ hd: 'example.com' }) }));
    expect(inside).toEqual(TOKENS_ONLY);
    // Signed in while other.org was allowed; the flag has since been narrowed to example.com.
    await expect(
      provider.refresh(makeSession({ idToken: keptIdToken({ hd: 'other.org' }) })),
    ).rejects.toMatchObject({ code: 'hosted_domain' });
    // A consumer account (no hd), or no readable ID token at all: refused, never assumed.
    for (const idToken of [keptIdToken({}), '', 'not-a-jwt']) {
      await expect(provider.refresh(makeSession({ idToken }))).rejects.toMatchObject({
        code: 'hosted_domain',
      });
    }
  });
});
