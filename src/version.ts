import { readFileSync } from 'node:fs';

export const PRODUCT_NAME = 'authgate';

/** Read once from package.json, which ships beside dist/ (and src/ in development). */
export const PRODUCT_VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();
