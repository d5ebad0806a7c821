import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { activeTypeOf } from '../../src/schema/served-as.ts';
import { startStaticServer, type StaticServer } from '../../src/serve/static-server-node.ts';
import { closeWatched, launchChromium, NOTHING_AMISS, openWatched, screenshot, seriousAccessibilityProblems, type Watch } from '../helpers/browser.ts';
import { runSifhub, withoutPlaceholderWarning } from '../helpers/cli.ts';
import { sregistryManifestUrl } from '../helpers/shub-client.ts';
import type { TempRepo } from '../helpers/git-repo.ts';
import type { FakeGitHub } from '../helpers/fake-github.ts';
import { BASE, createFixtureRegistry, DEFINITION_ONLY_WORD, HOSTILE, RETRACTED, SIZES, startFixtureGitHub, USAGE, WEB_EXTENSION_TAGS } from './fixture-registry.ts';

// The built site in a real Chromium, served over HTTP on 127.0.0.1 under a path prefix, as a
// visitor uses it: search, the treemap, tag pages, hostile records, accessibility. Each test gets
// a fresh page, and fails on any console error, dialog or request beyond 127.0.0.1 it caused.

let repo: TempRepo;
let server: StaticServer;
let github: FakeGitHub;
let browser: Browser;
let watch: Watch;
let page: Page;

const url = (sitePath: string) => `${server.url}${sitePath}`;

async function visit(sitePath: string): Promise<void> {
  const response = await page.goto(url(sitePath));
  expect(response?.status(), sitePath).toBe(200);
}

beforeAll(async () => {
  repo = await createFixtureRegistry();
  github = await startFixtureGitHub();
  const build = await runSifhub(['build', '--quiet'], repo.dir, {
    GITHUB_API_URL: github.apiUrl,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_TOKEN: 'ghs_e2e',
    // A shard per container: every search below runs over a split index, as a large registry's does.
    SIFHUB_SEARCH_SHARD_RECORDS: '1',
  });
  expect(withoutPlaceholderWarning(build.stderr)).toBe('');
  expect(build.code).toBe(0);
  server = await startStaticServer({ root: path.join(repo.dir, 'dist'), base: BASE });
  browser = await launchChromium();
});

beforeEach(async () => {
  watch = await openWatched(browser);
  page = watch.page;
});

afterEach(async () => {
  expect(await closeWatched(watch)).toEqual(NOTHING_AMISS);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await github?.close();
  await repo?.dispose();
});

/** Runs a search through the form and returns the result titles once the status settles. */
async function search(words: string, filters: Record<string, string> = {}): Promise<string[]> {
  await page.fill('#search-q', words);
  for (const [name, value] of Object.entries(filters)) await page.selectOption(`#search-${name}`, value);
  // The last search's status would satisfy the wait below before this search has answered.
  await page.evaluate(() => (document.getElementById('search-status')!.textContent = ''));
  await page.click('button[type=submit]');
  await page.waitForFunction(() => /match|No container/.test(document.getElementById('search-status')?.textContent ?? ''));
  return page.locator('#search-results h2 a').allTextContents();
}

