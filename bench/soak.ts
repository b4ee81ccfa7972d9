/**
 * npm run soak -- [--minutes=10] [--users=8]
 *
 * Runs authgate as its own process (so its descriptors and RSS are its own) between the real test issuer
 * (oidc-provider, 30 s ID tokens so sessions refresh all the time) and an echo upstream with WebSockets, and drives
 * mixed traffic from `--users` virtual users: sign-ins through the login form, proxied requests, /oauth2/auth,
 * WebSocket round trips, and the refreshes the short token lifetime causes. Every 30 s it prints requests, errors,
 * open descriptors (/proc/<pid>/fd) and RSS; at the end, a verdict: zero unexpected errors, no growth in
 * descriptors, RSS flat within 10 %. Exit code 1 when the verdict fails.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { startIssuer } from '../test/support/issuer.js';
import { BrowserClient } from '../test/support/browserClient.js';
import { freePort } from '../test/support/processes.js';
import { Counters, openFds, rssMb, verdict, type Sample } from './soakLib.js';

const COOKIE_SECRET = 'c29hay1zb2FrLXNvYWstc29hay1zb2FrLXNvYWstc28'; // 32 bytes, base64url
const SAMPLE_EVERY_MS = 30_000;

function arg(name: string, fallback: number): number {
  const raw = process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
}

async function startUpstream() {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ url: req.url, user: req.headers['x-forwarded-email'] ?? null }));
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) =>
    wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (m) => ws.send(String(m)))),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, wss };
}

async function main(): Promise<void> {
  const minutes = arg('minutes', 10);
  const users = arg('users', 8);
  const issuer = await startIssuer({ idTokenTtl: 30, accessTokenTtl: 30 });
  const upstream = await startUpstream();
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli.ts',
      `--http-address=127.0.0.1:${port}`,
      `--oidc-issuer-url=${issuer.url}`,
      `--client-id=${issuer.clientId}`,
      `--client-secret=${issuer.clientSecret}`,
      `--cookie-secret=${COOKIE_SECRET}`,
      '--cookie-secure=false',
      '--email-domain=*',
      '--token-refresh-margin=20s',
      '--request-logging=false',
      '--log-level=warn',
      `--upstream=${upstream.url}/`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH ?? '' } },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-8192)));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (i > 300 || child.exitCode !== null) throw new Error(`authgate did not start:\n${stderr}`);
    const ready = await fetch(`${base}/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = child.pid!;
  const counters = new Counters();
  const samples: Sample[] = [];
  const started = Date.now();
  const until = started + minutes * 60_000;
  console.log(`soak: ${minutes} min, ${users} users, authgate pid ${pid} on ${base}`);

  const sample = () => {
    const s: Sample = {
      atSeconds: Math.round((Date.now() - started) / 1000),
      fds: openFds(pid),
      rssMb: rssMb(pid),
      requests: counters.total(),
      errors: counters.errorCount(),
    };
    samples.push(s);
    console.log(`t=${s.atSeconds}s requests=${s.requests} errors=${s.errors} fds=${s.fds} rss=${s.rssMb}MB`);
  };
  const sampler = setInterval(sample, SAMPLE_EVERY_MS);

  const expect = (kind: string, status: number, wanted: number) =>
    status === wanted ? counters.done(kind) : counters.failed(kind, `status ${status}`);

  const user = async (n: number) => {
    let browser = new BrowserClient();
    let round = 0;
    let signedInAt = 0;
    // user 0 signs in again every 5 s (sign-in churn); the others keep a session for 45 s, past the point where
    // its 30 s ID token is refreshed (20 s margin), so refreshes happen on their ordinary requests
    const sessionMs = n === 0 ? 5_000 : 45_000;
    while (Date.now() < until) {
      round += 1;
      try {
        if (Date.now() - signedInAt > sessionMs) {
          signedInAt = Date.now();
          browser = new BrowserClient();
          const { final } = await browser.follow(`${base}/oauth2/start?rd=/hello-${n}`, {
            login: `user${n}`,
          });
          expect('sign-in', final.status, 200);
        }
        const page = await browser.get(`${base}/app/${round}`);
        expect('proxied', page.status, 200);
        const auth = await browser.get(`${base}/oauth2/auth`);
        expect('auth', auth.status, 202);
        if (round % 10 === 0) {
          const ws = await browser.wsConnect(`ws://127.0.0.1:${port}/ws`);
          ws.send(`ping-${round}`);
          const echoed = await ws.nextMessage();
          ws.close();
          if (echoed === `ping-${round}`) counters.done('websocket');
          else counters.failed('websocket', 'wrong echo');
        }
        if (round % 25 === 0) {
          const anon = await new BrowserClient().get(`${base}/app`, {
            headers: { accept: 'application/json' },
          });
          expect('anonymous', anon.status, 401);
        }
      } catch (err) {
        counters.failed('client', err instanceof Error ? err.message.split('?')[0]! : 'error');
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };

  await Promise.all(Array.from({ length: users }, (_, n) => user(n)));
  clearInterval(sampler);
  await new Promise((r) => setTimeout(r, 2_000)); // let keep-alive sockets settle before the last sample
  sample();
  const alive = child.exitCode === null;
  child.kill('SIGTERM');
  upstream.wss.close();
  upstream.server.closeAllConnections();
  upstream.server.close();
  await issuer.stop();

  console.log(
    `\ntraffic: ${[...counters.ok].map(([k, v]) => `${k}=${v}`).join(' ')}; refresh grants at the issuer: ${issuer.counts.refresh}`,
  );
  for (const [k, v] of counters.errors) console.log(`  error ${k}: ${v}`);
  const v = verdict(samples, counters);
  for (const line of v.lines) console.log(line);
  if (!alive) console.log(`authgate exited during the soak:\n${stderr}`);
  const pass = v.pass && alive && issuer.counts.refresh > 0;
  if (issuer.counts.refresh === 0) console.log('no refresh happened: FAIL');
  console.log(
    `verdict: ${pass ? 'PASS' : 'FAIL'}${minutes < 10 ? ` (ran ${minutes} min; the full soak is 10 min)` : ''}`,
  );
  process.exitCode = pass ? 0 : 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
