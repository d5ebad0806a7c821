import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStaticServer, type StaticServer } from '../../src/serve/static-server-node.ts';
import { closeWatched, launchChromium, NOTHING_AMISS, openWatched, screenshot } from '../helpers/browser.ts';
import { runSifhub } from '../helpers/cli.ts';
import { TempRepo } from '../helpers/git-repo.ts';
import { packageVersion } from '../../src/package-root-node.ts';

const VERSION = packageVersion();

// Registries as they start: none of their lists may be a blank box, a broken widget or a
// console error. Each list says it is empty and what fills it.

const repos: TempRepo[] = [];
const servers: StaticServer[] = [];
let browser: Browser;

async function serve(files: Record<string, string>): Promise<StaticServer> {
  const repo = await TempRepo.create();
  repos.push(repo);
  await repo.write({ 'registry/registry.yml': 'name: Starting registry\nurl: https://sif.lab.example.edu\nrepository: https://github.com/lab/sif\n', ...files });
  await repo.commit('Start', '2024-01-01T00:00:00Z');
  const build = await runSifhub(['build', '--quiet'], repo.dir);
  expect(build.code, build.stderr).toBe(0);
  const server = await startStaticServer({ root: path.join(repo.dir, 'dist') });
  servers.push(server);
  return server;
}

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  for (const server of servers) await server.close();
  for (const repo of repos) await repo.dispose();
});

/** Opens each page at 390 px and returns what each says it is empty with. */
async function emptyStates(server: StaticServer, sitePaths: readonly string[], name: string): Promise<Record<string, string>> {
  const watch = await openWatched(browser);
  const said: Record<string, string> = {};
  let amiss;
  try {
    await watch.page.setViewportSize({ width: 390, height: 800 });
    for (const sitePath of sitePaths) {
      const response = await watch.page.goto(`${server.url}${sitePath}`);
      expect(response?.status(), sitePath).toBe(200);
      // No list left standing with nothing in it.
      expect(await watch.page.locator('main table, main ul.cards:empty, #treemap, #search-form').count(), sitePath).toBe(0);
      said[sitePath] = (await watch.page.locator('main .empty').allInnerTexts()).join(' ');
      const { scroll, client } = await watch.page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
      expect(scroll, `${sitePath} scrolls sideways`).toBeLessThanOrEqual(client);
      await screenshot(watch.page, `${name}-${sitePath.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '') || 'home'}`);
    }
  } finally {
    amiss = await closeWatched(watch);
  }
  expect(amiss).toEqual(NOTHING_AMISS);
  return said;
}

/** The home page of an empty registry is a getting-started page: how the first image arrives and is pulled. */
async function checkHome(server: StaticServer): Promise<void> {
  const watch = await openWatched(browser);
  let amiss;
  try {
    await watch.page.goto(`${server.url}/`);
    const steps = await watch.page.locator('main ol.steps li').allInnerTexts();
    // A command that works as written: the version that built the site, and where the image goes (this registry's GitHub releases).
    expect(steps[0]).toContain(`npx sifhub@${VERSION} submit FILE.sif COLLECTION/CONTAINER:TAG --upload github-release`);
    expect(steps[1]).toContain('npx sifhub inspect FILE.sif --record --url URL');
    expect(steps[2]).toContain('apptainer pull shub://sif.lab.example.edu/COLLECTION/CONTAINER:TAG');
    // No search box over nothing, no row of zeros, no cards of empty pages.
    expect(await watch.page.locator('main form, main .stats, main .cards').count()).toBe(0);
    expect(await watch.page.locator('main a[href="https://github.com/lab/sif"]').count()).toBe(1);
  } finally {
    amiss = await closeWatched(watch);
  }
  expect(amiss).toEqual(NOTHING_AMISS);
}

describe('an empty registry', () => {
  it('says on every list page that nothing is there yet, and how the first image arrives', async () => {
    const server = await serve({});
    const said = await emptyStates(server, ['/', '/collections/', '/search/', '/sizes/', '/labels/', '/topics/', '/stars/', '/downloads/'], 'empty');
    expect(said['/']).toContain('This registry is new: no images yet.');
    await checkHome(server);
    for (const [sitePath, text] of Object.entries(said)) expect(text, sitePath).toMatch(/\b(No|Nothing|no)\b/);
  });
});

describe('a collection without containers yet, and a container without tags', () => {
  it('says what to submit to fill each', async () => {
    const server = await serve({
      'registry/lab/README.md': '---\nsummary: Our lab.\nowners: [ada]\n---\n',
      'registry/lab/aligner/README.md': '---\nsummary: An aligner, soon.\n---\n',
      'registry/empty/README.md': '---\nsummary: Nothing here yet.\n---\n',
    });
    const said = await emptyStates(server, ['/collections/empty/', '/collections/lab/aligner/'], 'starting');
    expect(said).toEqual({
      '/collections/empty/': `No containers in empty yet. npx sifhub@${VERSION} submit FILE.sif empty/CONTAINER:TAG --upload github-release adds one and opens the pull request.`,
      '/collections/lab/aligner/': `No tags yet. npx sifhub@${VERSION} submit FILE.sif lab/aligner:TAG --upload github-release adds one and opens the pull request.`,
    });
  });
});
