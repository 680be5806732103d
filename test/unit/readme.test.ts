/** The README's configuration table is generated from the config schema; this keeps the two in step. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configTable } from '../../config/table.ts';

describe('README', () => {
  it('holds the configuration table generated from config/schema.ts (npx tsx config/table.ts)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(configTable());
  });
});
