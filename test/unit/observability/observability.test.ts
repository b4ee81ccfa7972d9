import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { Metrics } from '../../../src/observability/metrics.js';
import { Audit } from '../../../src/observability/audit.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createRouteClassifier } from '../../../src/observability/routeClass.js';
import { formatLogLine, prettyStream } from '../../../src/observability/prettyLog.js';
import { loadOptions } from '../../../src/config/load.js';
import { upstreamErrorKind } from '../../../src/proxy/upstreamTls.js';

const sample = (text: string, series: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ').at(-1)) : 0;
};

function memoryLog() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return {
    log: createLogger('info', sink),
    lines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('metrics', () => {
  it('counts requests per route and status and observes their latency', async () => {
    const m = new Metrics('1.2.3');
    m.observeRequest('proxy', 200, 0.003);
    m.observeRequest('proxy', 200, 0.2);
    m.observeRequest('auth', 401, 0.0005);
    const text = await m.scrape();
    expect(sample(text, 'authgate_requests_total{route="proxy",code="200"}')).toBe(2);
    expect(sample(text, 'authgate_requests_total{route="auth",code="401"}')).toBe(1);
    expect(sample(text, 'authgate_request_duration_seconds_bucket{le="0.005",route="proxy"}')).toBe(1);
    expect(sample(text, 'authgate_request_duration_seconds_count{route="proxy"}')).toBe(2);
    expect(sample(text, 'authgate_build_info{version="1.2.3"}')).toBe(1);
    expect(text).not.toContain('authgate_process_'); // only when served
  });

  it('the audit helper writes one line with the common keys and counts it', async () => {
    const m = new Metrics('x');
    const { log, lines } = memoryLog();
    const audit = new Audit(log, m, true);
    audit.signIn('forbidden', {
      user: 'u1',
      email: 'u1@x.org',
      rule: 'email_domain',
      clientIp: '10.0.0.1',
      requestId: 'r1',
    });
    audit.signIn('success', { user: 'u2', email: 'u2@x.org', clientIp: '10.0.0.2', requestId: 'r2' });
    audit.refresh('failed', { user: 'u2', email: 'u2@x.org', reason: 'provider_unreachable' });
    audit.signOut({ user: 'u2', email: 'u2@x.org', clientIp: '10.0.0.2', requestId: 'r3' });
    const [refused, success, failed, out] = lines();
    expect(refused).toMatchObject({
      audit: 'sign_in',
      outcome: 'forbidden',
      user: 'u1',
      email: 'u1@x.org',
      rule: 'email_domain',
      clientIp: '10.0.0.1',
      requestId: 'r1',
      level: 'info',
    });
    expect(success).toMatchObject({ audit: 'sign_in', outcome: 'success' });
    expect(failed).toMatchObject({
      audit: 'refresh',
      outcome: 'failed',
      reason: 'provider_unreachable',
      level: 'warn',
    });
    expect(out).toMatchObject({ audit: 'sign_out', outcome: 'success', requestId: 'r3' });
    const text = await m.scrape();
    expect(sample(text, 'authgate_sign_ins_total{outcome="forbidden"}')).toBe(1);
    expect(sample(text, 'authgate_sign_in_refusals_total{reason="email_domain"}')).toBe(1);
    expect(sample(text, 'authgate_session_refresh_failures_total{reason="provider_unreachable"}')).toBe(1);
    expect(sample(text, 'authgate_sign_outs_total')).toBe(1);
  });

  it('--auth-logging=false silences audit lines but still counts', async () => {
    const m = new Metrics('x');
    const { log, lines } = memoryLog();
    new Audit(log, m, false).signIn('success', { user: 'u' });
    expect(lines()).toEqual([]);
    expect(sample(await m.scrape(), 'authgate_sign_ins_total{outcome="success"}')).toBe(1);
  });
});

describe('route classes', () => {
  const classify = createRouteClassifier('/oauth2', ['/ping', '/ready']);
  it.each([
    ['/oauth2/auth', 'auth'],
    ['/oauth2/start', 'sign-in'],
    ['/oauth2/sign_in', 'sign-in'],
    ['/oauth2/callback', 'callback'],
    ['/oauth2/static/app.css', 'static'],
    ['/oauth2/sign_out', 'other'],
    ['/ping', 'other'],
    ['/ready', 'other'],
    ['/', 'proxy'],
    ['/oauth2x/auth', 'proxy'],
    ['/api/v1/namespaces', 'proxy'],
  ])('%s is %s', (path, route) => expect(classify(path)).toBe(route));
});

describe('upstream error kinds', () => {
  it.each([
    ['ECONNREFUSED', 'connect ECONNREFUSED', 'unreachable'],
    ['ETIMEDOUT', 'x', 'timeout'],
    ['ECONNRESET', 'socket hang up timeout', 'timeout'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'x', 'tls'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'x', 'tls'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'x', 'tls'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'x', 'tls'],
  ])('%s', (code, message, kind) => expect(upstreamErrorKind(code, message)).toBe(kind));
});

describe('readable logs for a terminal', () => {
  const json = JSON.stringify({
    level: 'warn',
    time: '2026-01-02T03:04:05.678Z',
    service: 'authgate',
    msg: 'upstream request failed',
    upstream: 'http://x',
    code: 'ECONNREFUSED',
    note: 'two words',
  });
  it('prints time, level, message and key=value pairs', () => {
    expect(formatLogLine(json, false)).toBe(
      '03:04:05.678 WARN  upstream request failed upstream=http://x code=ECONNREFUSED note="two words"',
    );
    expect(formatLogLine(json, true)).toContain('\x1b[33mWARN ');
    expect(formatLogLine('not json', false)).toBe('not json');
  });
  it('reassembles lines split across writes', async () => {
    let out = '';
    const target = new Writable({
      write(c: Buffer, _e, cb) {
        out += c.toString();
        cb();
      },
    });
    const stream = prettyStream(target, false);
    stream.write(json.slice(0, 20));
    stream.write(json.slice(20) + '\n' + json + '\n');
    await new Promise<void>((r) => stream.end(r));
    expect(out.split('\n').filter(Boolean)).toHaveLength(2);
  });
});

describe('operations flags', () => {
  const base = [
    '--client-id=x',
    '--client-secret=y',
    '--cookie-secret=0123456789abcdef0123456789abcdef',
    '--oidc-issuer-url=https://idp.example.com',
    '--email-domain=*',
  ];
  const problems = (extra: string[]) => loadOptions({ argv: [...base, ...extra], env: {} });
  it('defaults: HTTPS and metrics off, TLS 1.2, 5 s grace', () => {
    const o = loadOptions({ argv: base, env: {} }).options;
    expect(o).toMatchObject({
      httpsAddress: null,
      metricsAddress: null,
      tlsMinVersion: 'TLSv1.2',
      shutdownGrace: 5000,
      upstreamCaFiles: [],
    });
  });
  it('parses addresses and versions', () => {
    const o = loadOptions({
      argv: [...base, '--metrics-address=:44180', '--tls-min-version=TLS1.3', '--shutdown-grace=0s'],
      env: {},
    }).options;
    expect(o).toMatchObject({
      metricsAddress: { host: '0.0.0.0', port: 44180 },
      tlsMinVersion: 'TLSv1.3',
      shutdownGrace: 0,
    });
  });
  it('refuses every operations mistake at once, each with a fix', () => {
    let message = '';
    try {
      problems([
        '--https-address=:4443',
        '--tls-min-version=TLS1.0',
        '--metrics-address=nope',
        '--upstream-ca=/missing/ca.pem',
        '--tls-key-file=/missing/key',
      ]);
    } catch (err) {
      message = (err as Error).message + JSON.stringify(err);
    }
    expect(message).toContain('--tls-cert-file');
    expect(message).toContain('--tls-min-version');
    expect(message).toContain('--metrics-address');
    expect(message).toContain('--upstream-ca');
  });
  it('refuses a metrics port equal to the HTTP port', () => {
    let message = '';
    try {
      loadOptions({
        argv: [...base, '--http-address=127.0.0.1:4180', '--metrics-address=0.0.0.0:4180'],
        env: {},
      });
    } catch (err) {
      message = JSON.stringify(err) + String(err);
    }
    expect(message).toContain('same port');
  });
});
