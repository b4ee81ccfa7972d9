/**
 * The page flags -> Options: --banner, --footer and --custom-templates-dir. The templates are read and checked
 * here, at start, so a missing file or a misspelt {{variable}} stops authgate with the problem named instead of
 * showing users a broken sign-in page.
 */
import { join } from 'node:path';
import type { ReadFile } from './buildSecrets.js';
import type { Checker } from './checks.js';
import type { Options } from './options.js';
import { OPTIONAL_TEMPLATES, REQUIRED_TEMPLATES, templateProblems } from '../http/pages/templates.js';

type PageOptions = Pick<Options, 'customTemplatesDir' | 'customTemplates' | 'banner' | 'footer'>;

const FLAG = 'custom-templates-dir';

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unreadable';
}

export function pageOptions(check: Checker, readFile: ReadFile): PageOptions {
  const v = check.values;
  const dir = v.str(FLAG);
  return {
    customTemplatesDir: dir,
    customTemplates: dir ? readTemplates(check, readFile, dir) : null,
    banner: v.str('banner'),
    footer: v.str('footer'),
  };
}

function readTemplates(check: Checker, readFile: ReadFile, dir: string): Record<string, string> | null {
  const texts: Record<string, string> = {};
  const missing: string[] = [];
  for (const file of [...REQUIRED_TEMPLATES, ...OPTIONAL_TEMPLATES]) {
    try {
      texts[file] = readFile(join(dir, file));
    } catch (err) {
      const code = errorCode(err);
      const required = (REQUIRED_TEMPLATES as readonly string[]).includes(file);
      if (code === 'ENOENT' && !required) continue;
      if (code === 'ENOENT') missing.push(file);
      else
        check.report(
          FLAG,
          `cannot read ${join(dir, file)} (${code})`,
          'check that authgate may read the file',
        );
    }
  }
  if (missing.length === REQUIRED_TEMPLATES.length) {
    check.report(
      FLAG,
      `${dir} does not exist or holds neither ${REQUIRED_TEMPLATES.join(' nor ')}`,
      `point it at a directory with ${REQUIRED_TEMPLATES.join(' and ')} (optionally ${OPTIONAL_TEMPLATES.join(', ')})`,
    );
    return null;
  }
  for (const file of missing) {
    check.report(
      FLAG,
      `${dir} has no ${file}`,
      `add ${file}: authgate needs both ${REQUIRED_TEMPLATES.join(' and ')}`,
    );
  }
  for (const [file, text] of Object.entries(texts)) {
    for (const problem of templateProblems(file, text)) check.report(FLAG, problem.message, problem.fix);
  }
  return texts;
}
