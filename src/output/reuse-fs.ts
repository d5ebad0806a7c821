import { mapConcurrent } from '../concurrency.ts';
import { searchBundlePath } from '../site/urls.ts';
import type { SearchShard } from '../pipeline/to-search-shards.ts';
import type { Timer } from '../timer.ts';
import { collectionOutputs, EMPTY_BUILD_CACHE, hasOutput, linkOutputs, outputDigest, readBuildCache, writeBuildCache, type BuildCache, type SiteRecord } from './build-cache-fs.ts';
import { assembleInPlace, isFolder, siteMarker } from './site-units-fs.ts';
import { currentSite, readableDir, replaceDir } from './write-output-fs.ts';

// The output store's two moves around a build: before it, which output the last builds wrote from
// the same inputs can be kept (collections' pages, manifests and API files, search shards), in the
// current site and in the spare (the site before it, which a build turns into the new site in
// place); after it, the new site assembled and switched in by one rename.

export interface ReusePlan {
  /** Collection → the key of what its output is built from. */
  keys: Map<string, string>;
  shards: SearchShard[];
  cache: BuildCache;
  /** What the current site still holds as this build would write it. */
  current: { collections: Map<string, string>; shards: Set<number> };
  /** The same of the spare, when there is one. */
  spare?: { record: SiteRecord; collections: Map<string, string>; shards: Set<number> };
  /**
   * Tag pages of the collections rebuilt: each one's key, and those the current site holds as
   * this build would render them (linked from it, not rendered: keptPages()).
   */
  pages: { keys: Map<string, string>; kept: Set<string> };
}

/** `pageKeys`: the tag pages' keys of the collections named (to-output-keys.ts's toTagPageKeys). */
export async function planReuse(outDir: string, keys: Map<string, string>, shards: SearchShard[], pageKeys: (collections: ReadonlySet<string>) => Map<string, string>, options: { fresh?: boolean }): Promise<ReusePlan> {
  const cache = options.fresh ? EMPTY_BUILD_CACHE() : await readBuildCache(outDir);
  const current = cache.site === undefined ? { collections: new Map<string, string>(), shards: new Set<number>() } : await stillBuilt({ ...cache, site: cache.site }, keys, shards);
  const spare = cache.spare && (await isFolder(cache.spare.site)) ? { record: cache.spare, ...(await stillBuilt(cache.spare, keys, shards)) } : undefined;
  const rebuilt = new Set([...keys.keys()].filter((name) => !current.collections.has(name)));
  const pages = { keys: pageKeys(rebuilt), kept: new Set<string>() };
  if (cache.site !== undefined) pages.kept = await keptPages({ ...cache, site: cache.site }, pages.keys);
  return { keys, shards, cache, current, ...(spare ? { spare } : {}), pages };
}

/**
 * The tag pages `record`'s site holds as they would be rendered now (the same key), where that
 * site still holds its collection as the build wrote it (as stillBuilt trusts or checks it).
 */
async function keptPages(record: SiteRecord, keys: ReadonlyMap<string, string>): Promise<Set<string>> {
  const same = [...keys].filter(([file, key]) => record.pages.get(file) === key).map(([file]) => file);
  const collections = [...new Set(same.map(collectionOfPage))];
  const trusted = record.marker !== undefined && (await siteMarker(record.site)) === record.marker;
  const intact = await mapConcurrent(collections, 16, async (name) => {
    const digest = record.outputs.get(name);
    return digest !== undefined && (trusted || (await outputDigest(record.site, name)) === digest);
  });
  const whole = new Set(collections.filter((_, i) => intact[i]));
  // A trusted folder can still have lost a file by hand: each page must be there.
  const candidates = same.filter((file) => whole.has(collectionOfPage(file)));
  const there = await mapConcurrent(candidates, 16, (file) => hasOutput(record.site, file));
  return new Set(candidates.filter((_, i) => there[i]));
}

/** The collection a page file (`collections/NAME/…`) belongs to. */
function collectionOfPage(file: string): string {
  return file.split('/')[1]!;
}

/** Links the kept tag pages from the current site into `stagingDir`, where the build rendered the rest of their collections. */
export async function linkKeptPages(stagingDir: string, plan: ReusePlan): Promise<void> {
  const current = plan.cache.site;
  if (current === undefined || plan.pages.kept.size === 0) return;
  await linkOutputs(current, stagingDir, plan.pages.kept);
}

