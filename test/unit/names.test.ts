import { describe, expect, it } from 'vitest';
import mimeDb from 'mime-db';
import { isValidName, nameProblem, suggestName } from '../../src/schema/names.ts';
import { isActiveType, servedAs } from '../../src/schema/served-as.ts';

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

  // Names become files (api/container/lab/tool:1.0): none may be served as markup or script.
  it.each([
    ['tag', 'x.html'], ['tag', 'x.htm'], ['tag', 'x.xhtml'], ['tag', 'x.svg'], ['tag', 'x.xml'], ['tag', 'x.js'],
    ['tag', 'x.mjs'], ['tag', 'x.css'], ['tag', 'x.xsl'], ['tag', 'x.rss'], ['tag', 'x.pdf'], ['tag', 'x.shtml'],
    ['tag', 'index.html'], ['container', 'index.html'], ['container', 'tool.svg'], ['container', 'feed.atom'],
  ] as const)('refuses the %s %j: a host would serve it as a document or script', (kind, name) => {
    expect(isValidName(kind, name)).toBe(false);
    expect(nameProblem(kind, name)).toContain(`which a web host serves as ${servedAs(name)}`);
  });

  it.each([['tag', '3.10'], ['tag', '2024.01.15'], ['tag', 'v1.0-gpu'], ['container', 'samtools.py'], ['container', 'data.json'], ['tag', 'x.html-1']] as const)(
    'keeps the %s %j: served as inert data', (kind, name) => {
      expect(isValidName(kind, name)).toBe(true);
    });

  it('says why an active name is refused and offers one without the extension', () => {
    expect(nameProblem('tag', 'index.html')).toMatchInlineSnapshot(`"the tag name "index.html" ends in .html, which a web host serves as text/html: its manifest file would be live markup or script on the registry's own site; try "index-html""`);
  });

  it('refuses every extension mime-db (GitHub Pages\' table) types as HTML, XML, script or style', () => {
    const active = Object.entries(mimeDb).filter(([type]) => isActiveType(type)).flatMap(([, entry]) => entry.extensions ?? []);
    expect(active).toEqual(expect.arrayContaining(['html', 'htm', 'xhtml', 'xht', 'svg', 'xml', 'xsl', 'js', 'mjs', 'css', 'rdf', 'atom', 'mathml']));
    expect(active.filter((extension) => isValidName('tag', `x.${extension}`))).toEqual([]);
  });
});
