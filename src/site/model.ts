import type { Site } from '../pipeline/enrich.ts';

// The hand-off from the pipeline to Astro. `sifhub build` runs the pipeline, stores the model
// here and then runs Astro's build in the same process, so pages read the model in memory: no
// re-parsing, no git calls, and big texts are never serialised a second time. Astro bundles this
// module into its own chunk, hence a global symbol rather than a module variable.

const KEY = Symbol.for('sifhub.site-model');
const REUSED = Symbol.for('sifhub.reused-collections');
type Holder = { [KEY]?: Site; [REUSED]?: ReadonlySet<string> };

/** `reused`: collections whose pages the previous build wrote and this one keeps. */
export function setSiteModel(site: Site | undefined, reused: ReadonlySet<string> = new Set()): void {
  (globalThis as Holder)[KEY] = site;
  (globalThis as Holder)[REUSED] = reused;
}

/** The collections whose pages this build renders (getStaticPaths of the per-collection pages). */
export function collectionsToRender(site: Site): Site['collections'] {
  const reused = (globalThis as Holder)[REUSED];
  return reused && reused.size > 0 ? site.collections.filter((c) => !reused.has(c.name)) : site.collections;
}

export async function siteModel(): Promise<Site> {
  const site = (globalThis as Holder)[KEY];
  if (site) return site;
  // `astro dev` has no pipeline run before it: build the model from ./registry once.
  const { loadSite } = await import('../pipeline/load-site.ts');
  const loaded = await loadSite({ registryDir: 'registry' });
  setSiteModel(loaded);
  return loaded;
}
