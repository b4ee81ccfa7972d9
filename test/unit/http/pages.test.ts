import { describe, expect, it } from '@jest/globals';
import { optionsOf, problemsOf, VALID_ARGV } from '../config/configFixtures.js';
import { errorPage, forbiddenPage, signedOutPage, signInPage } from '../../../src/http/pages/pages.js';
import { renderTemplate } from '../../../src/http/pages/templates.js';
import { withFragment } from '../../../src/http/routes/signIn.js';
import { parseWhitelistDomains } from '../../../src/redirect/whitelist.js';

const SIGN_IN = '<form action="{{start_url}}"><input name="rd" value="{{redirect}}"></form>{{provider_name}}';
const ERROR = '<h1>{{title}}</h1><p>{{message}}</p><code>{{ request_id }}</code>{{status}}';
const DIR = '/etc/authgate/templates';
const ctx = { proxyPrefix: '/oauth2', staticPrefix: '/oauth2/static' };

describe('--custom-templates-dir', () => {
  const argv = [...VALID_ARGV, `--custom-templates-dir=${DIR}`];

  it('reads sign_in.html and error.html at start; error.html stands in for the optional pages', () => {
    const o = optionsOf(argv, {}, { [`${DIR}/sign_in.html`]: SIGN_IN, [`${DIR}/error.html`]: ERROR });
    const pages = { ...ctx, templates: o.customTemplates };
    expect(signInPage(pages, 'Dex', '/a?b=1&c="x"')).toBe(
      '<form action="/oauth2/start"><input name="rd" value="/a?b=1&#38;c=&#34;x&#34;"></form>Dex',
    );
    expect(errorPage(pages, 502, '<b>down</b>', 'req-1')).toBe(
      '<h1>Something went wrong</h1><p>&#60;b&#62;down&#60;/b&#62;</p><code>req-1</code>502',
    );
    expect(forbiddenPage(pages, 'not permitted')).toContain('<h1>Access denied</h1><p>not permitted</p>');
    expect(signedOutPage(pages)).toContain('<h1>Signed out</h1>');
  });

  it('refuses a missing directory, a missing required file and unknown variables, each with a fix', () => {
    expect(problemsOf(argv)).toEqual([
      {
        flag: '--custom-templates-dir',
        message: `${DIR} does not exist or holds neither sign_in.html nor error.html`,
        fix: expect.stringContaining('sign_in.html and error.html'),
      },
    ]);
    const problems = problemsOf(argv, {}, { [`${DIR}/sign_in.html`]: `${SIGN_IN}{{user_email}}` });
    expect(problems.map((p) => p.message)).toEqual([
      `${DIR} has no error.html`,
      'sign_in.html uses {{user_email}}, which authgate does not provide',
    ]);
    expect(problems[1]?.fix).toContain('{{redirect}}');
    const noRedirect = problemsOf(
      argv,
      {},
      { [`${DIR}/sign_in.html`]: '<p>hi</p>', [`${DIR}/error.html`]: ERROR },
    );
    expect(noRedirect[0]?.fix).toContain('name="rd" value="{{redirect}}"');
  });

  it('renders only escaped values: a variable can never add markup', () => {
    expect(renderTemplate('{{banner}}|{{unset}}', { banner: `<script>"'&` })).toBe(
      '&#60;script&#62;&#34;&#39;&#38;|',
    );
  });
});

describe('--banner and --footer', () => {
  it('are text on every built-in page; --footer=- hides the footer', () => {
    const o = optionsOf([...VALID_ARGV, '--banner=<i>Prod</i>', '--footer=-']);
    const html = signedOutPage({ ...ctx, banner: o.banner, footer: o.footer });
    expect(html).toContain('<header class="banner"><p>&#60;i&#62;Prod&#60;/i&#62;</p></header>');
    expect(html).not.toContain('<footer');
    expect(signedOutPage(ctx)).toMatch(/<footer class="footer"><p>Secured by authgate \d/);
  });
});

describe('the fragment carried through sign-in', () => {
  const redirectCtx = { whitelist: parseWhitelistDomains(['.example.test']), ownHost: 'app.example.test' };

  it('is appended to the validated target', () => {
    expect(withFragment('/p?q=1', '/pod/ns/x?tab=logs', redirectCtx)).toBe('/p?q=1#/pod/ns/x?tab=logs');
    expect(withFragment('https://a.example.test/p', '/w', redirectCtx)).toBe('https://a.example.test/p#/w');
  });

  it('never changes where the target points; a refused combination falls back to the target alone', () => {
    for (const fragment of [
      '@evil.test',
      '//evil.test/x',
      '\\\\evil.test',
      'x y',
      '\u2028',
      'a'.repeat(3000),
    ]) {
      const result = withFragment('/safe', fragment, redirectCtx);
      expect(new URL(result, 'https://app.example.test/').origin).toBe('https://app.example.test');
      expect(result.startsWith('/safe')).toBe(true);
    }
    // the target's own fragment wins
    expect(withFragment('/p#mine', 'theirs', redirectCtx)).toBe('/p#mine');
    expect(withFragment('/p', null, redirectCtx)).toBe('/p');
  });
});