describe('search', () => {
  beforeEach(async () => {
    await visit('/search/');
    // The filter lists come from the index: once they are filled, search is ready.
    await page.waitForFunction(() => (document.getElementById('search-collection') as HTMLSelectElement).options.length > 1);
  });

  it('finds a container by its name, with a result line that reads plainly', async () => {
    expect(await search('busybox')).toContain('base/busybox');
    const facts = await page.locator('#search-results li', { hasText: 'base/busybox' }).locator('p.meta').first().innerText();
    // busybox has a tag named latest: no "latest tag latest".
    expect(facts).not.toContain('latest');
    expect(facts).toMatch(/^\d+ tags · /);
  });

  it('finds a container by a label value', async () => {
    // "awsome" is only a label value (e2e: awsome) of e2e/alpine-apps.
    expect(await search('awsome')).toEqual(['e2e/alpine-apps']);
  });

  it('finds nothing for a word no record has, though pagefind answers it with a shorter word', async () => {
    // pagefind alone answers "alpinx" with the alpine of e2e/alpine-apps.
    expect(await search('alpinx')).toEqual([]);
    await expect.poll(() => page.textContent('#search-status')).toBe('No container has the word “alpinx”. Did you mean alpine?');
    expect(await search('busybox alpinx')).toEqual([]);
    // A word begun, as one types, still finds.
    // (sizes/small is built from alpine:3.19.)
    expect((await search('alpi')).sort()).toEqual(['e2e/alpine-apps', 'sizes/small']);
    expect(await page.textContent('#search-status')).toBe('2 containers match.');
  });

  it('offers the closest name when a word finds nothing, and searches for it when chosen', async () => {
    expect(await search('alpne')).toEqual([]);
    await expect.poll(() => page.textContent('#search-status')).toBe('No container has the word “alpne”. Did you mean alpine?');
    await page.click('#search-suggestion');
    await page.waitForFunction(() => /match/.test(document.getElementById('search-status')?.textContent ?? ''));
    expect((await page.locator('#search-results h2 a').allTextContents()).sort()).toEqual(['e2e/alpine-apps', 'sizes/small']);
    expect(await page.inputValue('#search-q')).toBe('alpine');
    expect(new URL(page.url()).searchParams.get('q')).toBe('alpine');
  });

  it('finds a container by a word only its definition file has', async () => {
    expect(await search(DEFINITION_ONLY_WORD)).toEqual(['sizes/medium']);
    await screenshot(page, 'search');
  });

  it('narrows results with a filter and restores them when the filter is cleared', async () => {
    const all = await search('tool');
    expect(all).toEqual(expect.arrayContaining(['sizes/small', 'sizes/medium', 'sizes/big', 'xss/payload']));
    expect(await search('tool', { collection: 'sizes' })).toEqual(expect.arrayContaining(['sizes/small', 'sizes/medium', 'sizes/big']));
    expect(await search('tool', { collection: 'sizes' })).not.toContain('xss/payload');
    expect(await search('tool', { architecture: 'arm64' })).toEqual(['sizes/small']);
    expect(await search('tool', { collection: '', architecture: '' })).toEqual(all);
  });

  it('searches once when a word is typed and sent at once: the pause-after-typing search does not run again', async () => {
    await page.evaluate(() => {
      const w = window as unknown as { searches: number };
      w.searches = 0;
      new MutationObserver(() => {
        if (document.getElementById('search-status')!.textContent === 'Searching…') w.searches++;
      }).observe(document.getElementById('search-status')!, { childList: true, characterData: true, subtree: true });
    });
    // Typed and sent in one go (in the page, so a busy machine cannot stretch the gap past the pause).
    await page.evaluate(() => {
      const input = document.getElementById('search-q') as HTMLInputElement;
      input.value = 'tool';
      input.dispatchEvent(new Event('input', { bubbles: true }));
      (document.getElementById('search-form') as HTMLFormElement).requestSubmit();
    });
    await page.waitForFunction(() => /match/.test(document.getElementById('search-status')?.textContent ?? ''));
    // Longer than the pause after typing (200 ms): a second search would have started by now.
    await page.waitForTimeout(600);
    expect(await page.evaluate(() => (window as unknown as { searches: number }).searches)).toBe(1);
    expect(await page.locator('#search-results h2 a').count()).toBeGreaterThan(0);
  });

  it('filters by topic, label and base OS without words, and links results under the path prefix', async () => {
    await page.fill('#search-q', '');
    expect((await search('', { os: 'ubuntu' })).sort()).toEqual(['sizes/medium']);
    expect(await search('', { os: '', topic: 'benchmarks' })).toHaveLength(3);
    expect(await search('', { topic: '', label: 'org.label-schema.usage.singularity.deffile.from' })).toEqual(expect.arrayContaining(['base/busybox', 'e2e/alpine-apps']));
    const href = await page.locator('#search-results h2 a').first().getAttribute('href');
    expect(href).toMatch(/^\/registry\/collections\/[a-z0-9-]+\/[a-z0-9._-]+\/$/);
    await page.locator('#search-results h2 a').first().click();
    await page.waitForURL(/\/registry\/collections\//);
    expect(await page.locator('h1').textContent()).toBe(href!.split('/').slice(3, 5).join('/'));
  });

  it('keeps the query in the address, so a search can be shared', async () => {
    await visit(`/search/?q=${DEFINITION_ONLY_WORD}`);
    await page.waitForFunction(() => /match/.test(document.getElementById('search-status')?.textContent ?? ''));
    expect(await page.locator('#search-results h2 a').allTextContents()).toEqual(['sizes/medium']);
  });
});

interface Box {
  label: string;
  x: number;
  y: number;
  width: number;
  height: number;
  bytes: number;
}

const containerBoxes = () =>
  page.$$eval('#treemap a.container', (links) =>
    links.map((a) => {
      const rect = a.querySelector('rect')!;
      const n = (name: string) => Number(rect.getAttribute(name));
      return { label: a.getAttribute('data-label')!, x: n('x'), y: n('y'), width: n('width'), height: n('height'), bytes: Number(rect.dataset.bytes) };
    }),
  );

describe('sizes treemap', () => {
  const CONTAINERS = ['base/busybox', 'e2e/alpine-apps', 'sizes/big', 'sizes/medium', 'sizes/small', 'xss/payload'];

  it('draws one rectangle per container, with areas in proportion to bytes', async () => {
    await visit('/sizes/');
    const boxes: Box[] = await containerBoxes();
    expect(boxes.map((b) => b.label).sort()).toEqual(CONTAINERS);
    const sizes = boxes.filter((b) => b.label.startsWith('sizes/'));
    const byName = Object.fromEntries(sizes.map((b) => [b.label.slice('sizes/'.length), b]));
    // big has two images and a third tag sharing one: 4 MB + 2 MB, counted once.
    expect(byName.big!.bytes).toBe(SIZES.big);
    const area = (b: Box) => b.width * b.height;
    for (const [a, b] of [['big', 'small'], ['medium', 'small'], ['big', 'medium']] as const) {
      const ratio = area(byName[a]!) / area(byName[b]!);
      const expected = SIZES[a] / SIZES[b];
      expect(Math.abs(ratio / expected - 1), `${a}/${b}`).toBeLessThan(0.01);
    }
    // Rectangles do not overlap.
    for (const a of boxes) {
      for (const b of boxes) {
        if (a === b) continue;
        const overlap = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)) * Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
        expect(overlap, `${a.label} × ${b.label}`).toBeLessThan(0.01);
      }
    }
    await expect.poll(() => page.locator('#treemap a.container text').first().textContent()).toBeTruthy();
    await screenshot(page, 'sizes');
  });

  it('zooms into a collection on click and back out with the button', async () => {
    await visit('/sizes/');
    await page.click('#treemap a.collection[data-collection="sizes"] > text');
    await expect.poll(async () => (await containerBoxes()).map((b) => b.label).sort()).toEqual(['sizes/big', 'sizes/medium', 'sizes/small']);
    const zoomed = await containerBoxes();
    const width = Math.max(...zoomed.map((b) => b.x + b.width)) - Math.min(...zoomed.map((b) => b.x));
    expect(width).toBeGreaterThan(900); // the collection now fills the 1000-unit-wide drawing
    expect(await page.isVisible('#treemap-back')).toBe(true);
    await screenshot(page, 'sizes-zoomed');
    await page.click('#treemap-back');
    await expect.poll(async () => (await containerBoxes()).length).toBe(CONTAINERS.length);
    expect(await page.isVisible('#treemap-back')).toBe(false);
  });

  it('works from the keyboard and describes what has focus', async () => {
    await visit('/sizes/');
    await page.focus('#treemap a.collection[data-collection="e2e"]');
    expect(await page.textContent('#treemap-details')).toContain('e2e');
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await containerBoxes()).map((b) => b.label)).toEqual(['e2e/alpine-apps']);
    await page.focus('#treemap a.container');
    expect(await page.textContent('#treemap-details')).toMatch(/e2e\/alpine-apps: 5\.\d+ MiB, 2 tags/);
    await page.keyboard.press('Escape');
    await expect.poll(async () => (await containerBoxes()).length).toBe(CONTAINERS.length);
    await page.goBack();
    await expect.poll(async () => (await containerBoxes()).length).toBe(1);
  });

  it('shows the treemap without JavaScript', async () => {
    const noScript = await openWatched(browser, { javaScriptEnabled: false });
    try {
      const response = await noScript.page.goto(url('/sizes/'));
      expect(response?.status()).toBe(200);
      expect(await noScript.page.locator('#treemap a.container rect').count()).toBe(CONTAINERS.length);
      expect(await noScript.page.isVisible('#treemap')).toBe(true);
      expect((await noScript.page.locator('#treemap').boundingBox())!.height).toBeGreaterThan(300);
      await screenshot(noScript.page, 'sizes-no-javascript');
      expect(noScript.outside).toEqual([]);
    } finally {
      await noScript.context.close();
    }
  });
});

