import { execFile } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ContainerEntry, Site, TagEntry } from '../model/types.ts';
import type { RegistryInput } from '../records/types.ts';
import { formatBytes } from '../site/format.ts';
import { shubUri } from '../site/urls.ts';
import { writeFiles } from '../output/write-output-fs.ts';

// The benchmark's peers: the same pages from the same records, as a Jekyll site and as
// a Hugo site, so `npm run bench` can set sifhub's build beside theirs. Each peer gets what sifhub's
// templates get (the site model after history and joins) as front matter, and renders it with its
// own template language into the same URLs: every tag, container and collection page, the home
// page, the collection list, and every topic and label page. Release notes and descriptions are
// the pages' Markdown bodies, rendered by each peer's own Markdown. Search, manifests and the
// API are sifhub's alone and are not asked of them.

interface PeerPage {
  /** The page's folder under the site root ("collections/lab/tool/1.0"); "" for the home page. */
  url: string;
  layout: 'home' | 'list' | 'collection' | 'container' | 'tag';
  title: string;
  /** Front matter beyond url, layout and title: lowercase keys (Hugo lowercases them). */
  data: Record<string, unknown>;
  /** Markdown. */
  body: string;
}

/** Every page both peers render, from the site model and the records' Markdown. */
function toPeerPages(site: Site, registry: RegistryInput): PeerPage[] {
  const pages: PeerPage[] = [];
  const markdown = new Map<string, string>([
    ...registry.collections.map((c) => [c.name, c.description] as const),
    ...registry.containers.map((c) => [`${c.collection}/${c.name}`, c.description] as const),
    ...registry.tags.map((t) => [`${t.collection}/${t.container}:${t.name}`, t.notes] as const),
  ]);
  const tagRow = (t: TagEntry) => ({ name: t.name, href: `/collections/${t.collection}/${t.container}/${t.name}/`, size: formatBytes(t.current.size), date: t.lastChanged ?? '' });
  const containerRow = (c: ContainerEntry) => ({ name: `${c.collection}/${c.name}`, href: `/collections/${c.collection}/${c.name}/`, summary: c.record.summary ?? '', tags: c.tags.length, bytes: formatBytes(c.bytes) });
  pages.push({
    url: '',
    layout: 'home',
    title: site.config.name,
    data: { counts: site.counts, recent: site.recent.slice(0, 20).map(tagRow) },
    body: '',
  });
  pages.push({ url: 'collections', layout: 'list', title: 'Collections', data: { rows: site.collections.map((c) => ({ name: c.name, href: `/collections/${c.name}/`, summary: c.record.summary ?? '', tags: c.tagCount, bytes: formatBytes(c.bytes) })) }, body: '' });
  for (const collection of site.collections) {
    pages.push({ url: `collections/${collection.name}`, layout: 'collection', title: collection.name, data: { summary: collection.record.summary ?? '', rows: collection.containers.map(containerRow) }, body: markdown.get(collection.name) ?? '' });
    for (const container of collection.containers) {
      pages.push({
        url: `collections/${container.collection}/${container.name}`,
        layout: 'container',
        title: `${container.collection}/${container.name}`,
        data: { summary: container.record.summary ?? '', rows: container.tags.map(tagRow), topics: container.topics, pull: shubUri(site.config, container.collection, container.name, {}) },
        body: markdown.get(`${container.collection}/${container.name}`) ?? '',
      });
      for (const tag of container.tags) {
        const { record } = tag;
        pages.push({
          url: `collections/${tag.collection}/${tag.container}/${tag.name}`,
          layout: 'tag',
          title: `${tag.collection}/${tag.container}:${tag.name}`,
          data: {
            pull: shubUri(site.config, tag.collection, tag.container, { tag: tag.name }),
            pinned: shubUri(site.config, tag.collection, tag.container, { tag: tag.name, digest: record.md5 }),
            image: { url: record.url, sha256: record.sha256, md5: record.md5, size: formatBytes(record.size), architecture: record.architecture ?? '', created: record.created ?? '' },
            labels: Object.entries(record.labels ?? {}),
            definition: record.definition ?? '',
            versions: tag.versions.map((v) => ({ sha256: v.sha256, size: formatBytes(v.size), date: v.date ?? '', author: v.author ?? '', commit: v.commit ?? '' })),
          },
          body: markdown.get(`${tag.collection}/${tag.container}:${tag.name}`) ?? '',
        });
      }
    }
  }
  pages.push({ url: 'topics', layout: 'list', title: 'Topics', data: { rows: site.topics.map((t) => ({ name: t.topic, href: `/topics/${t.topic}/`, summary: '', tags: t.containers.length, bytes: '' })) }, body: '' });
  for (const topic of site.topics) pages.push({ url: `topics/${topic.topic}`, layout: 'list', title: `Topic: ${topic.topic}`, data: { rows: topic.containers.map(containerRow) }, body: '' });
  pages.push({ url: 'labels', layout: 'list', title: 'Labels', data: { rows: site.labels.filter((l) => l.slug).map((l) => ({ name: l.key, href: `/labels/${l.slug}/`, summary: '', tags: l.containerCount, bytes: '' })) }, body: '' });
  for (const label of site.labels) {
    if (!label.slug) continue;
    const rows = label.values.flatMap((v) => v.holders.map((h) => ({ ...containerRow(h.container), summary: v.value })));
    pages.push({ url: `labels/${label.slug}`, layout: 'list', title: `Label: ${label.key}`, data: { rows }, body: '' });
  }
  return pages;
}

