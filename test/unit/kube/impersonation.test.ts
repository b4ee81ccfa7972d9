import { describe, expect, it } from '@jest/globals';
import {
  encodeExtraKey,
  impersonationHeaders,
  mapKubeIdentity,
  type IdentitySource,
  type KubeIdentityRules,
} from '../../../src/kube/impersonation.js';

const alice: IdentitySource = {
  sub: 'CgVhbGljZQ',
  email: 'alice@example.com',
  emailVerified: true,
  preferredUsername: 'alice',
  groups: ['dev', 'ops'],
  idToken: '',
};
const rules = (r: Partial<KubeIdentityRules> = {}): KubeIdentityRules => ({
  usernameClaim: 'email',
  usernamePrefix: '',
  groupsPrefix: '',
  impersonateUid: false,
  extraClaims: [],
  ...r,
});
const jwt = (payload: Record<string, unknown>) =>
  `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.c2ln`;

describe('mapKubeIdentity', () => {
  it('maps the email claim to the user and passes groups through', () => {
    const m = mapKubeIdentity(alice, rules());
    expect(m).toEqual({
      ok: true,
      identity: { user: 'alice@example.com', groups: ['dev', 'ops'], uid: null, extra: [] },
    });
  });

  it('prefixes user and groups like --oidc-username-prefix / --oidc-groups-prefix', () => {
    const m = mapKubeIdentity(
      alice,
      rules({ usernameClaim: 'sub', usernamePrefix: 'https://dex.example.com#', groupsPrefix: 'oidc:' }),
    );
    expect(m.ok && m.identity.user).toBe('https://dex.example.com#CgVhbGljZQ');
    expect(m.ok && m.identity.groups).toEqual(['oidc:dev', 'oidc:ops']);
  });

  it.each([
    ['a tab before system:masters', { groups: ['\tsystem:masters'] }],
    ['a space before system:masters', { groups: [' system:masters'] }],
    ['trailing whitespace', { groups: ['dev '] }],
    ['a line feed in a group', { groups: ['dev\nImpersonate-User: admin'] }],
    ['a tab before a system: user', { preferredUsername: '\tsystem:admin' }],
    ['a control character in sub (Impersonate-Uid)', { sub: 'alice\r' }],
  ])('refuses %s: the apiserver would read the name differently', (_name, change) => {
    const m = mapKubeIdentity(
      { ...alice, ...change },
      rules({ usernameClaim: 'preferred_username', impersonateUid: true }),
    );
    expect(m).toMatchObject({ ok: false, refusal: { rule: 'invalid_name' } });
  });

  it('refuses a system: user name and a system: group, unless a prefix makes them safe', () => {
    const evil = { ...alice, preferredUsername: 'system:kube-controller-manager' };
    expect(mapKubeIdentity(evil, rules({ usernameClaim: 'preferred_username' }))).toMatchObject({
      ok: false,
      refusal: { rule: 'system_name' },
    });
    const masters = { ...alice, groups: ['dev', 'system:masters'] };
    const refused = mapKubeIdentity(masters, rules());
    expect(refused).toMatchObject({ ok: false, refusal: { rule: 'system_name' } });
    expect(!refused.ok && refused.refusal.detail).toContain('system:masters');
    const safe = mapKubeIdentity(masters, rules({ groupsPrefix: 'oidc:' }));
    expect(safe.ok && safe.identity.groups).toEqual(['oidc:dev', 'oidc:system:masters']);
    // A prefix that itself starts with system: protects nothing.
    expect(mapKubeIdentity(alice, rules({ usernamePrefix: 'system:' })).ok).toBe(false);
  });

  it('refuses an unverified email user name and a missing claim', () => {
    expect(mapKubeIdentity({ ...alice, emailVerified: false }, rules())).toMatchObject({
      ok: false,
      refusal: { rule: 'unverified_email' },
    });
    // emailVerified unknown (absent) is accepted, as the apiserver does
    expect(mapKubeIdentity({ ...alice, emailVerified: null }, rules()).ok).toBe(true);
    expect(mapKubeIdentity({ ...alice, email: '' }, rules())).toMatchObject({
      ok: false,
      refusal: { rule: 'no_username' },
    });
  });

  it('maps a GitHub-shaped identity: login as the user, org and org:team as groups', () => {
    const gh: IdentitySource = {
      sub: '583231',
      email: 'octocat@github.example',
      emailVerified: true,
      preferredUsername: 'octocat',
      groups: ['acme', 'acme:platform', 'acme:sre'],
      idToken: '',
    };
    const m = mapKubeIdentity(
      gh,
      rules({
        usernameClaim: 'login',
        usernamePrefix: 'github:',
        groupsPrefix: 'github:',
        impersonateUid: true,
      }),
    );
    expect(m).toEqual({
      ok: true,
      identity: {
        user: 'github:octocat',
        groups: ['github:acme', 'github:acme:platform', 'github:acme:sre'],
        uid: '583231',
        extra: [],
      },
    });
  });

  it('reads extra claims from the session, then from the ID token payload', () => {
    const s = { ...alice, idToken: jwt({ department: 'R&D', projects: ['a', 'b', 3], level: 7 }) };
    const m = mapKubeIdentity(
      s,
      rules({
        extraClaims: [
          { key: 'example.com/department', claim: 'department' },
          { key: 'projects', claim: 'projects' },
          { key: 'level', claim: 'level' },
          { key: 'login', claim: 'preferred_username' },
          { key: 'absent', claim: 'nope' },
        ],
      }),
    );
    expect(m.ok && m.identity.extra).toEqual([
      ['example.com/department', ['R&D']],
      ['projects', ['a', 'b']],
      ['level', ['7']],
      ['login', ['alice']],
    ]);
  });

  it('refuses names with control characters (they cannot be sent as a header)', () => {
    expect(mapKubeIdentity({ ...alice, groups: ['dev\r\nImpersonate-Group: x'] }, rules())).toMatchObject({
      ok: false,
      refusal: { rule: 'invalid_name' },
    });
  });
});

