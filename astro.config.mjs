// @ts-check
import { defineConfig } from 'astro/config';

// `sifhub build` passes site, base and outDir from registry/registry.yml; this file holds only
// what does not depend on the registry. Manifests and JSON are written by the pipeline, not here.
export default defineConfig({
  output: 'static',
  trailingSlash: 'always',
  // One shared stylesheet: inlined, it would be copied into each of 100,000 tag pages.
  build: { format: 'directory', inlineStylesheets: 'never', concurrency: 16 },
  // Nothing inline, however small: every page's CSP allows scripts only from the site's files.
  vite: { build: { assetsInlineLimit: 0 } },
  devToolbar: { enabled: false },
  prefetch: false,
  integrations: [devSiteModel()],
});

/** `astro dev` has no pipeline run before it: build the site model from ./registry once. */
function devSiteModel() {
  let dev = false;
  return /** @type {import('astro').AstroIntegration} */ ({
    name: 'sifhub-dev-model',
    hooks: {
      'astro:config:setup': ({ command }) => {
        dev = command === 'dev';
      },
      // `astro build` (run by `sifhub build`, which hands the model over itself) starts a server too.
      'astro:server:setup': async () => {
        if (!dev) return;
        const { loadSite } = await import('./src/pipeline/load-site.ts');
        const { setSiteModel } = await import('./src/pipeline/hand-off.ts');
        setSiteModel({ site: await loadSite({ registryDir: 'registry' }), plan: { reused: new Set(), searchShards: 1 } });
      },
    },
  });
}
