import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startIssuer, type Issuer } from '../support/issuer.js';
import { BrowserClient } from '../support/browserClient.js';
import { startAuthgate, TEST_COOKIE_SECRET, type RunningAuthgate } from '../support/authgate.js';
import { freePort } from '../support/processes.js';

const BROWSER = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

/**
 * Every answer authgate writes itself follows one rule: JSON for --api-route paths, --force-json-errors and
 * clients asking for JSON; a page otherwise. The upstream here is a closed port, so proxied requests get 502.
 */
describe('JSON or page, the same rule for every answer authgate writes', () => {
  let issuer: Issuer;
  let apiRoutes: RunningAuthgate;
  let forced: RunningAuthgate;

  beforeAll(async () => {
    issuer = await startIssuer();
    const common = async () => [
      `--oidc-issuer-url=${issuer.url}`,
      `--client-id=${issuer.clientId}`,
      `--client-secret=${issuer.clientSecret}`,
      `--cookie-secret=${TEST_COOKIE_SECRET}`,
      '--cookie-secure=false',
      '--email-domain=*',
      `--upstream=http://127.0.0.1:${await freePort()}/`,
    ];
    apiRoutes = await startAuthgate([...(await common()), '--api-route=^/api/']);
    forced = await startAuthgate([...(await common()), '--force-json-errors=true']);
  });
  afterAll(async () => {
    await apiRoutes?.stop();
    await forced?.stop();
    await issuer?.stop();
  });

  it('answers a 502 on an --api-route path in JSON even to a browser, and a page elsewhere', async () => {
    const browser = new BrowserClient();
    const { final } = await browser.follow(`${apiRoutes.url}/oauth2/start?rd=/app`);
    expect(final.status).toBe(502);
    expect(final.header('content-type')).toContain('text/html');
    const api = await browser.get(`${apiRoutes.url}/api/v1/pods`, { headers: BROWSER });
    expect(api.status).toBe(502);
    expect(api.header('content-type')).toContain('application/json');
    expect(api.json<{ error: string }>().error).toBe('bad_gateway');
  });

  it('answers an unknown /oauth2 page in JSON on an --api-route path or with --force-json-errors', async () => {
    const page = await new BrowserClient().get(`${apiRoutes.url}/oauth2/nothing-here`, { headers: BROWSER });
    expect(page.status).toBe(404);
    expect(page.header('content-type')).toContain('text/html');
    const json = await new BrowserClient().get(`${forced.url}/oauth2/nothing-here`, { headers: BROWSER });
    expect(json.status).toBe(404);
    expect(json.header('content-type')).toContain('application/json');
    expect(json.json<{ error: string }>().error).toBe('not_found');
  });
});
