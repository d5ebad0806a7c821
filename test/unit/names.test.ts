import { describe, expect, it } from 'vitest';
import { isValidName, nameProblem, suggestName } from '../../src/schema/names.ts';

describe('name rules (the shub client accepts these, lowercase only)', () => {
  it.each([
    ['collection', 'lab', true],
    ['collection', 'my-lab-2', true],
    ['collection', 'a'.repeat(39), true],
    ['collection', 'a'.repeat(40), false],
    ['collection', 'My_Lab', false],
    ['collection', 'my.lab', false],
    ['container', 'tool.v2_x-y', true],
    ['container', '.hidden', false],
    ['container', 'a'.repeat(64), true],
    ['container', 'a'.repeat(65), false],
    ['tag', '1.0', true],
    ['tag', 'latest', true],
    ['tag', '.hidden', false],
    ['tag', 'RC1', false],
    ['tag', 'readme', false],
    ['tag', 'a b', false],
  ] as const)('%s %j valid: %s', (kind, name, valid) => {
    expect(isValidName(kind, name)).toBe(valid);
  });

  it('suggests a valid name', () => {
    expect(suggestName('collection', 'My_Lab')).toBe('my-lab');
    expect(suggestName('tag', '.hidden')).toBe('hidden');
    expect(suggestName('tag', 'V 1.0')).toBe('v-1.0');
    expect(suggestName('collection', 'a'.repeat(50))).toBe('a'.repeat(39));
    expect(suggestName('tag', '1.0')).toBeUndefined();
  });

  it('explains the rule and suggests a fix', () => {
    expect(nameProblem('collection', 'My_Lab')).toMatchInlineSnapshot(
      `"expected a collection name of 1–39 characters of a-z, 0-9 and - (the shub client's rule), received "My_Lab"; try "my-lab""`,
    );
    expect(nameProblem('tag', 'README')).toMatchInlineSnapshot(`""README" is reserved: README.md is the container's own record, not a tag"`);
    expect(nameProblem('tag', '1.0')).toBeUndefined();
  });
});