describe('impersonationHeaders', () => {
  it('sends one Impersonate-Group line per group, uid and encoded extra keys', () => {
    const h = impersonationHeaders({
      user: 'alice@example.com',
      groups: ['dev', 'ops'],
      uid: 'CgVhbGljZQ',
      extra: [['example.com/department', ['R&D']]],
    });
    expect(h).toEqual([
      ['impersonate-user', 'alice@example.com'],
      ['impersonate-group', ['dev', 'ops']],
      ['impersonate-uid', 'CgVhbGljZQ'],
      ['impersonate-extra-example.com%2Fdepartment', ['R&D']],
    ]);
  });

  it('sends no Impersonate-Group header for a user without groups', () => {
    expect(impersonationHeaders({ user: 'u', groups: [], uid: null, extra: [] })).toEqual([
      ['impersonate-user', 'u'],
    ]);
  });

  it('puts UTF-8 bytes on the wire for non-ASCII names (Node writes latin1 strings)', () => {
    const [[, value]] = impersonationHeaders({
      user: 'zoë@example.com',
      groups: [],
      uid: null,
      extra: [],
    }) as [[string, string]];
    expect(Buffer.from(value, 'latin1').toString('utf8')).toBe('zoë@example.com');
  });
});

describe('encodeExtraKey', () => {
  it.each([
    ['scopes', 'scopes'],
    ['Example.COM/Dept', 'example.com%2Fdept'],
    ['a b', 'a%20b'],
    ['100%', '100%25'],
    ['ключ', '%D0%BA%D0%BB%D1%8E%D1%87'],
  ])('%s -> %s (lower-case, percent-encoded, decodes back)', (key, wire) => {
    expect(encodeExtraKey(key)).toBe(wire);
    expect(decodeURIComponent(wire)).toBe(key.toLowerCase());
    expect(wire).toMatch(/^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/);
  });
});
