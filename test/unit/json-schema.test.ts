import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { recordJsonSchemas, toJsonText } from '../../src/schema/json-schema.ts';

describe('registry/.schema/', () => {
  it.each(Object.entries(recordJsonSchemas()))('%s matches the zod schema (run `npm run schema` after changing it)', async (name, schema) => {
    const committed = await readFile(new URL(`../../registry/.schema/${name}`, import.meta.url), 'utf8');
    expect(committed).toBe(toJsonText(schema));
  });
});
