import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** Runs the real CLI entry (src/cli.ts through tsx) as users run dist/cli.js. */
function cli(args: string[], env: Record<string, string> = {}) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 20_000,
  });
  return { code: res.status, out: res.stdout, err: res.stderr };
}

describe('authgate command line', () => {
  it('refuses a bad configuration with every problem listed, exit code 1, no secret echoed', () => {
    const secret = 'client-secret-value-never-printed';
    const r = cli([
      '--client-id=x',
      `--client-secret=${secret}`,
      '--cookie-secret=short-cookie-secret',
      '--upstream=ftp://x',
      '--redirect-url=/relative',
      '--cookie-expire=7days',
      '--cookie-secrue=true',
      '--oidc-issuer-url=notaurl',
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/the configuration has \d+ problems/);
    for (const flag of [
      '--cookie-secret',
      '--upstream',
      '--redirect-url',
      '--cookie-expire',
      '--oidc-issuer-url',
      '--email-domain',
    ]) {
      expect(r.err).toContain(flag);
    }
    expect(r.err).toContain('did you mean --cookie-secure');
    expect(r.err).toContain('openssl rand -base64 32');
    expect(r.err + r.out).not.toContain(secret);
    expect(r.err + r.out).not.toContain('short-cookie-secret');
  });

  it('reads OAUTH2_PROXY_ environment variables as oauth2-proxy does, and --config-test validates', () => {
    const r = cli(['--config-test'], {
      OAUTH2_PROXY_CLIENT_ID: 'dashboard',
      OAUTH2_PROXY_CLIENT_SECRET: 'secret-from-env',
      OAUTH2_PROXY_COOKIE_SECRET: 'dGhpcy1pcy1hLXRlc3QtY29va2llLXNlY3JldC0zMmI',
      OAUTH2_PROXY_OIDC_ISSUER_URL: 'https://dex.example.com',
      OAUTH2_PROXY_EMAIL_DOMAINS: 'example.com',
      OAUTH2_PROXY_UPSTREAMS: 'http://dashboard.kube-system.svc:8080/',
    });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('configuration OK');
  });

  it('prints its version and grouped help', () => {
    expect(cli(['--version']).out.trim()).toBe(`authgate ${pkg.version}`);
    const help = cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/Cookie:[\s\S]*--cookie-secret/);
    expect(help.out).toMatch(/--cookie-expire.*168h/);
  });
});