describe('tag page', () => {
  it('offers Apptainer, SingularityCE, sregistry-cli and pinned pull commands, each with a copy button', async () => {
    await watch.context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await visit('/collections/base/busybox/1.28/');
    const commands = await page.locator('.pull pre').allInnerTexts();
    expect(commands).toEqual([
      'apptainer pull shub://registry.example.org/registry/base/busybox:1.28',
      'singularity pull shub://registry.example.org/registry/base/busybox:1.28',
      'SREGISTRY_REGISTRY_BASE=https://registry.example.org/registry sregistry pull registry://base/busybox:1.28',
      expect.stringMatching(/^apptainer pull shub:\/\/registry\.example\.org\/registry\/base\/busybox:1\.28@[0-9a-f]{32}$/),
    ]);
    const buttons = page.locator('.pull button.copy');
    expect(await buttons.count()).toBe(4);
    await buttons.nth(3).click();
    await expect.poll(() => buttons.nth(3).innerText()).toBe('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(commands[3]);

    // sregistry-cli, reading that command as it does, asks the site for this tag's manifest.
    const asked = new URL(sregistryManifestUrl(commands[2]!));
    expect(asked.pathname).toBe('/registry/api/container/base/busybox:1.28');
    const manifest = await page.request.get(url(asked.pathname.slice(BASE.length)));
    expect(manifest.status()).toBe(200);
    expect(await manifest.json()).toMatchObject({ collection: 'base', name: 'busybox', tag: '1.28' });

    // Without JavaScript: the commands as selectable text, no dead buttons.
    const noScript = await openWatched(browser, { javaScriptEnabled: false });
    try {
      await noScript.page.goto(url('/collections/base/busybox/1.28/'));
      expect(await noScript.page.locator('.pull pre').count()).toBe(4);
      expect(await noScript.page.locator('.pull button.copy:visible').count()).toBe(0);
    } finally {
      await noScript.context.close();
    }
  });

  it('shows labels, the definition file, the runscript and the version history', async () => {
    await visit('/collections/base/busybox/latest/');
    // The heading is the path: collection and container link to their pages.
    expect(await page.locator('h1').innerText()).toBe('base/busybox:latest');
    expect(await page.locator('h1 a').evaluateAll((links) => links.map((a) => (a as HTMLAnchorElement).pathname))).toEqual(['/registry/collections/base/', '/registry/collections/base/busybox/']);
    const labels = page.locator('h2:text-is("Labels") + dl.labels');
    expect(await labels.locator('dt').count()).toBeGreaterThan(3);
    const from = labels.locator('dt', { hasText: 'org.label-schema.usage.singularity.deffile.from' });
    expect(await from.locator('xpath=following-sibling::dd[1]').innerText()).toBe('busybox:1.33.1');
    expect(await page.locator('#definition + pre').innerText()).toMatch(/Bootstrap: docker\s+From: busybox:1\.33\.1/i);
    // The definition's header says how the image was bootstrapped: the facts do not repeat it.
    expect(await page.locator('dl.facts dt').allInnerTexts()).not.toContain('From');
    expect(await page.locator('#runscript + pre').innerText()).toContain('/bin/sh');
    const history = page.locator('h2:text-is("Version history") ~ .table-wrap tbody tr');
    expect(await history.count()).toBe(2);
    expect(await history.nth(0).innerText()).toContain('Grace Hopper');
    expect(await history.nth(1).innerText()).toContain('Ada Lovelace');
    await screenshot(page, 'tag');
  });

  it('says in a sentence when a tag has had one image', async () => {
    await visit('/collections/base/busybox/1.28/');
    const history = page.locator('h2:text-is("Version history") + p');
    expect(await history.innerText()).toMatch(/^One image so far, since 2024-01-10 09:00 UTC \(commit [0-9a-f]{12} by Ada Lovelace\)\./);
    expect(await page.locator('h2:text-is("Version history") ~ .table-wrap').count()).toBe(0);
  });

  it('finds, from a tag page, the containers that carry one of its labels', async () => {
    await visit('/collections/base/busybox/latest/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Labels' }).click();
    await page.click('a:text-is("org.label-schema.usage.singularity.deffile.from")');
    await page.waitForURL(/\/labels\/./);
    expect(await page.locator('h1').innerText()).toBe('org.label-schema.usage.singularity.deffile.from');
    const body = await page.locator('main').innerText();
    expect(body).toContain('base/busybox');
    expect(body).toContain('e2e/alpine-apps');
  });
});

