import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateRegistry, type GeneratedRegistry } from '../../src/bench/generate-registry-git.ts';
import { startStaticServer, type StaticServer } from '../../src/serve/static-server-node.ts';
import { closeWatched, launchChromium, NOTHING_AMISS, openWatched, screenshot, type Watch } from '../helpers/browser.ts';
import { runSifhub, withoutPlaceholderWarning } from '../helpers/cli.ts';

/** Fifty more results load pagefind fragments: on a busy CI machine that has taken over a second (expect.poll's default). */
const LOADING = { timeout: 10_000 };

// The site of a registry too large to show at once (the benchmark's generator, a few hundred
// tags), in a real Chromium: every search result can be reached, and the long pages work on a phone.

const BASE = '/registry';
let dir: string;
let generated: GeneratedRegistry;
let server: StaticServer;
let browser: Browser;
let watch: Watch;
let page: Page;

const url = (sitePath: string) => `${server.url}${sitePath}`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sifhub-large-e2e-'));
  generated = await generateRegistry(dir, { tags: 300, seed: 1 });
  const out = path.join(dir, 'dist');
  const build = await runSifhub(['build', '--quiet', '--registry', generated.registry, '--out', out], dir);
  expect(withoutPlaceholderWarning(build.stderr)).toBe('');
  expect(build.code).toBe(0);
  server = await startStaticServer({ root: out, base: BASE });
  browser = await launchChromium();
}, 120_000);

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
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('search in a large registry', () => {
  it('reaches every result, fifty at a time', async () => {
    // Every generated definition file says Bootstrap.
    await page.goto(url('/search/?q=bootstrap'));
    await page.waitForFunction(() => /match/.test(document.getElementById('search-status')?.textContent ?? ''));
    expect(await page.textContent('#search-status')).toBe(`${generated.containers} containers match; 50 are shown.`);
    expect(await page.locator('#search-results li').count()).toBe(50);
    const more = page.locator('#search-more');
    const items = page.locator('#search-results li');
    while (await more.isVisible()) {
      const shown = await items.count();
      await more.click();
      await expect.poll(() => items.count(), LOADING).toBeGreaterThan(shown);
    }
    await expect.poll(() => page.textContent('#search-status'), LOADING).toBe(`${generated.containers} containers match.`);
    const titles = await page.locator('#search-results h2 a').allTextContents();
    expect(new Set(titles).size).toBe(generated.containers);
    await screenshot(page, 'search-large');
  });

  it('moves the focus to the first of the results it adds', async () => {
    await page.goto(url('/search/?q=bootstrap'));
    await page.waitForFunction(() => /shown/.test(document.getElementById('search-status')?.textContent ?? ''));
    await page.click('#search-more');
    await expect.poll(() => page.evaluate(() => document.activeElement?.closest('li') === document.querySelectorAll('#search-results li')[50]), LOADING).toBe(true);
  });
});
