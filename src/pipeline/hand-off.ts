import type { Site } from '../model/types.ts';
import { tagPageFile } from '../output/to-output-keys.ts';

// The hand-off from the pipeline to Astro. `sifhub build` runs the pipeline, stores the model
// here and then runs Astro's build in the same process, so pages read the model in memory: no
// re-parsing, no git calls, and big texts are never serialised a second time. Astro bundles this
// module into its own chunk, hence a global symbol rather than a module variable.

const KEY = Symbol.for('sifhub.site-model');
const PLAN = Symbol.for('sifhub.render-plan');

/** What this build renders beyond the model: pages kept from the last build, the search shards. */
export interface RenderPlan {
  /** Collections whose pages the previous build wrote and this one keeps. */
  reused: ReadonlySet<string>;
  /** Tag pages (their files: tagPageFile) of the other collections that the build keeps too. */
  keptPages?: ReadonlySet<string>;
  /** How many pagefind bundles the search page merges (searchBundlePath(0 … n-1)). */
  searchShards: number;
}

const NO_PLAN: RenderPlan = { reused: new Set(), searchShards: 1 };

/** What the pages render: the model and the plan. */
export interface Rendering {
  site: Site;
  plan: RenderPlan;
}

type Holder = { [KEY]?: Promise<Site>; [PLAN]?: RenderPlan };

/**
 * Hands the model to the pages: given, or promised (`sifhub build` starts Astro, whose bundling
 * needs no model, while the model is still being built; pages wait for it). A rejected promise
 * fails the render with the pipeline's own error.
 */
export function setSiteModel(rendering: Rendering | Promise<Rendering> | undefined): void {
  const holder = globalThis as Holder;
  holder[PLAN] = undefined;
  if (rendering === undefined) {
    holder[KEY] = undefined;
    return;
  }
  const site = Promise.resolve(rendering).then((r) => {
    holder[PLAN] = r.plan;
    return r.site;
  });
  // Observed here too: a build that fails before any page asks must not leave it unhandled.
  site.catch(() => undefined);
  holder[KEY] = site;
}

/** The plan of the model siteModel() gave (it is set when the model arrives). */
export function renderPlan(): RenderPlan {
  return (globalThis as Holder)[PLAN] ?? NO_PLAN;
}

/** Whether this build keeps a tag's page rather than render it (the tag page's getStaticPaths). */
export function isTagPageKept(collection: string, container: string, tag: string): boolean {
  return renderPlan().keptPages?.has(tagPageFile(collection, container, tag)) ?? false;
}

/** The collections whose pages this build renders (getStaticPaths of the per-collection pages). */
export function collectionsToRender(site: Site): Site['collections'] {
  const { reused } = renderPlan();
  return reused.size > 0 ? site.collections.filter((c) => !reused.has(c.name)) : site.collections;
}

export async function siteModel(): Promise<Site> {
  const site = (globalThis as Holder)[KEY];
  // `sifhub build` sets it before rendering; `astro dev` through astro.config.mjs's integration.
  if (!site) throw new Error('No site model: pages are rendered by `sifhub build` (or `npm run dev`), which builds it first');
  return site;
}