const STYLE = 'body{font-family:system-ui,sans-serif;max-width:72rem;margin:auto;padding:1rem}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.25rem .5rem;text-align:left}pre{overflow-x:auto;background:#f6f8fa;padding:.5rem}\n';

/** A Jekyll 4 source folder: `_config.yml`, Liquid layouts, and one Markdown page per URL. */
async function writeJekyllSite(site: Site, pages: readonly PeerPage[], dir: string): Promise<void> {
  const nav = `<header><a href="{{ '/' | relative_url }}">{{ site.title | escape }}</a> <nav><a href="{{ '/collections/' | relative_url }}">Collections</a> <a href="{{ '/topics/' | relative_url }}">Topics</a> <a href="{{ '/labels/' | relative_url }}">Labels</a></nav></header>`;
  const rows = `<table><thead><tr><th>Name</th><th>Summary</th><th>Count</th><th>Size</th></tr></thead><tbody>{% for r in page.rows %}<tr><td><a href="{{ r.href | relative_url }}">{{ r.name | escape }}</a></td><td>{{ r.summary | escape }}</td><td>{{ r.tags }}</td><td>{{ r.bytes }}</td></tr>{% endfor %}</tbody></table>`;
  const layouts: Record<string, string> = {
    base: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ page.title | escape }} · {{ site.title | escape }}</title><link rel="stylesheet" href="{{ '/style.css' | relative_url }}"></head><body>${nav}<main>{{ content }}</main></body></html>\n`,
    home: `---\nlayout: base\n---\n<h1>{{ site.title | escape }}</h1><p>{{ page.counts.collections }} collections, {{ page.counts.containers }} containers, {{ page.counts.tags }} tags</p><ul>{% for t in page.recent %}<li><a href="{{ t.href | relative_url }}">{{ t.name | escape }}</a> {{ t.date }}</li>{% endfor %}</ul>\n`,
    list: `---\nlayout: base\n---\n<h1>{{ page.title | escape }}</h1>{{ content }}${rows}\n`,
    collection: `---\nlayout: base\n---\n<h1>{{ page.title | escape }}</h1>{{ content }}${rows}\n`,
    container: `---\nlayout: base\n---\n<h1>{{ page.title | escape }}</h1>{{ content }}<pre><code>singularity pull {{ page.pull | escape }}</code></pre><p>{% for t in page.topics %}<a href="{{ '/topics/' | append: t | append: '/' | relative_url }}">{{ t }}</a> {% endfor %}</p><table><thead><tr><th>Tag</th><th>Size</th><th>Changed</th></tr></thead><tbody>{% for r in page.rows %}<tr><td><a href="{{ r.href | relative_url }}">{{ r.name | escape }}</a></td><td>{{ r.size }}</td><td>{{ r.date }}</td></tr>{% endfor %}</tbody></table>\n`,
    tag: `---\nlayout: base\n---\n<h1>{{ page.title | escape }}</h1><pre><code>singularity pull {{ page.pull | escape }}\nsingularity pull {{ page.pinned | escape }}</code></pre><dl><dt>URL</dt><dd>{{ page.image.url | escape }}</dd><dt>sha256</dt><dd>{{ page.image.sha256 }}</dd><dt>md5</dt><dd>{{ page.image.md5 }}</dd><dt>Size</dt><dd>{{ page.image.size }}</dd><dt>Architecture</dt><dd>{{ page.image.architecture | escape }}</dd><dt>Built</dt><dd>{{ page.image.created }}</dd></dl>{{ content }}<h2>Labels</h2><table>{% for l in page.labels %}<tr><th>{{ l[0] | escape }}</th><td>{{ l[1] | escape }}</td></tr>{% endfor %}</table><h2>Definition</h2><pre><code>{{ page.definition | escape }}</code></pre><h2>Versions</h2><table><thead><tr><th>Date</th><th>Image</th><th>Size</th><th>Author</th><th>Commit</th></tr></thead><tbody>{% for v in page.versions %}<tr><td>{{ v.date }}</td><td>{{ v.sha256 | slice: 0, 12 }}</td><td>{{ v.size }}</td><td>{{ v.author | escape }}</td><td>{{ v.commit | slice: 0, 7 }}</td></tr>{% endfor %}</tbody></table>\n`,
  };
  await writeFiles(dir, toFiles({
    '_config.yml': `title: ${JSON.stringify(site.config.name)}\nmarkdown: kramdown\nbaseurl: ""\nexclude: [Gemfile, Gemfile.lock]\n`,
    'style.css': STYLE,
    ...Object.fromEntries(Object.entries(layouts).map(([name, text]) => [`_layouts/${name}.html`, text])),
  }));
  // JSON is YAML: Jekyll reads each page's data from its front matter, as Hugo does below.
  await writeFiles(dir, pages.map((page) => ({ path: `${page.url === '' ? '' : `${page.url}/`}index.md`, text: `---\n${JSON.stringify({ layout: page.layout, title: page.title, ...page.data })}\n---\n${page.body}\n` })));
}

/** A Hugo source folder: `hugo.json`, Go-template layouts, and one content file per URL. */
async function writeHugoSite(site: Site, pages: readonly PeerPage[], dir: string): Promise<void> {
  const nav = `<header><a href="{{ "/" | relURL }}">{{ site.Title }}</a> <nav><a href="{{ "/collections/" | relURL }}">Collections</a> <a href="{{ "/topics/" | relURL }}">Topics</a> <a href="{{ "/labels/" | relURL }}">Labels</a></nav></header>`;
  const rows = `<table><thead><tr><th>Name</th><th>Summary</th><th>Count</th><th>Size</th></tr></thead><tbody>{{ range .Params.rows }}<tr><td><a href="{{ .href | relURL }}">{{ .name }}</a></td><td>{{ .summary }}</td><td>{{ .tags }}</td><td>{{ .bytes }}</td></tr>{{ end }}</tbody></table>`;
  const main = (inner: string) => `{{ define "main" }}${inner}{{ end }}\n`;
  const layouts: Record<string, string> = {
    '_default/baseof.html': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} · {{ site.Title }}</title><link rel="stylesheet" href="{{ "/style.css" | relURL }}"></head><body>${nav}<main>{{ block "main" . }}{{ end }}</main></body></html>\n`,
    'index.html': main(`<h1>{{ site.Title }}</h1><p>{{ .Params.counts.collections }} collections, {{ .Params.counts.containers }} containers, {{ .Params.counts.tags }} tags</p><ul>{{ range .Params.recent }}<li><a href="{{ .href | relURL }}">{{ .name }}</a> {{ .date }}</li>{{ end }}</ul>`),
    '_default/single.html': main(`<h1>{{ .Title }}</h1>{{ .Content }}`),
    '_default/list.html': main(`<h1>{{ .Title }}</h1>{{ .Content }}${rows}`),
    '_default/collection.html': main(`<h1>{{ .Title }}</h1>{{ .Content }}${rows}`),
    '_default/container.html': main(
      `<h1>{{ .Title }}</h1>{{ .Content }}<pre><code>singularity pull {{ .Params.pull }}</code></pre><p>{{ range .Params.topics }}<a href="{{ printf "/topics/%s/" . | relURL }}">{{ . }}</a> {{ end }}</p><table><thead><tr><th>Tag</th><th>Size</th><th>Changed</th></tr></thead><tbody>{{ range .Params.rows }}<tr><td><a href="{{ .href | relURL }}">{{ .name }}</a></td><td>{{ .size }}</td><td>{{ .date }}</td></tr>{{ end }}</tbody></table>`,
    ),
    '_default/tag.html': main(
      `<h1>{{ .Title }}</h1><pre><code>singularity pull {{ .Params.pull }}\nsingularity pull {{ .Params.pinned }}</code></pre><dl><dt>URL</dt><dd>{{ .Params.image.url }}</dd><dt>sha256</dt><dd>{{ .Params.image.sha256 }}</dd><dt>md5</dt><dd>{{ .Params.image.md5 }}</dd><dt>Size</dt><dd>{{ .Params.image.size }}</dd><dt>Architecture</dt><dd>{{ .Params.image.architecture }}</dd><dt>Built</dt><dd>{{ .Params.image.created }}</dd></dl>{{ .Content }}<h2>Labels</h2><table>{{ range .Params.labels }}<tr><th>{{ index . 0 }}</th><td>{{ index . 1 }}</td></tr>{{ end }}</table><h2>Definition</h2><pre><code>{{ .Params.definition }}</code></pre><h2>Versions</h2><table><thead><tr><th>Date</th><th>Image</th><th>Size</th><th>Author</th><th>Commit</th></tr></thead><tbody>{{ range .Params.versions }}<tr><td>{{ .date }}</td><td>{{ substr .sha256 0 12 }}</td><td>{{ .size }}</td><td>{{ .author }}</td><td>{{ substr .commit 0 7 }}</td></tr>{{ end }}</tbody></table>`,
    ),
  };
  await writeFiles(dir, toFiles({
    'hugo.json': `${JSON.stringify({ title: site.config.name, baseURL: 'https://peer.example.org/', disableKinds: ['taxonomy', 'term', 'RSS', 'sitemap', 'robotsTXT', '404', 'section'], uglyURLs: false, markup: { goldmark: { renderer: { unsafe: false } } } })}\n`,
    'static/style.css': STYLE,
    ...Object.fromEntries(Object.entries(layouts).map(([name, text]) => [`layouts/${name}`, text])),
  }));
  // Every page at the URL sifhub gives it (`url`), from one flat content folder.
  await writeFiles(dir, pages.map((page, i) => ({
    path: page.url === '' ? 'content/_index.md' : `content/p/${i}.md`,
    text: `${JSON.stringify({ url: `/${page.url}/`.replace('//', '/'), layout: page.layout, title: page.title, ...page.data })}\n${page.body}\n`,
  })));
}

