import { readdir, rename } from 'node:fs/promises';
import path from 'node:path';
import type { GitHubAccess } from '../github/octokit.ts';
import { InputError } from '../errors.ts';
import type { Site } from '../model/types.ts';
import { timer, type StageTiming } from '../timer.ts';
import { loadSite } from './load-site.ts';
import type { GitLabEnv } from './fetch-usage-gitlab.ts';
import { loadRecords, type LoadedRecords } from '../records/load-records-fs.ts';
import type { Rendering } from './hand-off.ts';
import { renderPages } from './render-pages-astro.ts';
import { measureSearchIndex, writeSearchIndex } from './write-search-index-pagefind.ts';
import { writeLibraryImages } from './library-images-fs.ts';
import { toAllowedHosts } from '../storage/allowed-hosts.ts';
import { toSitePlan, type PlannedKind } from './to-site-plan.ts';
import { makeStagingDir, removeDir, writeFiles } from '../output/write-output-fs.ts';
import { readCodeFingerprint } from '../output/build-cache-fs.ts';
import { linkKeptPages, planReuse, swapIn } from '../output/reuse-fs.ts';
import { toSearchShards } from './to-search-shards.ts';
import { toCollectionKeys, toTagPageKeys } from '../output/to-output-keys.ts';
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
  /** On GitLab: its CI's API root and a token, for stars. */
  gitlab?: GitLabEnv;
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

    // What the last builds wrote from the same inputs is kept, not rebuilt (output/reuse-fs.ts).
    const plan = await time('reuse', () => {
      const keys = toCollectionKeys(site, code);
      const pageKeys = (names: ReadonlySet<string>) => toTagPageKeys(site, code, site.collections.filter((c) => names.has(c.name)));
      return planReuse(outDir, keys, toSearchShards(site, keys, code, options.searchShardRecords), pageKeys, { fresh: options.fresh });
    });
    const reused = new Set(plan.current.collections.keys());
    const rebuilt = (file: { collection?: string }) => file.collection === undefined || !reused.has(file.collection);

    const stagingDir = await makeStagingDir(outDir, plan.spare?.record.site);
    staging = stagingDir;
    rendering.resolve({ site, plan: { reused, keptPages: plan.pages.kept, searchShards: plan.shards.length } });
    destination.resolve(stagingDir);
    // The search index is written beside the pages, on the other core (pagefind is its own
    // process), into a folder of its own: Astro replaces the folder it renders into.
    const searchDir = `${stagingDir}.search`;
    searchStaging = searchDir;
    // Both finish before either's failure is thrown: nothing keeps writing into a removed folder.
    const halves = await Promise.allSettled([pages, time('search index', () => writeSearchIndex(plan.shards, searchDir, plan.current.shards))]);
    for (const half of halves) if (half.status === 'rejected') throw half.reason;
    await moveSearchBundles(searchDir, stagingDir);
    // The tag pages of rebuilt collections that did not change, from the current site.
    await linkKeptPages(stagingDir, plan);
    const written = new Map<string, number>();
    const counts = await time('write', async () => {
      const files = output.files.filter(rebuilt);
      const count = (kind: PlannedKind) => files.filter((f) => f.kind === kind).length;
      await writeFiles(stagingDir, files, written);
      const images = await writeLibraryImages(stagingDir, output.images.filter(rebuilt), toAllowedHosts(config.allowHosts));
      return { manifests: count('manifest'), library: count('library') + images, api: count('api') };
    });
    await time('swap', async () => {
      published = await swapIn(outDir, stagingDir, plan, written, time);
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

/** The shards' bundles written beside the pages, moved into the site (each one rename). */
async function moveSearchBundles(from: string, to: string): Promise<void> {
  for (const name of await readdir(from).catch(() => [] as string[])) await rename(path.join(from, name), path.join(to, name));
}