describe('stars and downloads', () => {
  it('ranks collections by stars and links to the issue to star one', async () => {
    await visit('/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Stars' }).click();
    expect(new URL(page.url()).pathname).toBe(`${BASE}/stars/`);
    const row = page.locator('tbody tr').first();
    expect((await row.innerText()).split('\t').map((c) => c.trim())).toEqual(['1', 'sizes', 'Tools of known sizes.', String(USAGE.stars), '9.54 MiB']);
    expect(await row.getByRole('link', { name: String(USAGE.stars) }).getAttribute('href')).toBe(`https://github.com/lab/registry/issues/${USAGE.starsIssue}`);
    await row.getByRole('link', { name: 'sizes' }).click();
    expect(await page.getByRole('link', { name: '☆ Star this collection' }).getAttribute('href')).toBe(`https://github.com/lab/registry/issues/${USAGE.starsIssue}`);
  });

  it('ranks containers by downloads; images elsewhere show "—", not 0', async () => {
    await visit('/downloads/');
    expect(await page.locator('table').first().locator('tbody th').allTextContents()).toEqual(['sizes/small']);
    expect(await page.locator('table').first().locator('tbody td').nth(2).innerText()).toBe(String(USAGE.downloads));
    await visit('/collections/sizes/');
    const cells = async (name: string) => (await page.locator('tr', { has: page.getByRole('link', { name, exact: true }) }).innerText()).split('\t').map((c) => c.trim());
    expect((await cells('small'))[4]).toBe(String(USAGE.downloads));
    expect((await cells('big'))[4]).toBe('—');
  });
});

