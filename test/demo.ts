/**
 * `npm run demo`: the whole thing on localhost with no other set-up. An embedded development OIDC issuer
 * (any user name signs in), a dashboard-like app that checks the bearer the way kube-apiserver does, and
 * authgate between them. Extra authgate flags may be appended: `npm run demo -- --cookie-expire=1h`.
 */
import { loadOptions } from '../src/config/load.js';
import { ConfigError, formatConfigError } from '../src/config/errors.js';
import { createLogger } from '../src/observability/logger.js';
import { createAuthgate } from '../src/app.js';
import { startIssuer } from './support/issuer.js';
import { createOidcAuthenticator } from './support/apiserver/tokenAuthenticator.js';
import { startDashboardApp } from './support/dashboard/server.js';

const port = Number(process.env.DEMO_PORT ?? 4180);
const issuer = await startIssuer({ defaultGroups: ['dev', 'ops'] });
const dashboard = await startDashboardApp(
  createOidcAuthenticator({
    issuerUrl: issuer.url,
    clientIds: [issuer.clientId],
    usernameClaim: 'email',
    groupsClaim: 'groups',
  }),
);
let options;
try {
  options = loadOptions({
    argv: [
      `--http-address=127.0.0.1:${port}`,
      `--oidc-issuer-url=${issuer.url}`,
      `--client-id=${issuer.clientId}`,
      `--client-secret=${issuer.clientSecret}`,
      '--cookie-secret=ZGVtby1vbmx5LWNvb2tpZS1zZWNyZXQtMzItYnl0ZXM',
      '--cookie-secure=false',
      '--email-domain=*',
      `--upstream=${dashboard.url}/`,
      ...process.argv.slice(2),
    ],
    env: {},
  }).options!;
} catch (err) {
  if (err instanceof ConfigError) console.error(formatConfigError(err));
  process.exit(1);
}
const gate = createAuthgate(options, { log: createLogger(options.logLevel) });
await gate.listen();
console.log(`
  authgate demo is running.

    Open  http://127.0.0.1:${port}/#/workloads?namespace=default

  Sign in with any user name and password (try "alice"; users get the groups dev and ops).
  Issuer: ${issuer.url}   Dashboard-like app: ${dashboard.url}   Ctrl-C stops everything.
`);
const stop = async () => {
  await gate.close(1000);
  await dashboard.stop();
  await issuer.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
