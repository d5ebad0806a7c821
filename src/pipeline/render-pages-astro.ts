import { cp, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { setSiteModel, type Rendering } from './hand-off.ts';
import { basePath } from '../site/urls.ts';
import type { SiteConfig } from '../schema/site-config.ts';
import { PACKAGE_ROOT } from '../package-root-node.ts';
import { isAlive, readableDir } from '../output/write-output-fs.ts';

// Stage 7: pages. Astro renders src/pages/ from the model handed over in memory. It is started
// before the model is ready: its bundling (about a second) needs only the registry's address,
// and runs while the pipeline builds the model; the pages wait for it (hand-off.ts).

/**
 * Renders every page of `rendering` into `outDir` (which must not exist yet; promised, as the
 * build knows it only once it has planned). The caller's code runs while Astro does, with the
 * working directory changed (see below): it must use absolute paths only.
 */
export async function renderPages(config: SiteConfig, rendering: Promise<Rendering>, outDir: Promise<string>, options: { quiet?: boolean } = {}): Promise<void> {
  // Astro otherwise phones home; the build must work offline and tell no one.
  process.env.ASTRO_TELEMETRY_DISABLED = '1';
  const { build } = await import('astro');

  // Astro writes its prerender chunks under the output folder when that folder is inside the
  // working directory (else under ./.astro), then imports them: their package imports only
  // resolve next to our node_modules. So render inside the project, from the project, then move.
  const scratchParent = path.join(PACKAGE_ROOT, 'node_modules', '.sifhub');
  await mkdir(scratchParent, { recursive: true });
  await removeAbandonedScratch(scratchParent);
  // It becomes the site folder: readable by the web server, not only by whoever built it.
  const scratch = await readableDir(await mkdtemp(path.join(scratchParent, `pages-${process.pid}-`)));
  const cwd = process.cwd();
  setSiteModel(rendering);
  try {
    process.chdir(PACKAGE_ROOT);
    await build({
      root: PACKAGE_ROOT,
      outDir: scratch,
      site: new URL(config.url).origin,
      base: basePath(config) || '/',
      logLevel: options.quiet ? 'error' : 'warn',
    });
    process.chdir(cwd);
    await moveDir(scratch, await outDir);
  } finally {
    process.chdir(cwd);
    setSiteModel(undefined);
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Scratch folders of builds that were killed (their process is gone); other builds' are left alone. */
async function removeAbandonedScratch(parent: string): Promise<void> {
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    const match = /^pages-(?:(\d+)-)?/.exec(name);
    if (match && !(match[1] !== undefined && isAlive(Number(match[1])))) await rm(path.join(parent, name), { recursive: true, force: true });
  }
}

async function moveDir(from: string, to: string): Promise<void> {
  await rm(to, { recursive: true, force: true });
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await cp(from, to, { recursive: true });
  }
}