describe('hostile records', () => {
  const pages = ['/collections/xss/', '/collections/xss/payload/', '/collections/xss/payload/1.0/', '/collections/xss/payload/2.0/', '/collections/xss/payload/3.0/', '/labels/', '/topics/security/', '/'];

  it('run no script and keep the text visible', async () => {
    for (const p of pages) {
      await visit(p);
      await page.hover('main');
      expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned), p).toBeUndefined();
    }
    await visit('/collections/xss/payload/1.0/');
    const text = await page.locator('main').innerText();
    expect(text).toContain('<script>window.__pwned = "script"; alert("script")</script>');
    expect(text).toContain('"><img src=x onerror=');
    expect(text).toContain("echo '<script>window.__pwned");
    expect(await page.locator('main img').count()).toBe(0);
    await screenshot(page, 'hostile-tag');

    // Every hostile label key has a page of its own, with a safe slug.
    await visit('/labels/');
    const labelLinks = await page.locator('main table a').evaluateAll((links) => links.map((a) => a.getAttribute('href')!));
    expect(labelLinks.every((h) => /^\/registry\/labels\/[a-z0-9._-]+\/$/.test(h))).toBe(true);
    for (const link of labelLinks) {
      await visit(link.slice(BASE.length));
      expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned), link).toBeUndefined();
    }
    await visit('/labels/');
    expect(await page.locator('main').innerText()).toContain('<script>alert("key")</script>');
  });

  it('are behind a CSP: markup that ever reached a page could not run inline script or load from elsewhere', async () => {
    await visit('/collections/xss/payload/1.0/');
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__pwned = "inline"';
      document.body.append(script);
      const img = document.createElement('img');
      img.src = 'https://tracker.example/pixel.png';
      document.body.append(img);
    });
    expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(watch.consoleErrors.join('\n')).toMatch(/Content Security Policy/);
    expect(watch.outside).toEqual([]); // blocked by the policy before any request
    watch.consoleErrors.length = 0;
  });

  it('show as text in search results and filters', async () => {
    await visit('/search/?q=pwned');
    await page.waitForFunction(() => /match/.test(document.getElementById('search-status')?.textContent ?? ''));
    expect(await page.locator('#search-results h2 a').allTextContents()).toEqual(['xss/payload']);
    const result = await page.locator('#search-results li').innerText();
    expect(result).toContain('<script>window.__pwned');
    expect(await page.locator('#search-results img, #search-results script').count()).toBe(0);
    const labelOptions = await page.locator('#search-label option').allTextContents();
    expect(labelOptions.some((o) => o.startsWith('<script>alert("key")'))).toBe(true);
    expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();
    await screenshot(page, 'hostile-search');
  });
});

