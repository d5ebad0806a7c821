import { fileURLToPath } from 'node:url';
import { setSiteModel } from '../site/model.ts';
import { basePath } from '../site/urls.ts';
import type { Site } from './enrich.ts';

// Stage 7: pages. Astro renders src/pages/ from the model handed over in memory.

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

export async function renderPages(site: Site, outDir: string, options: { quiet?: boolean } = {}): Promise<void> {
  // Astro otherwise phones home; the build must work offline and tell no one.
  process.env.ASTRO_TELEMETRY_DISABLED = '1';
  const { build } = await import('astro');
  setSiteModel(site);
  try {
    await build({
      root: projectRoot,
      outDir,
      site: new URL(site.config.url).origin,
      base: basePath(site.config) || '/',
      logLevel: options.quiet ? 'error' : 'warn',
    });
  } finally {
    setSiteModel(undefined);
  }
}
