import { describe, expect, it } from '@jest/globals';
import { loadOptions } from '../../../src/config/load.js';
import { isLoopbackUrl, startupWarnings } from '../../../src/config/startupWarnings.js';

const options = (flags: string[]) =>
  loadOptions({
    argv: [
      '--client-id=x',
      '--client-secret=y',
      '--cookie-secret=dGhpcy1pcy1hLXRlc3QtY29va2llLXNlY3JldC0zMmI',
      '--email-domain=*',
      ...flags,
    ],
    env: {},
  }).options!;

describe('start-up warnings', () => {
  it.each([
    ['http://127.0.0.1:5556/dex', true],
    ['http://127.9.9.9/', true],
    ['http://localhost', true],
    ['http://localhost:5556', true],
    ['http://[::1]:5556/', true],
    ['http://127.0.0.1.nip.io/', false],
    ['http://localhost.evil.example/', false],
    ['http://dex.dex.svc:5556/', false],
    ['http://10.0.0.1/', false],
  ])('%s is loopback: %s', (url, loopback) => {
    expect(isLoopbackUrl(url)).toBe(loopback);
  });

  it('warns about an http:// issuer off loopback, and not about a loopback or https one', () => {
    const warn = (issuer: string) => startupWarnings(options([`--oidc-issuer-url=${issuer}`])).join('\n');
    expect(warn('http://dex.dex.svc:5556')).toMatch(/unencrypted/);
    expect(warn('http://127.0.0.1.nip.io')).toMatch(/unencrypted/);
    expect(warn('http://127.0.0.1:5556')).toBe('');
    expect(warn('https://dex.example.com')).toBe('');
  });

  it('warns when --reverse-proxy trusts every peer', () => {
    const base = ['--oidc-issuer-url=https://dex.example.com', '--reverse-proxy'];
    expect(startupWarnings(options(base)).join()).toMatch(/trusted from every peer/);
    expect(startupWarnings(options([...base, '--trusted-proxy-ip=10.0.0.0/8']))).toEqual([]);
  });
});

describe('bearer pass-through and impersonation', () => {
  it('refuses --skip-jwt-bearer-tokens together with --kube-impersonation', () => {
    expect(() =>
      loadOptions({
        argv: [
          '--client-id=x',
          '--client-secret=y',
          '--cookie-secret=dGhpcy1pcy1hLXRlc3QtY29va2llLXNlY3JldC0zMmI',
          '--email-domain=*',
          '--oidc-issuer-url=https://dex.example.com',
          '--skip-jwt-bearer-tokens',
          '--kube-impersonation',
          '--kube-service-account-token-file=/dev/null',
        ],
        env: {},
      }),
    ).toThrow(/skip-jwt-bearer-tokens[\s\S]*kube-impersonation/);
  });
});

describe('--provider-ca-file', () => {
  it('is checked at start: an unreadable or non-PEM file is a configuration problem', () => {
    const load = (files: Record<string, string>) =>
      loadOptions({
        argv: [
          '--client-id=x',
          '--client-secret=y',
          '--cookie-secret=dGhpcy1pcy1hLXRlc3QtY29va2llLXNlY3JldC0zMmI',
          '--email-domain=*',
          '--oidc-issuer-url=https://dex.internal.example',
          '--provider-ca-file=/etc/ca/dex.pem',
        ],
        env: {},
        readFile: (path) => {
          if (path in files) return files[path]!;
          throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
        },
      });
    expect(() => load({})).toThrow(/--provider-ca-file[\s\S]*cannot read \/etc\/ca\/dex.pem \(ENOENT\)/);
    expect(() => load({ '/etc/ca/dex.pem': 'not a certificate' })).toThrow(/--provider-ca-file/);
  });
});