describe('every generated file', () => {
  it('runs no script when opened as the static server serves it, whatever the names it was built from', async () => {
    // While live, the names a host serves as markup are refused; once deleted, their versions
    // stay pullable by digest.
    const added = (await repo.git('log', '--format=%H', '--grep=Add tags named like web pages')).trim();
    const before = `${added}~1`;
    const check = await runSifhub(['validate', '--base', before, '--head', added], repo.dir);
    expect(check.code).toBe(1);
    for (const tag of WEB_EXTENSION_TAGS) expect(check.stderr).toContain(`the tag name "${tag}" ends in`);
    const dist = path.join(repo.dir, 'dist');
    const files = (await readdir(dist, { recursive: true, withFileTypes: true })).filter((f) => f.isFile()).map((f) => path.relative(dist, path.join(f.parentPath, f.name)).split(path.sep).join('/'));
    expect(files).toContain('api/container/xss/payload:1.0');
    for (const tag of WEB_EXTENSION_TAGS) expect(files.filter((f) => f.startsWith(`api/container/xss/payload:${tag}@`))).toHaveLength(1);
    expect(files.filter((f) => /^api\/(container|v1\/collections)\//.test(f) && activeTypeOf(path.basename(f)))).toEqual([]);
    const opened: string[] = [];
    for (const file of files) {
      // A file served as data starts a download, which Chromium aborts: nothing of it ran.
      const response = await page.goto(url(`/${file.split('/').map(encodeURIComponent).join('/')}`)).catch(() => undefined);
      if (!response) continue;
      opened.push(file);
      expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned), file).toBeUndefined();
    }
    expect(opened.length).toBeGreaterThan(files.length / 4);
  });
});