/**
 * Makes `stagingDir` (what this build wrote) and the kept output the new site, and switches
 * `outDir` to it. The current site stays whole until one rename replaces it; the cache is written
 * first and names the site it describes, so whichever of the two a kill leaves, the cache fits it
 * or is ignored. Returns the new site's folder.
 */
export async function swapIn(outDir: string, stagingDir: string, plan: ReusePlan, written: ReadonlyMap<string, number>, time: Timer): Promise<string> {
  const reused = new Set(plan.current.collections.keys());
  const previous = await currentSite(outDir);
  const spare = plan.spare;
  const fromCurrent = (except: { collections: ReadonlyMap<string, string>; shards: ReadonlySet<number> }) => [
    ...[...reused].filter((name) => !except.collections.has(name)).flatMap(collectionOutputs),
    ...[...plan.current.shards].filter((shard) => !except.shards.has(shard)).map((shard) => searchBundlePath(shard).slice(1, -1)),
  ];
  let built = stagingDir;
  await time('swap: assemble', async () => {
    if (spare && previous !== undefined) {
      // The spare stops being named before it changes: killed while it is half updated, it is
      // a leftover the next build removes.
      await writeBuildCache(outDir, { ...plan.cache, spare: undefined });
      await assembleInPlace(spare.record.site, stagingDir, {
        keep: (owner) => (owner.startsWith('collection:') ? spare.collections.has(owner.slice('collection:'.length)) : spare.shards.has(Number(owner.slice('shard:'.length)))),
        current: previous,
        link: fromCurrent(spare),
      });
      built = spare.record.site;
    } else if (previous !== undefined) {
      await linkOutputs(previous, stagingDir, fromCurrent({ collections: new Map(), shards: new Set() }));
    }
  });
  // The site being replaced becomes the next build's spare, described by what the cache said of it.
  const next = plan.cache.site !== undefined && plan.cache.site === previous ? { ...plan.cache, site: plan.cache.site, spare: undefined } : undefined;
  // A spare from an older sifhub may still be its builder's alone. Before the marker is taken:
  // a chmod changes the folder's ctime, and with it the marker the next build trusts it by.
  await readableDir(built);
  await time('swap: cache', async () => {
    // Side by side: one collection at a time, 7,800 collections' digests took 14 s.
    const names = [...plan.keys.keys()];
    const digests = await mapConcurrent(names, 16, async (name) => spare?.collections.get(name) ?? plan.current.collections.get(name) ?? outputDigest(built, name, written));
    const outputs = new Map(names.map((name, i) => [name, digests[i]!]));
    // Tag pages: those rendered or kept now, and the kept collections' as the current site's record has them.
    const pages = new Map([...plan.cache.pages].filter(([file]) => reused.has(collectionOfPage(file))));
    for (const [file, key] of plan.pages.keys) pages.set(file, key);
    await writeBuildCache(outDir, { site: built, marker: await siteMarker(built), collections: plan.keys, search: new Map(plan.shards.map((s) => [s.index, s.key])), outputs, pages, spare: next });
  });
  await time('swap: switch', () => replaceDir(built, outDir, { keepPrevious: next !== undefined }));
  return built;
}

/**
 * The pieces of a site a build recorded that are still what this build would write: the same key,
 * the files there, and (unless the folder is the very one recorded, by its marker) the same names
 * and sizes. Collections come with their output digests.
 */
async function stillBuilt(record: SiteRecord, keys: ReadonlyMap<string, string>, shards: readonly SearchShard[]): Promise<{ collections: Map<string, string>; shards: Set<number> }> {
  const trusted = record.marker !== undefined && (await siteMarker(record.site)) === record.marker;
  const entries = [...keys];
  const still = await mapConcurrent(entries, 16, async ([name, key]) => {
    const digest = record.outputs.get(name);
    if (digest === undefined || record.collections.get(name) !== key || !(await hasOutput(record.site, `collections/${name}/index.html`))) return undefined;
    return trusted || (await outputDigest(record.site, name)) === digest ? digest : undefined;
  });
  const collections = new Map(entries.flatMap(([name], i) => (still[i] === undefined ? [] : [[name, still[i]!] as const])));
  const kept = new Set<number>();
  for (const shard of shards) {
    if (record.search.get(shard.index) === shard.key && (await hasOutput(record.site, `${searchBundlePath(shard.index).slice(1)}pagefind-entry.json`))) kept.add(shard.index);
  }
  return { collections, shards: kept };
}

