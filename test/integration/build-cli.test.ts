import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../src/output/write-output-fs.ts';
import { apiCollection, apiCollectionsIndex, apiRegistry } from '../../src/schema/api.ts';
import { runSifhub, type CliResult } from '../helpers/cli.ts';
import { activeContent, inlineCode, visibleText } from '../helpers/html.ts';
import { image, tagRecord, TempRepo } from '../helpers/git-repo.ts';

// `sifhub build` as a user runs it: a real git repository, the real command, a full Astro build.

const run = promisify(execFile);
const SCRATCH = fileURLToPath(new URL('../../node_modules/.sifhub/', import.meta.url));

const HOSTILE = '<script>alert("x")</script> [click me](javascript:alert(1)) <img src=x onerror="alert(2)"> "><img src=x onerror=alert(3)>';

let repo: TempRepo;
let build: CliResult;
const page = (p: string) => readFile(path.join(repo.dir, 'dist', p), 'utf8');

beforeAll(async () => {
  repo = await TempRepo.create();
  const [a, b] = [image(1), image(2)];
  await repo.write({
    'registry/registry.yml': `name: Lab registry\nurl: https://lab.github.io/registry\ndescription: "Images of the lab. ${HOSTILE.replaceAll('"', '\\"')}"\ncontact: lab@example.org\nhelp: https://example.org/help\nrepository: https://github.com/lab/registry\n`,
    'registry/lab/README.md': `---\nsummary: The lab's images\nowners: [ada]\ntopics: [genomics]\n---\n${HOSTILE}\n`,
    'registry/lab/tool/README.md': `---\nsummary: A tool\nsource: https://github.com/lab/tool\n---\nDescription **bold**\n`,
    'registry/lab/tool/1.0.md': tagRecord(a, 'architecture: amd64\nlabels:\n  maintainer: Ada\n  "<b>key</b>": "\\"><img src=x onerror=alert(4)>"\ndefinition: |\n  Bootstrap: docker\n  From: ubuntu:22.04\n  %post\n    echo "<script>alert(5)</script>"\nrunscript: exec tool "$@"\napps:\n  hello:\n    runscript: echo hello\nsignatures:\n  - { type: pgp, hash: sha256, fingerprint: 1137E72E6816BFC06D9CAA0D15F3F4F4F14B03B2 }\n', 'Release notes\n'),
  });
  await repo.commit('add', '2024-01-01T00:00:00Z', 'Ada Lovelace');
  await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(b, 'architecture: amd64\nrunscript: exec tool "$@"\nlabels:\n  maintainer: Ada\n  "<b>key</b>": "\\"><img src=x onerror=alert(4)>"\ndefinition: |\n  Bootstrap: docker\n  From: ubuntu:22.04\n  %post\n    echo "<script>alert(5)</script>"\napps:\n  hello:\n    runscript: echo hello\n') });
  await repo.commit('move', '2024-02-01T00:00:00Z', 'Grace Hopper');
  build = await runSifhub(['build'], repo.dir);
});

afterAll(() => repo.dispose());

