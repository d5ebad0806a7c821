import { readdir, rename } from 'node:fs/promises';
import path from 'node:path';
import type { GitHubAccess } from '../github/octokit.ts';
import { InputError } from '../errors.ts';
import { searchBundlePath } from '../site/urls.ts';
import type { Site } from '../model/types.ts';
import { timer, type StageTiming } from '../timer.ts';
import { loadSite } from './load-site.ts';
import { mapConcurrent } from '../concurrency.ts';
import { loadRecords, type LoadedRecords } from '../records/load-records-fs.ts';
import type { Rendering } from './hand-off.ts';
import { renderPages } from './render-pages-astro.ts';
import { toSearchRecords } from './to-search-records.ts';
import { measureSearchIndex, writeSearchIndex } from './write-search-index-pagefind.ts';
import { writeLibraryImages } from './library-images-fs.ts';
import { toAllowedHosts } from '../storage/allowed-hosts.ts';
import { toSitePlan, type PlannedKind } from './to-site-plan.ts';
import { currentSite, makeStagingDir, readableDir, removeDir, replaceDir, writeFiles } from '../output/write-output-fs.ts';
import { collectionOutputs, EMPTY_BUILD_CACHE, hasOutput, linkOutputs, outputDigest, readBuildCache, readCodeFingerprint, writeBuildCache, type SiteRecord } from '../output/build-cache-fs.ts';
import { assembleInPlace, isFolder, siteMarker } from '../output/site-units-fs.ts';
import { toSearchShards, type SearchShard } from './to-search-shards.ts';
import { toCollectionKeys } from '../output/to-output-keys.ts';
import { readContentCache } from '../output/content-cache-fs.ts';
import { historyStore } from '../output/history-cache-fs.ts';

// The one place the stages are ordered (DESIGN §2): loadSite runs 1–5, then 6 and 7 here.

export interface BuildResult {
  site: Site;
  /** Files written: shub manifests, library:// images (and S3 redirects), API and site files, search index. */
  files: { manifests: number; library: number; api: number; search: number };
  searchBytes: number;
  timings: StageTiming[];
  /** What the build went on without (unknown usage counts); the site is still complete. */
  warnings: string[];
  /** Collections whose output was kept from the last build. */
  reused: number;
}

export interface BuildOptions {
  registryDir: string;
  outDir: string;
  quiet?: boolean;
  /** Fetch downloads and stars from GitHub; without it they show "—". */
  github?: GitHubAccess;
  /** Hears the start of each stage (the benchmark attributes memory to stages). */
  onStage?: (stage: string) => void;
  /** Ignore what earlier builds kept (output, parsed records) and build everything. */
  fresh?: boolean;
  /** Records per search shard (SIFHUB_SEARCH_SHARD_RECORDS); by default SHARD_RECORDS. */
  searchShardRecords?: number;
}

