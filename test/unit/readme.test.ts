import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { replaceFlagsBlock } from '../../scripts/flagsDoc.js';
import { FLAGS } from '../../src/config/flags.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('lists every flag with its default, exactly as the flag table says (run `npm run docs:flags`)', () => {
    expect(replaceFlagsBlock(readme)).toBe(readme);
    for (const f of FLAGS) expect(readme).toContain(`\`--${f.name}\``);
  });

  it('names the two commands: the demo and the tests', () => {
    expect(readme).toContain('npm run demo');
    expect(readme).toContain('bash .ci/run');
  });
});
