import { describe, expect, it } from 'vitest';
import type { RegistryFile } from '../../src/records/types.ts';
import { checkRegistry } from '../../src/records/check-registry.ts';
import { formatProblems } from '../../src/errors.ts';
import { MAX_BODY_BYTES, MAX_LABELS, MAX_QUOTE_DEPTH } from '../../src/schema/bounds.ts';

const SHA = 'e89ad5f79a1acc7c87e98b28e38c63b1a02759b51d925c67c3967ff06dc13e9f';
const MD5 = 'f03b26b98eca65a2b07a845042204fc3';

function files(map: Record<string, string>): RegistryFile[] {
  return Object.entries(map).map(([path, text]) => ({ path, display: `registry/${path}`, text, blob: path }));
}

const config = 'name: Test\nurl: https://registry.example.org\n';
const tag = (fields: string) => `---\n${fields}\n---\n`;
const good = `url: https://example.org/a.sif\nsha256: ${SHA}\nmd5: ${MD5}\nsize: 792293`;

function report(map: Record<string, string>): string {
  const result = checkRegistry(files({ 'registry.yml': config, ...map }));
  if (result.ok) throw new Error('expected problems');
  return formatProblems(result.problems);
}

describe('checkRegistry', () => {
  it('accepts a record with only url, sha256, md5 and size', () => {
    const result = checkRegistry(files({ 'registry.yml': config, 'lab/tool/1.0.md': tag(good) }));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.registry.tags.map((t) => [t.collection, t.container, t.name])).toEqual([['lab', 'tool', '1.0']]);
    expect(result.registry.collections.map((c) => c.name)).toEqual(['lab']);
  });

  it('accepts only URLs as they are sent: no tab, line feed or space, nothing the parser would rewrite', () => {
    const withUrl = (url: string) => tag(`url: ${JSON.stringify(url)}\nsha256: ${SHA}\nmd5: ${MD5}\nsize: 792293`);
    expect(
      report({
        'lab/tool/tab.md': withUrl('https://example.org/a\t.sif'),
        'lab/tool/lf.md': withUrl('https://example.org/a.sif\n'),
        'lab/tool/space.md': withUrl('https://example.org/a b.sif'),
        'lab/tool/host.md': withUrl('https://EXAMPLE.org/a.sif'),
        'lab/tool/dots.md': withUrl('https://example.org/x/../a.sif'),
      }),
    ).toMatchInlineSnapshot(`
      "✖ 5 problems in 5 files
      registry/lab/tool/dots.md
        url   expected the URL as it is sent: https://example.org/a.sif, received "https://example.org/x/../a.sif"  (line 2)
      registry/lab/tool/host.md
        url   expected the URL as it is sent: https://example.org/a.sif, received "https://EXAMPLE.org/a.sif"  (line 2)
      registry/lab/tool/lf.md
        url   expected an https:// URL without spaces or control characters (tab, line feed), received "https://example.org/a.sif\\n"  (line 2)
      registry/lab/tool/space.md
        url   expected an https:// URL without spaces or control characters (tab, line feed), received "https://example.org/a b.sif"  (line 2)
      registry/lab/tool/tab.md
        url   expected an https:// URL without spaces or control characters (tab, line feed), received "https://example.org/a\\t.sif"  (line 2)"
    `);
    const ok = checkRegistry(files({ 'registry.yml': 'name: Test\nurl: https://registry.example.org\n', 'lab/tool/1.0.md': withUrl('https://example.org/a%20b.sif?x=1') }));
    expect(ok.ok).toBe(true);
  });

  it('refuses access: private where GitHub Pages would serve every file to anyone', () => {
    const result = checkRegistry(files({ 'registry.yml': 'name: Test\nurl: https://lab.github.io/registry\naccess: private\n' }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(formatProblems(result.problems)).toMatch(/access +expected a url on your own server: GitHub Pages serves every file to anyone/);
    expect(checkRegistry(files({ 'registry.yml': 'name: Test\nurl: https://hpc.example.edu/registry\naccess: private\n' })).ok).toBe(true);
  });

  it('reports every problem of the bad-input table in one run', () => {
    expect(
      report({
        'lab/tool/js.md': '---js\n{ url: "x" }\n---\n',
        'lab/tool/types.md': tag(`url: https://example.org/a.sif\nsha256: ${SHA}\nmd5: 3\nsize: "12"\nlabels:\n  version: 3.10\n  ok: "3.10"`),
        'lab/tool/hex.md': tag(`url: https://example.org/a.sif\nsha256: abc\nmd5: ${MD5.toUpperCase()}\nsize: 10`),
        'My_Lab/tool/1.0.md': tag(good),
        'lab/tool/.hidden.md': tag(good),
        [`lab/${'x'.repeat(65)}/1.0.md`]: tag(good),
        'lab/tool/http.md': tag(good.replace('https://example.org/a.sif', 'http://example.org/a.sif')),
        'lab/tool/js-url.md': tag(good.replace('https://example.org/a.sif', 'javascript:alert(1)')),
        'lab/tool/file-url.md': tag(good.replace('https://example.org/a.sif', 'file:///etc/passwd')),
        'lab/tool/typo.md': tag(good.replace('sha256', 'sha265')),
      }),
    ).toMatchInlineSnapshot(`
      "✖ 14 problems in 10 files
      registry/lab/tool/.hidden.md
        expected a tag name of 1–64 characters of a-z, 0-9, ., _ and -, not starting with . (the shub client's rule), received ".hidden"; try "hidden"
      registry/lab/tool/file-url.md
        url   expected an https:// URL without credentials, received "file:///etc/passwd"  (line 2)
      registry/lab/tool/hex.md
        sha256   expected 64 lowercase hex characters, received "abc"  (line 3)
        md5      expected 32 lowercase hex characters, received "F03B26B98ECA65A2B07A845042204FC3"  (line 4)
      registry/lab/tool/http.md
        url   expected an https:// URL without credentials, received "http://example.org/a.sif"  (line 2)
      registry/lab/tool/js-url.md
        url   expected an https:// URL without credentials, received "javascript:alert(1)"  (line 2)
      registry/lab/tool/js.md
        frontmatter must be YAML; "---js" is refused (code in records is never run)  (line 1)
      registry/lab/tool/types.md
        md5              expected 32 lowercase hex characters, received the number 3  (line 4)
        size             expected a number written without quotes, received the string "12"  (line 5)
        labels.version   3.10 is a number; quote it: "3.10"  (line 7)
      registry/lab/tool/typo.md
        sha256   required field is missing
        sha265   unknown field; did you mean "sha256"?  (line 3)
      registry/lab/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx/1.0.md
        expected a container name of 1–64 characters of a-z, 0-9, ., _ and -, not starting with . (the shub client's rule), received "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…"; try "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
      registry/My_Lab/tool/1.0.md
        expected a collection name of 1–39 characters of a-z, 0-9 and - (the shub client's rule), received "My_Lab"; try "my-lab""
    `);
  });

  it('checks the content of a misnamed record too', () => {
    expect(report({ 'My_Lab/tool/1.0.md': tag(good.replace(MD5, 'xyz')) })).toMatchInlineSnapshot(`
      "✖ 2 problems in 1 file
      registry/My_Lab/tool/1.0.md
        expected a collection name of 1–39 characters of a-z, 0-9 and - (the shub client's rule), received "My_Lab"; try "my-lab"
        md5   expected 32 lowercase hex characters, received "xyz"  (line 4)"
    `);
  });

  it('refuses a label or app named __proto__ (it would vanish), and keeps constructor', () => {
    expect(report({ 'lab/tool/1.0.md': tag(`${good}\nlabels:\n  constructor: kept\n  __proto__: lost\napps:\n  __proto__:\n    runscript: echo lost`) })).toMatchInlineSnapshot(`
      "✖ 2 problems in 1 file
      registry/lab/tool/1.0.md
        labels.__proto__   "__proto__" cannot be a name: JavaScript takes it as an object's prototype, so this label or app would vanish from the site; rename it  (line 8)
        apps.__proto__     "__proto__" cannot be a name: JavaScript takes it as an object's prototype, so this label or app would vanish from the site; rename it  (line 11)"
    `);
    const result = checkRegistry(files({ 'registry.yml': config, 'lab/tool/1.0.md': tag(`${good}\nlabels:\n  constructor: kept\n  toString: too\napps:\n  constructor:\n    runscript: echo kept`) }));
    expect(result.ok && result.registry.tags[0]!.record).toMatchObject({ labels: { constructor: 'kept', toString: 'too' }, apps: { constructor: { runscript: 'echo kept' } } });
  });

  it('bounds what one record costs the build: body size, quote nesting, labels', () => {
    const labels = Array.from({ length: MAX_LABELS + 1 }, (_, i) => `  k${i}: v`).join('\n');
    const text = report({
      'lab/README.md': `---\nsummary: Lab\n---\n${'word '.repeat(MAX_BODY_BYTES / 5 + 1)}\n`,
      'lab/tool/1.0.md': `${tag(`${good}\nlabels:\n${labels}`)}Notes.\n\n> > quoted\n${'>'.repeat(MAX_QUOTE_DEPTH + 1)} too deep\n`,
      'lab/tool/2.0.md': `${tag(good)}${'> '.repeat(MAX_QUOTE_DEPTH)}deep enough\n- > > > > > > > > > in a list\n`,
    });
    expect(text).toMatchInlineSnapshot(`
      "✖ 4 problems in 3 files
      registry/lab/README.md
        the Markdown after the frontmatter (description) is 32,771 bytes; at most 32,768: link to longer documents
      registry/lab/tool/1.0.md
        labels   expected at most 200 labels (each key is a page of the site), received 201  (line 7)
        the Markdown after the frontmatter (release notes) nests block quotes 9 deep; at most 8  (line 212)
      registry/lab/tool/2.0.md
        the Markdown after the frontmatter (release notes) nests block quotes 9 deep; at most 8  (line 8)"
    `);
  });

  it('names the file and line of a number that should be a string', () => {
    expect(report({ 'lab/tool/1.0.md': tag(`${good}\nlabels:\n  version: 3.10`) })).toMatchInlineSnapshot(`
      "✖ 1 problem in 1 file
      registry/lab/tool/1.0.md
        labels.version   3.10 is a number; quote it: "3.10"  (line 7)"
    `);
  });

  it('asks to quote a hash that YAML read as a number', () => {
    const digits = '12345678901234567890123456789012';
    expect(report({ 'lab/tool/1.0.md': tag(good.replace(MD5, digits)) })).toContain(`md5   ${digits} is a number; quote it: "${digits}"  (line 4)`);
  });

  it('refuses the same image recorded with different md5 or size', () => {
    expect(report({ 'lab/tool/1.0.md': tag(good), 'lab/tool/2.0.md': tag(good.replace('792293', '792294')) })).toMatchInlineSnapshot(`
      "✖ 1 problem in 1 file
      registry/lab/tool/2.0.md
        size   registry/lab/tool/1.0.md records the same sha256 with size 792293, this record says 792294: one of them is wrong"
    `);
  });

  it('takes a tag of several architectures: one image each, its own architecture named, every image checked as the tag\'s is', () => {
    const OTHER = '8032cf0d6a2f8a5e3aabb58473b4143c41464242e9a9ea7212bc61937ff8fa50';
    const platform = (arch: string, sha = OTHER, size = '841445') => `  - architecture: ${arch}\n    url: https://example.org/${arch}.sif\n    sha256: ${sha}\n    md5: e3a5408b2a3e130f15862284ae78f61a\n    size: ${size}`;
    const ok = checkRegistry(files({ 'registry.yml': config, 'lab/tool/1.0.md': tag(`${good}\narchitecture: amd64\nplatforms:\n${platform('arm64')}`) }));
    expect(ok.ok).toBe(true);
    expect(
      report({
        'lab/tool/unnamed.md': tag(`${good}\nplatforms:\n${platform('arm64')}`),
        'lab/tool/twice.md': tag(`${good}\narchitecture: arm64\nplatforms:\n${platform('arm64')}`),
        'lab/tool/same.md': tag(`${good}\narchitecture: amd64\nplatforms:\n${platform('arm64', SHA)}`),
        'lab/tool/http.md': tag(`${good}\narchitecture: amd64\nplatforms:\n${platform('arm64').replace('https:', 'http:')}`),
      }),
    ).toMatchInlineSnapshot(`
      "✖ 4 problems in 4 files
      registry/lab/tool/http.md
        platforms.0.url   expected an https:// URL without credentials, received "http://example.org/arm64.sif"  (line 9)
      registry/lab/tool/same.md
        platforms.0.sha256   expected another architecture's image, received the same image as sha256  (line 10)
      registry/lab/tool/twice.md
        platforms.0.architecture   expected one image per architecture, received arm64 again (architecture names it)  (line 8)
      registry/lab/tool/unnamed.md
        platforms   a tag with platforms names the architecture of its own image (the one at url): add \`architecture:\` as \`sifhub inspect\` prints it  (line 7)"
    `);
    // One image is one image, whichever tag or architecture names it.
    expect(report({ 'lab/tool/1.0.md': tag(`${good}\narchitecture: amd64\nplatforms:\n${platform('arm64')}`), 'lab/tool/2.0.md': tag(`${good}\narchitecture: amd64\nplatforms:\n${platform('arm64', OTHER, '1')}`) })).toMatchInlineSnapshot(`
      "✖ 1 problem in 1 file
      registry/lab/tool/2.0.md
        platforms.0.size   registry/lab/tool/1.0.md records the same sha256 with size 841445, this record says 1: one of them is wrong"
    `);
  });

  it('takes GitLab usernames as owners on GitLab, and on GitHub only GitHub logins', () => {
    const owners = { 'lab/README.md': '---\nowners: [ada.lovelace, grace_h]\n---\n', 'lab/tool/1.0.md': tag(good) };
    expect(checkRegistry(files({ 'registry.yml': `${config}repository: https://gitlab.example.edu/lab/images\nforge: gitlab\n`, ...owners })).ok).toBe(true);
    expect(report({ ...owners })).toMatchInlineSnapshot(`
      "✖ 2 problems in 1 file
      registry/lab/README.md
        owners.0   expected a GitHub login (letters, digits and single hyphens), received "ada.lovelace"; a GitLab registry says forge: gitlab in registry.yml
        owners.1   expected a GitHub login (letters, digits and single hyphens), received "grace_h"; a GitLab registry says forge: gitlab in registry.yml"
    `);
  });

  it('wants a whole issue number for starsIssue, and a repository for it to live in', () => {
    expect(report({ 'lab/README.md': '---\nstarsIssue: 7\n---\n', 'bio/README.md': '---\nstarsIssue: "7"\n---\n', 'cv/README.md': '---\nstarsIssue: 7.5\n---\n' })).toMatchInlineSnapshot(`
      "✖ 3 problems in 3 files
      registry/bio/README.md
        starsIssue   expected a number written without quotes, received the string "7"  (line 2)
      registry/cv/README.md
        starsIssue   expected an issue number such as 12, received 7.5  (line 2)
      registry/lab/README.md
        starsIssue   names issue #7, but registry.yml has no \`repository\` for it to live in; add repository: https://github.com/OWNER/REPO"
    `);
    const withRepository = checkRegistry(files({ 'registry.yml': `${config}repository: https://github.com/lab/registry\n`, 'lab/README.md': '---\nstarsIssue: 7\n---\n' }));
    expect(withRepository.ok).toBe(true);
  });

  it('checks registry.yml: https, no port, no underscore, at most 64 characters', () => {
    const check = (url: string) => {
      const result = checkRegistry(files({ 'registry.yml': `name: T\nurl: ${url}\n` }));
      return result.ok ? 'ok' : result.problems.map((p) => p.message).join('; ');
    };
    expect(check('https://lab.github.io/registry')).toBe('ok');
    expect(check('http://lab.github.io')).toMatchInlineSnapshot(`"expected an https:// URL without credentials, received "http://lab.github.io""`);
    expect(check('https://localhost:8080')).toMatchInlineSnapshot(`"expected no port: the shub client refuses one in shub:// URIs (serve the site on the default port), received "https://localhost:8080""`);
    expect(check('https://my_lab.example.org')).toMatchInlineSnapshot(`"expected host and path of at most 64 characters of a-z, 0-9, ., - and / (the shub client's rule; "my_lab.example.org" has 18), received "https://my_lab.example.org""`);
    expect(check(`https://example.org/${'a'.repeat(60)}`)).toMatchInlineSnapshot(`"expected host and path of at most 64 characters of a-z, 0-9, ., - and / (the shub client's rule; "example.org/aaaaaaaaaaaaaaaaaaaaaaaaaaa…" has 72), received "https://example.org/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…""`);
  });

  it('requires registry.yml and refuses stray files', () => {
    const result = checkRegistry(files({ 'notes.txt': 'x', 'lab/1.0.md': tag(good), 'lab/tool/image.sif': 'x' }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(formatProblems(result.problems)).toMatchInlineSnapshot(`
      "✖ 4 problems in 4 files
      registry/lab/1.0.md
        unexpected file: a collection folder holds README.md and one folder per container; tag records go in <collection>/<container>/<tag>.md
      registry/lab/tool/image.sif
        unexpected file: tag records are Markdown files named <tag>.md
      registry/notes.txt
        unexpected file: the top of the registry holds registry.yml, README.md and one folder per collection
      registry/registry.yml
        missing: every registry needs registry.yml with at least name and url"
    `);
  });
});
