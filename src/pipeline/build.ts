import type { GitHubAccess } from '../github/octokit.ts';
import { InputError } from '../problems.ts';
import { apiJsonSchemas, toJsonText } from '../schema/json-schema.ts';
import { apiPath } from '../site/urls.ts';
import type { Site } from './enrich.ts';
import { loadSite, timer, type StageTiming } from './load-site.ts';
import { renderPages } from './render-pages-astro.ts';
import { toApi } from './to-api.ts';
import { toManifests } from './to-manifests.ts';
import { toSearchRecords } from './to-search-records.ts';
import { writeSearchIndex } from './write-search-index-pagefind.ts';
import { makeStagingDir, removeDir, replaceDir, writeFiles } from './write-output-fs.ts';
import { hasCollectionOutput, moveCollectionOutputs, readBuildCache, readCodeFingerprint, writeBuildCache } from './build-cache-fs.ts';
import { toCollectionKeys } from './to-output-keys.ts';

// The one place the stages are ordered (DESIGN §2): loadSite runs 1–5, then 6 and 7 here.

export interface BuildResult {
  site: Site;
  files: { manifests: number; api: number; search: number };
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
  /** Ignore the last build's output and build every collection. */
  fresh?: boolean;
}

export async function buildSite(options: BuildOptions): Promise<BuildResult> {
  const timings: StageTiming[] = [];
  const time = timer(timings, options.onStage);
  const warnings: string[] = [];
  const site = await loadSite({ ...options, warn: (message) => warnings.push(message) }, time);
  const manifests = await time('manifests', () => toManifests(site));
  if (manifests.problems.length > 0) throw new InputError(manifests.problems);

  // Collections whose output the last build wrote from the same inputs are moved over, not rebuilt.
  const { keys, reused } = await time('reuse', async () => {
    const keys = toCollectionKeys(site, await readCodeFingerprint());
    const cache = options.fresh ? { collections: new Map<string, string>() } : await readBuildCache(options.outDir);
    const reused = new Set<string>();
    for (const [name, key] of keys) if (cache.collections.get(name) === key && (await hasCollectionOutput(options.outDir, name))) reused.add(name);
    return { keys, reused };
  });
  const rebuilt = (apiOrManifestPath: string) => !reused.has(collectionOfOutput(apiOrManifestPath) ?? '');
  const api = toApi(site);

  const staging = await makeStagingDir(options.outDir);
  try {
    await time('pages', () => renderPages(site, staging, { quiet: options.quiet, reused }));
    const counts = await time('write', async () => ({
      manifests: await writeFiles(staging, manifests.files.filter((m) => rebuilt(m.path)).map((m) => ({ path: m.path, text: `${JSON.stringify(m.manifest)}\n` }))),
      api: await writeFiles(staging, [
        ...api.filter((a) => rebuilt(a.path)).map((a) => ({ path: a.path, text: toJsonText(a.json) })),
        ...Object.entries(apiJsonSchemas()).map(([name, schema]) => ({ path: apiPath.schema(name).slice(1), text: toJsonText(schema) })),
      ]),
    }));
    const search = await time('search index', () => writeSearchIndex(toSearchRecords(site), staging));
    await time('swap', async () => {
      const undo = await moveCollectionOutputs(options.outDir, staging, reused);
      try {
        await replaceDir(staging, options.outDir);
      } catch (error) {
        await undo();
        throw error;
      }
      await writeBuildCache(options.outDir, { collections: keys });
    });
    return { site, files: { ...counts, search: search.files }, searchBytes: search.bytes, timings, warnings, reused: reused.size };
  } catch (error) {
    await removeDir(staging);
    throw error;
  }
}

/** `api/container/COLL/…` and `api/v1/collections/COLL.json` → COLL; shared files → undefined. */
function collectionOfOutput(file: string): string | undefined {
  const parts = file.replace(/^\//, '').split('/');
  if (parts[0] === 'api' && parts[1] === 'container') return parts[2];
  if (parts[0] === 'api' && parts[1] === 'v1' && parts[2] === 'collections' && parts.length === 4) return parts[3]!.replace(/\.json$/, '');
  return undefined;
}
