import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

// A real Chromium (Debian's package; never a downloaded one) driven by playwright-core, with
// everything a page does that a user would mind recorded: console errors, uncaught exceptions,
// dialogs (a hostile record's alert()), and any request that would leave 127.0.0.1.

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/lib/chromium/chromium', '/usr/bin/chromium', '/usr/bin/chromium-browser'];

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

export async function launchChromium(): Promise<Browser> {
  const executablePath = CANDIDATES.find((c): c is string => c !== undefined && existsSync(c));
  if (!executablePath) {
    throw new Error('Browser tests need Chromium: `apt-get install chromium` (Debian), or set CHROMIUM_PATH to a Chromium binary.');
  }
  return chromium.launch({ executablePath, args: ARGS });
}

export interface Watch {
  context: BrowserContext;
  page: Page;
  consoleErrors: string[];
  dialogs: string[];
  /** Requests to anywhere but 127.0.0.1 (each was aborted). */
  outside: string[];
}

/** `bypassCSP` lets a test inject a checker (axe-core) the page's own policy would block. */
export async function openWatched(browser: Browser, options: { javaScriptEnabled?: boolean; bypassCSP?: boolean } = {}): Promise<Watch> {
  const context = await browser.newContext({ javaScriptEnabled: options.javaScriptEnabled ?? true, bypassCSP: options.bypassCSP ?? false, viewport: { width: 1280, height: 900 } });
  const watch: Watch = { context, page: await context.newPage(), consoleErrors: [], dialogs: [], outside: [] };
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1') return route.continue();
    watch.outside.push(url.href);
    return route.abort();
  });
  watch.page.on('console', (message) => {
    if (message.type() === 'error') watch.consoleErrors.push(`${watch.page.url()}: ${message.text()}`);
  });
  watch.page.on('pageerror', (error) => watch.consoleErrors.push(`${watch.page.url()}: ${error.message}`));
  watch.page.on('dialog', (dialog) => {
    watch.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return watch;
}

/** What a user would mind that a watched page did: all empty when it behaved. */
export const NOTHING_AMISS = { consoleErrors: [], dialogs: [], outside: [] };

/** Closes a watched page and returns what it did that a user would mind (compare with NOTHING_AMISS). */
export async function closeWatched(watch: Watch): Promise<Pick<Watch, 'consoleErrors' | 'dialogs' | 'outside'>> {
  await watch.context.close();
  return { consoleErrors: watch.consoleErrors, dialogs: watch.dialogs, outside: watch.outside };
}

/** A full-page screenshot under test-artifacts/ (git-ignored), for people to look at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(path.join(ARTIFACTS, 'screenshots'), { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'screenshots', `${name}.png`), fullPage: true });
}

const AXE = fileURLToPath(import.meta.resolve('axe-core/axe.min.js'));

/** axe-core's serious and critical violations on the page, as "rule: target" lines. */
export async function seriousAccessibilityProblems(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const result = await axe.run();
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.targets.slice(0, 5).join(', ')}`);
}