const toFiles = (files: Record<string, string>) => Object.entries(files).map(([file, text]) => ({ path: file, text }));

export interface PeerRun {
  name: 'Jekyll' | 'Hugo';
  version: string;
  seconds: number;
  /** HTML files it wrote. */
  pages: number;
}

/**
 * Writes both peers' sources under `workdir` and builds each from cold (no output, no cache of
 * its own), timing the build alone. A peer whose command is not on the PATH is left out.
 */
export async function runPeers(site: Site, registry: RegistryInput, workdir: string): Promise<PeerRun[]> {
  const pages = toPeerPages(site, registry);
  const peers = [
    { name: 'Jekyll' as const, version: ['jekyll', '--version'], write: writeJekyllSite, build: (src: string, out: string) => ['jekyll', 'build', '--source', src, '--destination', out, '--disable-disk-cache', '--quiet'] },
    { name: 'Hugo' as const, version: ['hugo', 'version'], write: writeHugoSite, build: (src: string, out: string) => ['hugo', '--source', src, '--destination', out, '--quiet'] },
  ];
  const runs: PeerRun[] = [];
  for (const peer of peers) {
    const version = await run(peer.version).catch(() => undefined);
    if (version === undefined) continue;
    const src = path.join(workdir, peer.name.toLowerCase());
    const out = path.join(workdir, `${peer.name.toLowerCase()}-site`);
    await rm(src, { recursive: true, force: true });
    await rm(out, { recursive: true, force: true });
    await peer.write(site, pages, src);
    const started = performance.now();
    await run(peer.build(src, out));
    const seconds = (performance.now() - started) / 1000;
    const html = (await readdir(out, { recursive: true })).filter((f) => f.endsWith('.html')).length;
    runs.push({ name: peer.name, version: /\d+\.\d+\.\d+/.exec(version)?.[0] ?? version.trim(), seconds, pages: html });
  }
  return runs;
}

/** Runs a command to its end; its stdout, or a rejection with its stderr. */
function run([command, ...args]: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command!, args, { maxBuffer: 64 * 1024 ** 2 }, (error, stdout, stderr) => (error ? reject(new Error(`${command} ${args.join(' ')} failed: ${stderr || error.message}`)) : resolve(stdout)));
  });
}
