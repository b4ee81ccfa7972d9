import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startIssuer, type Issuer } from '../support/issuer.js';
import { BrowserClient } from '../support/browserClient.js';
import { startAuthgate, TEST_COOKIE_SECRET, type RunningAuthgate } from '../support/authgate.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echoUpstream.js';

/** The value of one sample line `name{labels} value`, or 0 when absent. */
function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('Prometheus metrics on --metrics-address', () => {
  let issuer: Issuer;
  let upstream: EchoUpstream;
  let ag: RunningAuthgate;
  const metricsUrl = () => `http://127.0.0.1:${ag.gate.ports().metrics}`;

  beforeAll(async () => {
    issuer = await startIssuer({ users: { bob: { email: 'bob@other.org' } } });
    upstream = await startEchoUpstream();
    ag = await startAuthgate([
      `--oidc-issuer-url=${issuer.url}`,
      `--client-id=${issuer.clientId}`,
      `--client-secret=${issuer.clientSecret}`,
      `--cookie-secret=${TEST_COOKIE_SECRET}`,
      '--cookie-secure=false',
      '--email-domain=example.com',
      `--upstream=${upstream.url}/`,
      '--metrics-address=127.0.0.1:0',
    ]);
  });
  afterAll(async () => {
    await ag?.stop();
    await upstream?.stop();
    await issuer?.stop();
  });

  it('counts requests by route class and status, sign-ins, refusals by reason, with latency histograms', async () => {
    const alice = new BrowserClient();
    const signedIn = await alice.follow(`${ag.url}/oauth2/start?rd=/app`);
    expect(signedIn.final.status).toBe(200);
    for (let i = 0; i < 3; i += 1) expect((await alice.get(`${ag.url}/app/${i}`)).status).toBe(200);
    expect((await fetch(`${ag.url}/app`, { headers: { accept: 'application/json' } })).status).toBe(401);
    expect((await fetch(`${ag.url}/oauth2/auth`)).status).toBe(401);
    const bob = new BrowserClient();
    const refused = await bob.follow(`${ag.url}/oauth2/start?rd=/app`, { login: 'bob' });
    expect(refused.final.status).toBe(403);
    expect((await fetch(`${ag.url}/oauth2/callback?state=x`)).status).toBe(400);

    const res = await fetch(`${metricsUrl()}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    // alice's redirect back to /app, then three requests: all proxied with 200
    expect(sample(text, 'authgate_requests_total', 'route="proxy",code="200"')).toBe(4);
    expect(sample(text, 'authgate_requests_total', 'route="proxy",code="401"')).toBe(1);
    expect(sample(text, 'authgate_requests_total', 'route="auth",code="401"')).toBe(1);
    expect(sample(text, 'authgate_requests_total', 'route="sign-in",code="302"')).toBe(2);
    expect(sample(text, 'authgate_requests_total', 'route="callback",code="302"')).toBe(1);
    expect(sample(text, 'authgate_requests_total', 'route="callback",code="403"')).toBe(1);
    expect(sample(text, 'authgate_requests_total', 'route="callback",code="400"')).toBe(1);
    expect(sample(text, 'authgate_request_duration_seconds_count', 'route="proxy"')).toBe(5);
    expect(sample(text, 'authgate_request_duration_seconds_bucket', 'le="+Inf",route="proxy"')).toBe(5);
    expect(sample(text, 'authgate_sign_ins_total', 'outcome="success"')).toBe(1);
    expect(sample(text, 'authgate_sign_ins_total', 'outcome="forbidden"')).toBe(1);
    expect(sample(text, 'authgate_sign_ins_total', 'outcome="refused"')).toBe(1);
    expect(sample(text, 'authgate_sign_in_refusals_total', 'reason="bad_callback"')).toBe(1);
    expect(text).toMatch(/authgate_sign_in_refusals_total\{reason="email_domain[^"]*"\} 1/);
    // process metrics, prefixed
    expect(sample(text, 'authgate_process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(text).toMatch(/authgate_build_info\{version="[^"]+"\} 1/);
    // nothing but /metrics on this port, and it is not served on the main port
    expect((await fetch(`${metricsUrl()}/`)).status).toBe(404);
    expect((await fetch(`${ag.url}/metrics`, { headers: { accept: 'application/json' } })).status).toBe(401);
  });

  it('writes one audit line per sign-in outcome with the same keys, and request lines with user and upstream', () => {
    const lines = ag
      .logs()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const audits = lines.filter((l) => l.audit === 'sign_in');
    expect(audits.map((a) => a.outcome).sort()).toEqual(['forbidden', 'refused', 'success']);
    for (const a of audits) {
      expect(typeof a.clientIp).toBe('string');
      expect(typeof a.requestId).toBe('string');
    }
    expect(audits.find((a) => a.outcome === 'success')).toMatchObject({
      user: expect.any(String),
      email: 'alice@example.com',
    });
    expect(audits.find((a) => a.outcome === 'forbidden')).toMatchObject({
      email: 'bob@other.org',
      rule: expect.any(String),
    });
    const proxied = lines.find((l) => l.msg === 'request' && l.path === '/app/0');
    expect(proxied).toMatchObject({
      method: 'GET',
      status: 200,
      user: 'alice',
      email: 'alice@example.com',
      upstream: upstream.url,
      clientIp: '127.0.0.1',
      requestId: expect.any(String),
      durationMs: expect.any(Number),
    });
    // the callback's request line has no query: codes and state never reach the log
    const callback = lines.find((l) => l.msg === 'request' && l.path === '/oauth2/callback');
    expect(callback).toBeDefined();
    expect(ag.logs()).not.toMatch(/callback\?/);
  });
});
