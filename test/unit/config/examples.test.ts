import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { optionsOf } from './configFixtures.js';

const configDir = fileURLToPath(new URL('../../../config/', import.meta.url));
const COOKIE_SECRET = 'Wm9vbmctMzItYnl0ZS1jb29raWUtc2VjcmV0LXgxMjM'; // base64url of 32 bytes

/** The real example file; the secret files it names are provided in memory. */
function filesFor(name: string, secretFiles: Record<string, string>): Record<string, string> {
  return { [`/cfg/${name}`]: readFileSync(`${configDir}${name}`, 'utf8'), ...secretFiles };
}

describe('config/ examples', () => {
  it('authgate.yaml (Dex in front of the Kubernetes Dashboard) loads', () => {
    const files = filesFor('authgate.yaml', {
      '/etc/authgate/secrets/client-secret': 'dex-secret\n',
      '/etc/authgate/secrets/cookie-secret': `${COOKIE_SECRET}\n`,
    });
    const o = optionsOf(['--config=/cfg/authgate.yaml'], {}, files);
    expect(o.oidcIssuerUrl).toBe('https://dex.example.com');
    expect(o.clientId).toBe('kubernetes-dashboard');
    expect(o.clientSecret).toBe('dex-secret');
    expect(o.cookieSecrets[0]).toHaveLength(32);
    expect(o.httpAddress).toEqual({ host: '0.0.0.0', port: 4180 });
    expect(o.upstreams.map((u) => u.url.host)).toEqual([
      'kubernetes-dashboard-kong-proxy.kubernetes-dashboard.svc',
    ]);
    expect(o.cookieRefresh).toBe(3_600_000);
    expect(o.allowedGroups).toHaveLength(2);
  });

  it('oauth2-proxy.cfg (oauth2-proxy TOML) loads, secrets replaced by environment values', () => {
    const files = filesFor('oauth2-proxy.cfg', {});
    const env = { OAUTH2_PROXY_CLIENT_SECRET: 'kc-secret', OAUTH2_PROXY_COOKIE_SECRET: COOKIE_SECRET };
    const o = optionsOf(['--config=/cfg/oauth2-proxy.cfg'], env, files);
    expect(o.clientId).toBe('headlamp');
    expect(o.clientSecret).toBe('kc-secret');
    expect(o.cookieName).toBe('_oauth2_proxy');
    expect(o.emailDomains).toEqual(['example.com', 'example.org']);
    expect(o.skipAuthRoutes).toEqual([
      { method: 'GET', negateMethod: false, pattern: '^/static/' },
      { method: null, negateMethod: false, pattern: '^/favicon\\.ico$' },
    ]);
    expect(o.upstreams[0]?.url.href).toBe('http://headlamp.headlamp.svc/');
  });
});
