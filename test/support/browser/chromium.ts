/**
 * Debian's chromium driven by playwright-core (Playwright's own browser download does not work here). One
 * browser per test file; each test opens its own context (cookie jar, cache). Helpers: complete the
 * oidc-provider login in the page, save screenshots under test/artifacts/, run axe-core in the page.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { binaryAvailable } from '../processes.js';

export const CHROMIUM_BIN = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../artifacts/', import.meta.url));
const AXE = fileURLToPath(new URL('../../../node_modules/axe-core/axe.min.js', import.meta.url));

export function chromiumAvailable(): boolean {
  return binaryAvailable(CHROMIUM_BIN);
}

/** Headless chromium; every *.example.test name resolves to 127.0.0.1 (the central deployment's subdomains). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_BIN,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--host-resolver-rules=MAP *.example.test 127.0.0.1',
    ],
  });
}

/** Saves test/artifacts/<test>-<step>.png for a person to look at. */
export async function screenshot(page: Page, test: string, step: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = `${ARTIFACTS}${test}-${step}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Completes oidc-provider's dev interactions in the page (login form, then consent) until the browser has
 * left the issuer. With an issuer session already in the context there may be no form at all.
 */
export async function signInAtIssuer(page: Page, issuerUrl: string, login = 'alice'): Promise<void> {
  const issuerOrigin = new URL(issuerUrl).origin;
  for (let step = 0; step < 4; step++) {
    await page.waitForLoadState('load');
    if (new URL(page.url()).origin !== issuerOrigin) return;
    const loginField = page.locator('input[name="login"]');
    if ((await loginField.count()) > 0) {
      await loginField.fill(login);
      await page.locator('input[name="password"]').fill('any');
    }
    // The next document's load: the issuer's next form, or the page it finally sends the browser to.
    await Promise.all([page.waitForEvent('load'), page.locator('form [type="submit"]').first().click()]);
  }
  throw new Error(`still at the issuer after 4 forms: ${page.url()}`);
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

let axeSource: string | undefined;

/**
 * axe-core run in the page: the serious and critical violations (none expected). Evaluated through the
 * DevTools protocol, not added as a <script> tag: the pages' CSP (script-src 'self') rightly blocks injected scripts.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(AXE, 'utf8');
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