describe('yanked and withdrawn images', () => {
  it('shows a yanked tag\'s reason and date, and only its pinned pull, which still works', async () => {
    await visit('/collections/xss/payload/2.0/');
    expect(await page.locator('.badges').innerText()).toContain('yanked');
    const notice = await page.locator('#retraction').innerText();
    expect(notice).toContain(`Yanked on ${RETRACTED.date}: Wrong build ${HOSTILE.script}`);
    expect(notice).toContain('xss/payload:2.0 no longer resolves to this image');
    expect(await page.locator('.pull pre').allInnerTexts()).toEqual([
      `apptainer pull shub://registry.example.org/registry/xss/payload:2.0@${RETRACTED.yanked.md5}`,
      `singularity pull shub://registry.example.org/registry/xss/payload:2.0@${RETRACTED.yanked.md5}`,
    ]);
    // The tag's first image, withdrawn in the container's README, is listed without a pull.
    const rows = await page.locator('table.stack tbody tr').allInnerTexts();
    expect(rows[1]).toContain(`none: withdrawn on ${RETRACTED.date} (Unlicensed ${HOSTILE.attr})`);
    expect(rows[1]).not.toContain(RETRACTED.first.md5);

    const status = async (ref: string) => (await page.request.get(url(`/api/container/xss/payload${ref}`))).status();
    expect(await status(':2.0')).toBe(404);
    expect(await status(`:2.0@${RETRACTED.yanked.md5}`)).toBe(200);
    expect(await status(`@${RETRACTED.yanked.md5}`)).toBe(200);
    expect(await status(`@${RETRACTED.first.md5}`)).toBe(404);
    expect(await status(`:2.0@${RETRACTED.first.md5}`)).toBe(404);
    // latest is the one tag still standing.
    expect(await (await page.request.get(url('/api/container/xss/payload:latest'))).json()).toMatchObject({ tag: '1.0' });
  });

  it('keeps a tombstone for a withdrawn image: the reason and date, no pull, no download link', async () => {
    await visit('/collections/xss/payload/3.0/');
    expect(await page.locator('#retraction').innerText()).toContain(`Withdrawn on ${RETRACTED.date}: Malicious ${HOSTILE.img}`);
    expect(await page.locator('.pull').count()).toBe(0);
    expect(await page.locator(`a[href="${RETRACTED.withdrawn.url}"]`).count()).toBe(0);
    expect(await page.locator('dd.hash').first().innerText()).toBe(RETRACTED.withdrawn.sha256);
    for (const ref of [':3.0', `:3.0@${RETRACTED.withdrawn.md5}`, `@${RETRACTED.withdrawn.md5}`]) {
      expect((await page.request.get(url(`/api/container/xss/payload${ref}`))).status(), ref).toBe(404);
    }
    const api = await (await page.request.get(url('/api/v1/collections/xss.json'))).json();
    const tag = api.containers[0].tags.find((t: { name: string }) => t.name === '3.0');
    expect(tag).toMatchObject({ retraction: { kind: 'withdrawn', date: expect.stringMatching(/^2024-06-10/) } });
    expect(tag.url).toBeUndefined();
  });

  it('marks them in the container\'s tag list', async () => {
    await visit('/collections/xss/payload/');
    const rows = await page.locator('#tags ~ .table-wrap tbody tr').allInnerTexts();
    expect(rows.find((r) => r.startsWith('2.0'))).toContain('yanked');
    expect(rows.find((r) => r.startsWith('3.0'))).toContain('withdrawn');
  });

  it('marks them wherever the container\'s tags are counted or named: its collection, search, a label\'s page', async () => {
    await visit('/collections/xss/');
    const row = page.locator('table.stack tbody tr', { hasText: 'payload' });
    expect(await row.locator('td[data-label="Tags"] .badge.warn').allInnerTexts()).toEqual(['1 yanked', '1 withdrawn']);

    await visit('/search/?q=payload');
    await page.waitForFunction(() => /match/.test(document.getElementById('search-status')?.textContent ?? ''));
    const result = page.locator('#search-results li', { hasText: 'xss/payload' });
    expect(await result.locator('h2 .badge.warn').allInnerTexts()).toEqual(['1 yanked', '1 withdrawn']);

    await visit('/labels/');
    await page.click(`a:text-is("${RETRACTED.label}")`);
    await page.waitForURL(/\/labels\/org\.e2e\.status\//);
    const holder = await page.locator('.label-values .inline-list li', { hasText: 'xss/payload' }).innerText();
    expect(holder).toMatch(/\b2\.0 yanked\b/);
    expect(holder).toMatch(/\b3\.0 withdrawn\b/);
  });
});

describe('phones', () => {
  const PAGES = ['/', '/collections/', '/collections/base/', '/collections/base/busybox/', '/collections/base/busybox/latest/', '/collections/xss/payload/1.0/', '/search/?q=busybox', '/labels/', '/topics/', '/topics/ubuntu/', '/sizes/', '/stars/', '/downloads/', '/about/', '/api/v1/schema/'];

  it.each([320, 390])('no page scrolls sideways at %i px', async (width) => {
    await page.setViewportSize({ width, height: 800 });
    const wide: string[] = [];
    // One label page too, whichever the index lists first.
    await visit('/labels/');
    const label = (await page.locator('main table a').first().getAttribute('href'))!.slice(BASE.length);
    for (const sitePath of [...PAGES, label]) {
      await visit(sitePath);
      if (sitePath.startsWith('/search/')) await page.waitForFunction(() => /match/.test(document.getElementById('search-status')?.textContent ?? ''));
      const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
      if (scroll > client) wide.push(`${sitePath}: ${scroll} px`);
      // Nor does a table or a pull command inside its box (a file's code may: it keeps its lines).
      await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));
      const boxes = await page.$$eval('.table-wrap, .pull pre', (els) => els.filter((e) => e.scrollWidth > e.clientWidth).map((e) => `${e.className || e.tagName} ${e.scrollWidth}/${e.clientWidth}`));
      wide.push(...boxes.map((box) => `${sitePath}: ${box}`));
      // The header leaves the page most of the screen.
      const header = (await page.locator('header.site').boundingBox())!.height;
      if (header > 110) wide.push(`${sitePath}: header ${Math.round(header)} px tall`);
      await screenshot(page, `phone-${width}-${sitePath.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '') || 'home'}`);
    }
    expect(wide).toEqual([]);
  });

  it('draws the treemap at the phone\'s own scale: text as large as the page\'s, taller than wide, still zooming', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await visit('/sizes/');
    const text = page.locator('#treemap a.container text').first();
    await expect.poll(async () => (await text.boundingBox())?.height ?? 0).toBeGreaterThanOrEqual(11);
    const drawing = (await page.locator('#treemap').boundingBox())!;
    expect(drawing.height).toBeGreaterThan(drawing.width);
    // Every container is still drawn, in proportion.
    const boxes = await containerBoxes();
    expect(boxes).toHaveLength(6);
    const sizes = Object.fromEntries(boxes.filter((b) => b.label.startsWith('sizes/')).map((b) => [b.label, b.width * b.height]));
    expect(Math.abs(sizes['sizes/big']! / sizes['sizes/small']! / (SIZES.big / SIZES.small) - 1)).toBeLessThan(0.01);
    await page.click('#treemap a.collection[data-collection="sizes"] > text');
    await expect.poll(async () => (await containerBoxes()).map((b) => b.label).sort()).toEqual(['sizes/big', 'sizes/medium', 'sizes/small']);
    await screenshot(page, 'phone-390-sizes-zoomed');
    // Turned to landscape and back, it is laid out again for each.
    await page.setViewportSize({ width: 800, height: 390 });
    await expect.poll(async () => (await page.locator('#treemap').boundingBox())!.height).toBeLessThan(600);
    await page.setViewportSize({ width: 390, height: 800 });
    await expect.poll(async () => { const box = (await page.locator('#treemap').boundingBox())!; return box.height > box.width; }).toBe(true);
  });

  it('reads a tag\'s version history on a phone as one card per version, none scrolling sideways', async () => {
    await page.setViewportSize({ width: 320, height: 800 });
    await visit('/collections/base/busybox/latest/');
    const history = page.locator('table.stack');
    const wrap = await history.evaluate((table) => ({ scroll: table.parentElement!.scrollWidth, client: table.parentElement!.clientWidth }));
    expect(wrap.scroll).toBeLessThanOrEqual(wrap.client);
    const pinned = page.locator('table.stack td[data-label="Pinned pull"]').first();
    // The pinned reference takes the card's width, not a column's: a few lines, not a tower.
    expect((await pinned.boundingBox())!.width).toBeGreaterThan(250);
    expect((await pinned.locator('code').boundingBox())!.height).toBeLessThan(80);
    expect(await page.locator('table.stack tbody tr').count()).toBe(2);
  });

  it('keeps the quick-search box on inner pages, beside the site\'s name', async () => {
    await page.setViewportSize({ width: 320, height: 800 });
    await visit('/collections/base/busybox/');
    const box = page.locator('header.site .quick-search input');
    expect(await box.isVisible()).toBe(true);
    const brand = (await page.locator('header.site .brand').boundingBox())!;
    const input = (await box.boundingBox())!;
    expect(input.width).toBeGreaterThan(100);
    expect(Math.abs(input.y + input.height / 2 - (brand.y + brand.height / 2))).toBeLessThan(8);
    await box.fill('busybox');
    await box.press('Enter');
    await page.waitForURL(/\/search\/\?q=busybox/);
    await page.waitForFunction(() => /match/.test(document.getElementById('search-status')?.textContent ?? ''));
    expect(await page.locator('#search-results h2 a').allTextContents()).toContain('base/busybox');
  });

  it('shows a container\'s pull command without scrolling on a 390 × 800 phone', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await visit('/collections/base/busybox/');
    const command = (await page.locator('.pull pre').first().boundingBox())!;
    expect(command.y + command.height).toBeLessThan(800);
  });
});

describe('accessibility (axe-core)', () => {
  beforeEach(async () => {
    // axe-core is injected as an inline script, which the site's CSP rightly refuses.
    await watch.context.close();
    watch = await openWatched(browser, { bypassCSP: true });
    page = watch.page;
  });

  it.each([
    ['home', '/'],
    ['collection', '/collections/base/'],
    ['container', '/collections/base/busybox/'],
    ['tag', '/collections/e2e/alpine-apps/3.2.1/'],
    ['search', `/search/?q=busybox`],
    ['sizes', '/sizes/'],
    ['labels', '/labels/'],
    ['topic', '/topics/ubuntu/'],
    ['stars', '/stars/'],
    ['downloads', '/downloads/'],
  ])('finds no serious or critical problem on the %s page', async (name, sitePath) => {
    await visit(sitePath);
    if (name === 'search') await page.waitForFunction(() => /match/.test(document.getElementById('search-status')?.textContent ?? ''));
    await screenshot(page, `page-${name}`);
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
  });
});