describe('sifhub build', () => {
  it('builds pages, manifests and the API', () => {
    expect(build.stderr).toBe('');
    expect(build.code).toBe(0);
    expect(build.stdout).toMatch(/Built dist\/: 1 collection, 1 container, 1 tag, \d+ shub manifests/);
    for (const file of ['index.html', 'about/index.html', 'collections/index.html', 'collections/lab/index.html', 'collections/lab/tool/index.html', 'collections/lab/tool/1.0/index.html', '404.html', 'api/container/lab/tool:1.0', 'api/v1/registry.json', 'api/v1/schema/manifest.schema.json']) {
      expect(existsSync(path.join(repo.dir, 'dist', file)), file).toBe(true);
    }
  });

  it('writes every JSON file and manifest with <, > and & escaped, so none parses as markup', async () => {
    const dist = path.join(repo.dir, 'dist');
    const files = (await readdir(dist, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile() && (e.name.endsWith('.json') || e.parentPath.includes(`${path.sep}api${path.sep}container`)) && !e.parentPath.includes('pagefind'))
      .map((e) => path.join(e.parentPath, e.name));
    expect(files.length).toBeGreaterThan(10);
    const registry = JSON.parse(await readFile(path.join(dist, 'api/v1/registry.json'), 'utf8')) as { description: string };
    expect(registry.description).toContain('<script>'); // the data is intact; only its spelling changed
    for (const file of files) expect(await readFile(file, 'utf8'), file).not.toMatch(/[<>&]/);
  });

  it('writes API files that match their schemas', async () => {
    const registry = apiRegistry.parse(JSON.parse(await page('api/v1/registry.json')));
    apiCollectionsIndex.parse(JSON.parse(await page('api/v1/collections.json')));
    const lab = apiCollection.parse(JSON.parse(await page('api/v1/collections/lab.json')));
    const tag = lab.containers[0]!.tags[0]!;
    expect([tag.md5, tag.author]).toEqual([image(2).md5, 'Grace Hopper']);
    expect(tag.previous.map((v) => [v.md5, v.author])).toEqual([[image(1).md5, 'Ada Lovelace']]);
    // The templates give the tag's pinned pull, page and manifest; the last two exist in the build.
    const fill = (template: string) => template.replace('{collection}', 'lab').replace('{container}', 'tool').replace('{tag}', tag.name).replace('{md5}', tag.md5);
    expect(fill(registry.templates.pull)).toBe(`shub://lab.github.io/registry/lab/tool:1.0@${image(2).md5}`);
    const local = (url: string) => decodeURIComponent(new URL(url).pathname.replace(/^\/registry\//, ''));
    expect(existsSync(path.join(repo.dir, 'dist', local(fill(registry.templates.tagPage)), 'index.html'))).toBe(true);
    expect(JSON.parse(await page(local(fill(registry.templates.manifest))))).toMatchObject({ version: image(2).md5 });
  });

  it('shows every recorded field and the version history on the tag page', async () => {
    const html = await page('collections/lab/tool/1.0/index.html');
    for (const text of [
      'apptainer pull shub://lab.github.io/registry/lab/tool:1.0',
      `shub://lab.github.io/registry/lab/tool:1.0@${image(2).md5}`,
      `shub://lab.github.io/registry/lab/tool:1.0@${image(1).md5}`,
      image(2).sha256,
      'From: ubuntu:22.04',
      'exec tool &quot;$@&quot;',
      'maintainer',
      'hello',
      'Grace Hopper',
      'Ada Lovelace',
      '2024-02-01 00:00 UTC',
      'href="https://github.com/lab/registry/commit/',
    ]) {
      expect(html, text).toContain(text);
    }
  });

  it('describes a page by its own summary, never by repeating the registry\'s description', async () => {
    expect(await page('index.html')).toContain('<meta name="description"');
    const tag = await page('collections/lab/tool/1.0/index.html');
    expect(tag).toContain('<meta name="description" content="A tool">');
    expect(tag).not.toContain('Images of the lab');
    // A page of a fixed kind says what the kind is, for this registry.
    const about = await page('about/index.html');
    expect(about).toContain('<meta name="description" content="How to pull images from Lab registry with Apptainer, SingularityCE or sregistry-cli');
    expect(about).not.toMatch(/<meta name="description" content="[^"]*Images of the lab/);
  });

  it('links under the path prefix of a project site', async () => {
    const html = await page('collections/lab/tool/index.html');
    expect(html).toContain('href="/registry/collections/lab/tool/1.0/"');
    expect(html).toContain('href="/registry/collections/lab/"');
    const links = [...html.matchAll(/(?:href|src)="(\/[^"]*)"/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(5);
    expect(links.filter((l) => !l.startsWith('/registry/'))).toEqual([]);
  });

  it('renders hostile text inert but visible on every page', async () => {
    const labelPages = (await readdir(path.join(repo.dir, 'dist', 'labels'), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => `labels/${d.name}/index.html`);
    expect(labelPages).toHaveLength(2); // maintainer and <b>key</b>, under a safe slug
    const pages = ['index.html', 'about/index.html', 'collections/lab/index.html', 'collections/lab/tool/1.0/index.html', 'labels/index.html', 'topics/index.html', 'topics/genomics/index.html', ...labelPages];
    for (const p of pages) {
      const html = await page(p);
      expect(activeContent(html), p).toEqual([]);
    }
    const collection = await page('collections/lab/index.html');
    expect(collection).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(collection).toContain('click me');
    const tag = await page('collections/lab/tool/1.0/index.html');
    expect(tag).toContain('&lt;b&gt;key&lt;/b&gt;');
    expect(tag).toContain('echo &quot;&lt;script&gt;alert(5)&lt;/script&gt;&quot;');
  });

  it('writes a favicon, robots.txt, a sitemap of every page, link previews and the API schema index', async () => {
    const sitemap = await page('sitemap.xml');
    const urls = [...sitemap.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]!);
    for (const p of ['', 'collections/lab/', 'collections/lab/tool/', 'collections/lab/tool/1.0/', 'api/v1/schema/', 'labels/maintainer/', 'topics/genomics/']) {
      expect(urls).toContain(`https://lab.github.io/registry/${p}`);
    }
    // Every URL in the sitemap is a page the build wrote.
    for (const url of urls) expect(existsSync(path.join(repo.dir, 'dist', url.slice('https://lab.github.io/registry/'.length), 'index.html')), url).toBe(true);
    expect(await page('robots.txt')).toBe('User-agent: *\nAllow: /registry/\nSitemap: https://lab.github.io/registry/sitemap.xml\n');
    expect(await page('favicon.svg')).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const tagPage = await page('collections/lab/tool/1.0/index.html');
    expect(tagPage).toContain('<link rel="icon" href="/registry/favicon.svg" type="image/svg+xml">');
    expect(tagPage).toContain('<meta property="og:url" content="https://lab.github.io/registry/collections/lab/tool/1.0/">');
    expect(tagPage).toContain('<meta property="og:site_name" content="Lab registry">');
    const schemas = await page('api/v1/schema/index.html');
    expect(schemas).toContain('href="/registry/api/v1/schema/manifest.schema.json"');
    expect(await page('about/index.html')).toContain('href="/registry/api/v1/schema/"');
  });

  it('offers Stars and Downloads in the navigation only when there are counts (here, none)', async () => {
    const nav = /<nav aria-label="Main">([\s\S]*?)<\/nav>/.exec(await page('index.html'))?.[1] ?? '';
    expect(nav).toContain('>Collections</a>');
    expect(nav).not.toContain('>Stars</a>');
    expect(nav).not.toContain('>Downloads</a>');
  });

  it('says "1 container carries" on a label page, and keeps the count apart from the names', async () => {
    const text = visibleText(await page('labels/maintainer/index.html'));
    expect(text).toContain('1 container carries this label, with 1 distinct value.');
    expect(text).toContain('Ada in 1 container: lab/tool (1.0)');
  });

  it('gives every page a Content-Security-Policy: scripts from the site only, nothing inline', async () => {
    const dist = path.join(repo.dir, 'dist');
    const pages = (await readdir(dist, { recursive: true })).filter((f) => f.endsWith('.html'));
    expect(pages.length).toBeGreaterThan(10);
    for (const file of pages) {
      const html = await readFile(path.join(dist, file), 'utf8');
      const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
      expect(csp, file).toBe("default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; worker-src 'self'; manifest-src 'self'; form-action 'self'; base-uri 'none'");
      // The policy comes before anything it governs, and no page needs an exception to it.
      expect(html.indexOf('Content-Security-Policy'), file).toBeLessThan(html.search(/<script|<link rel="stylesheet"/) >>> 0);
      expect(inlineCode(html), file).toEqual([]);
    }
  });

  it('leaves nothing behind in the project or beside the output', async () => {
    expect((await readdir(repo.dir)).sort()).toEqual(['.dist-sites', '.git', 'dist', 'registry']);
    // dist links to the one complete site; nothing else is kept.
    expect(await readdir(path.join(repo.dir, '.dist-sites'))).toEqual([path.basename(await realpath(path.join(repo.dir, 'dist')))]);
  });
});

describe('sifhub build with bad records', () => {
  it('reports all problems, exits 1 and leaves the previous dist/ untouched', async () => {
    const bad = await TempRepo.create();
    try {
      await bad.write({
        'registry/registry.yml': 'name: Bad\nurl: https://example.org\n',
        'registry/My_Lab/tool/1.0.md': tagRecord(image(1)),
        'registry/lab/tool/1.0.md': tagRecord(image(2), 'sha265: x\n'),
        'registry/lab/tool/2.0.md': '---js\n{}\n---\n',
        // Names a host would serve as markup; index.html also collided with the page file (EISDIR).
        'registry/lab/tool/x.svg.md': tagRecord(image(3)),
        'registry/lab/index.html/README.md': '---\nsummary: A page\n---\n',
        'registry/lab/index.html/1.0.md': tagRecord(image(4)),
      });
      await bad.commit('bad', '2024-01-01T00:00:00Z');
      await mkdir(path.join(bad.dir, 'dist'));
      await writeFile(path.join(bad.dir, 'dist', 'index.html'), 'previous site');

      const result = await runSifhub(['build'], bad.dir);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatchInlineSnapshot(`
        "✖ 6 problems in 6 files
        registry/lab/index.html/1.0.md
          the container name "index.html" ends in .html, which a web host serves as text/html: its manifest file would be live markup or script on the registry's own site; try "index-html"
        registry/lab/index.html/README.md
          the container name "index.html" ends in .html, which a web host serves as text/html: its manifest file would be live markup or script on the registry's own site; try "index-html"
        registry/lab/tool/1.0.md
          sha265   unknown field; did you mean "sha256"?  (line 6)
        registry/lab/tool/2.0.md
          frontmatter must be YAML; "---js" is refused (code in records is never run)  (line 1)
        registry/lab/tool/x.svg.md
          the tag name "x.svg" ends in .svg, which a web host serves as image/svg+xml: its manifest file would be live markup or script on the registry's own site; try "x-svg"
        registry/My_Lab/tool/1.0.md
          expected a collection name of 1–39 characters of a-z, 0-9 and - (the shub client's rule), received "My_Lab"; try "my-lab"
        "
      `);
      expect(await readFile(path.join(bad.dir, 'dist', 'index.html'), 'utf8')).toBe('previous site');
      expect((await readdir(bad.dir)).sort()).toEqual(['.git', 'dist', 'registry']);
    } finally {
      await bad.dispose();
    }
  });

  it('fails with the pipeline\'s own error once the pages have started (a shallow clone), and leaves dist/ and nothing else', async () => {
    const clone = await mkdtemp(path.join(tmpdir(), 'sifhub-shallow-'));
    try {
      await run('git', ['clone', '-q', '--depth', '1', `file://${repo.dir}`, clone]);
      await mkdir(path.join(clone, 'dist'));
      await writeFile(path.join(clone, 'dist', 'index.html'), 'previous site');
      const result = await runSifhub(['build'], clone);
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/^✖ This is a shallow clone.*git fetch --unshallow/s);
      expect(result.stderr).not.toMatch(/astro|vite|prerender/i);
      expect(await readFile(path.join(clone, 'dist', 'index.html'), 'utf8')).toBe('previous site');
      expect((await readdir(clone)).sort()).toEqual(['.git', 'dist', 'registry']);
      // Astro, started before the model was ready, finished and took its scratch folder with it.
      const scratch = await readdir(SCRATCH).catch(() => [] as string[]);
      expect(scratch.filter((name) => !isAlive(Number(/^pages-(\d+)-/.exec(name)?.[1])))).toEqual([]);
    } finally {
      await rm(clone, { recursive: true, force: true });
    }
  });

  it('exits 3 with advice outside git, and 2 on bad usage', async () => {
    const result = await runSifhub(['build', '--registry', '/nonexistent/registry'], repo.dir);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('Cannot read the registry folder /nonexistent/registry');
    const usage = await runSifhub(['build', '--colour'], repo.dir);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe('sifhub: unknown option --colour for sifhub build\nUsage: sifhub build [--registry DIR] [--out DIR] [--quiet] [--fresh] [--json]\nRun `sifhub build --help` for its options.\n');
  });
});