export async function buildSite(options: BuildOptions): Promise<BuildResult> {
  const timings: StageTiming[] = [];
  const time = timer(timings, options.onStage);
  const warnings: string[] = [];
  // Absolute from here on: while Astro renders, the working directory is sifhub's.
  const registryDir = path.resolve(options.registryDir);
  const outDir = path.resolve(options.outDir);
  const code = await readCodeFingerprint();
  // --fresh parses everything again too; what it parses is kept for the next build.
  const cache = await time('cache', () => readContentCache(code, { ignoreKept: options.fresh }));
  // Let go of once the model is built: the records' texts are not needed after it.
  let loaded: LoadedRecords | undefined = await loadRecords(registryDir, { cache, time });
  const { checked } = loaded;
  if (!checked.ok) throw new InputError(checked.problems);
  const { config } = checked.registry;

  // Pages are started now: Astro bundles its templates while the model is built, and renders
  // once it is handed over. Whatever fails first, the render is awaited before the error is
  // thrown, so nothing keeps writing after the build has ended.
  const rendering = Promise.withResolvers<Rendering>();
  const destination = Promise.withResolvers<string>();
  // Rejected when the pipeline fails, maybe before the render has asked for them: the error is the pipeline's to throw.
  rendering.promise.catch(() => undefined);
  destination.promise.catch(() => undefined);
  const pages = time('pages', () => renderPages(config, rendering.promise, destination.promise, { quiet: options.quiet }));
  pages.catch(() => undefined);
  let staging: string | undefined;
  let searchStaging: string | undefined;
  let published: string | undefined;
  try {
    const keptHistory = historyStore(registryDir, code, { fresh: options.fresh });
    const site = await loadSite({ ...options, registryDir, loaded, cache, keptHistory, warn: (message) => warnings.push(message) }, time);
    loaded = undefined;
    // Everything but the pages and the search index, and every problem: validate computes the same plan.
    const output = await time('plan', () => toSitePlan(site));
    if (output.problems.length > 0) throw new InputError(output.problems);

    // Output the last build wrote from the same inputs is kept, not rebuilt: collections' pages,
    // manifests and API files, and search shards. So is the spare's (the site before the current
    // one), which this build turns into the new site in place when there is one.
    const plan = await time('reuse', async () => {
      const keys = toCollectionKeys(site, code);
      const shards = toSearchShards(toSearchRecords(site), code, options.searchShardRecords);
      const cache = options.fresh ? EMPTY_BUILD_CACHE() : await readBuildCache(outDir);
      const current = cache.site === undefined ? { collections: new Map<string, string>(), shards: new Set<number>() } : await stillBuilt({ ...cache, site: cache.site }, keys, shards);
      const spare = cache.spare && (await isFolder(cache.spare.site)) ? { record: cache.spare, ...(await stillBuilt(cache.spare, keys, shards)) } : undefined;
      return { keys, shards, cache, current, spare };
    });
    const reused = new Set(plan.current.collections.keys());
    const rebuilt = (file: { collection?: string }) => file.collection === undefined || !reused.has(file.collection);

    const stagingDir = await makeStagingDir(outDir, plan.spare?.record.site);
    staging = stagingDir;
    rendering.resolve({ site, plan: { reused, searchShards: plan.shards.length } });
    destination.resolve(stagingDir);
    // The search index is written beside the pages, on the other core (pagefind is its own
    // process), into a folder of its own: Astro replaces the folder it renders into.
    const searchDir = `${stagingDir}.search`;
    searchStaging = searchDir;
    // Both finish before either's failure is thrown: nothing keeps writing into a removed folder.
    const halves = await Promise.allSettled([pages, time('search index', () => writeSearchIndex(plan.shards, searchDir, plan.current.shards))]);
    for (const half of halves) if (half.status === 'rejected') throw half.reason;
    await moveSearchBundles(searchDir, stagingDir);
    const written = new Map<string, number>();
    const counts = await time('write', async () => {
      const files = output.files.filter(rebuilt);
      const count = (kind: PlannedKind) => files.filter((f) => f.kind === kind).length;
      await writeFiles(stagingDir, files, written);
      const images = await writeLibraryImages(stagingDir, output.images.filter(rebuilt), toAllowedHosts(config.allowHosts));
      return { manifests: count('manifest'), library: count('library') + images, api: count('api') };
    });
    // The current site stays whole until one rename replaces it; the cache is written first and
    // names the site it describes, so whichever of the two a kill leaves, the cache fits it or is ignored.
    await time('swap', async () => {
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
      await time('swap: cache', async () => {
        // Side by side: one collection at a time, 7,800 collections' digests took 14 s.
        const names = [...plan.keys.keys()];
        const digests = await mapConcurrent(names, 16, async (name) => spare?.collections.get(name) ?? plan.current.collections.get(name) ?? outputDigest(built, name, written));
        const outputs = new Map(names.map((name, i) => [name, digests[i]!]));
        await writeBuildCache(outDir, { site: built, marker: await siteMarker(built), collections: plan.keys, search: new Map(plan.shards.map((s) => [s.index, s.key])), outputs, spare: next });
      });
      // A spare from an older sifhub may still be its builder's alone.
      await readableDir(built);
      await time('swap: switch', () => replaceDir(built, outDir, { keepPrevious: next !== undefined }));
      published = built;
      await cache.save();
    });
    const search = await measureSearchIndex(outDir, plan.shards.length);
    return { site, files: { ...counts, search: search.files }, searchBytes: search.bytes, timings, warnings, reused: reused.size };
  } catch (error) {
    rendering.reject(error);
    destination.reject(error);
    await pages.catch(() => undefined);
    throw error;
  } finally {
    if (staging !== undefined && published !== staging) await removeDir(staging);
    if (searchStaging !== undefined) await removeDir(searchStaging);
  }
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

/** The shards' bundles written beside the pages, moved into the site (each one rename). */
async function moveSearchBundles(from: string, to: string): Promise<void> {
  for (const name of await readdir(from).catch(() => [] as string[])) await rename(path.join(from, name), path.join(to, name));
}
