import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiserver, type Apiserver } from '../../support/apiserver/server.js';
import { createOidcAuthenticator } from '../../support/apiserver/tokenAuthenticator.js';
import { BrowserClient } from '../../support/browserClient.js';

describe('kube-apiserver double over TLS, reached through a virtual host', () => {
  let dir: string;
  let api: Apiserver;
  let cert: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'apiserver-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=kube.example.test',
      '-addext', 'subjectAltName=DNS:kube.example.test,IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' }); // prettier-ignore
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    // The issuer is never reached: only anonymous requests are made.
    const authenticator = createOidcAuthenticator({ issuerUrl: 'https://issuer.invalid', clientIds: ['x'] });
    api = await startApiserver({
      authenticator,
      tls: { cert, key: readFileSync(join(dir, 'key.pem'), 'utf8') },
    });
  });
  afterAll(async () => {
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves https and verifies against the virtual host name', async () => {
    expect(api.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const b = new BrowserClient({ resolve: { 'kube.example.test:6443': `127.0.0.1:${api.port}` }, ca: cert });
    const res = await b.get('https://kube.example.test:6443/version');
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ major: '1' });
  });

  it('refuses an untrusted certificate unless told otherwise', async () => {
    await expect(new BrowserClient().get(`${api.url}/healthz`)).rejects.toThrow(/self-signed|certificate/i);
    const res = await new BrowserClient({ rejectUnauthorized: false }).get(`${api.url}/healthz`);
    expect(res.body).toBe('ok');
  });
});
