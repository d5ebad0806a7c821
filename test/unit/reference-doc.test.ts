import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { referenceMarkdown } from '../../src/commands/reference-doc.ts';

describe('docs/reference.md', () => {
  it('says what the commands and the record schemas say (npm run docs writes it)', async () => {
    const committed = await readFile(new URL('../../docs/reference.md', import.meta.url), 'utf8');
    expect(committed, 'docs/reference.md is out of date: run npm run docs').toBe(await referenceMarkdown());
  });
});
