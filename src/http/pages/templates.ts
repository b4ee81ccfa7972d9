/**
 * --custom-templates-dir: an operator's own HTML for authgate's pages. No template engine: `{{name}}` is
 * replaced by the variable's value, always HTML-escaped (so a value can never add markup or script), and a
 * name authgate does not know is refused at start rather than rendered as nothing.
 *
 * Files: sign_in.html and error.html are required (oauth2-proxy's two names); signed_out.html and
 * forbidden.html are optional and fall back to error.html, which then gets their title and message.
 */
import { escapeHtml } from './render.js';

export const REQUIRED_TEMPLATES = ['sign_in.html', 'error.html'] as const;
export const OPTIONAL_TEMPLATES = ['signed_out.html', 'forbidden.html'] as const;
export type TemplateFile = (typeof REQUIRED_TEMPLATES)[number] | (typeof OPTIONAL_TEMPLATES)[number];

/** File name -> contents, as read at start. */
export type TemplateTexts = Readonly<Partial<Record<string, string>>>;

/** Every variable a template may use; documented in the README ("The browser experience"). */
export const TEMPLATE_VARIABLES = [
  // every page
  'title',
  'product',
  'version',
  'banner',
  'footer',
  'proxy_prefix',
  'static_url',
  'stylesheet_url',
  'script_url',
  'sign_in_url',
  'sign_out_url',
  // sign_in.html
  'provider_name',
  'redirect',
  'start_url',
  // error.html, forbidden.html, signed_out.html
  'message',
  'status',
  'request_id',
] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];
export type TemplateValues = Partial<Record<TemplateVariable, string>>;

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const KNOWN: ReadonlySet<string> = new Set(TEMPLATE_VARIABLES);

export interface TemplateProblem {
  readonly message: string;
  readonly fix: string;
}

/** What is wrong with one template (empty when nothing is). */
export function templateProblems(file: string, text: string): TemplateProblem[] {
  const unknown = [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1] ?? ''))].filter(
    (name) => !KNOWN.has(name),
  );
  const problems = unknown.map((name) => ({
    message: `${file} uses {{${name}}}, which authgate does not provide`,
    fix: `use only these variables: ${TEMPLATE_VARIABLES.map((n) => `{{${n}}}`).join(' ')}`,
  }));
  if (file === 'sign_in.html' && !/\{\{\s*redirect\s*\}\}/.test(text)) {
    problems.push({
      message:
        'sign_in.html never uses {{redirect}}: every user would land on / instead of the page they asked for',
      fix: 'put <input type="hidden" name="rd" value="{{redirect}}"> in its sign-in form',
    });
  }
  return problems;
}

/** Substitutes every `{{name}}`, HTML-escaped; variables that do not apply to this page render empty. */
export function renderTemplate(text: string, values: TemplateValues): string {
  return text.replace(PLACEHOLDER, (_match, name: string) =>
    escapeHtml(values[name as TemplateVariable] ?? ''),
  );
}
