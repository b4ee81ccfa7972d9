import { describe, expect, it } from '@jest/globals';
import { loadOptions } from '../../../src/config/load.js';
import { createIdentityHeaderPlan } from '../../../src/proxy/identityHeaders.js';
import { makeSession } from '../session/sessionFixtures.js';

const options = loadOptions({
  argv: [
    '--oidc-issuer-url=https://dex.example.com',
    '--client-id=x',
    '--client-secret=y',
    '--cookie-secret=dGhpcy1pcy1hLXRlc3QtY29va2llLXNlY3JldC0zMmI',
    '--email-domain=*',
  ],
  env: {},
}).options!;

describe('identity headers', () => {
  it('warns once when a bearer alone exceeds 6 KB (the dashboard gateway refuses header lines over 8 KB)', () => {
    const warnings: number[] = [];
    const plan = createIdentityHeaderPlan(options, (bytes) => warnings.push(bytes));
    plan.forSession(makeSession({ idToken: 'a'.repeat(1500) }));
    expect(warnings).toEqual([]);
    plan.forSession(makeSession({ idToken: 'b'.repeat(7000) }));
    plan.forSession(makeSession({ idToken: 'c'.repeat(9000) }));
    expect(warnings).toEqual([7000]);
  });

  it('builds the headers once per session object', () => {
    const plan = createIdentityHeaderPlan(options);
    const session = makeSession();
    expect(plan.forSession(session)).toBe(plan.forSession(session));
    expect(new Map(plan.forSession(session)).get('authorization')).toBe(`Bearer ${session.idToken}`);
  });
});
