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

// The one place the stages are ordered (DESIGN §2): loadSite runs 1–5, then 6 and 7 here.

export interface BuildResult {
  site: Site;
  files: { manifests: number; api: number; search: number };
  searchBytes: number;
  timings: StageTiming[];
  /** What the build went on without (unknown usage counts); the site is still complete. */
  warnings: string[];
}

export interface BuildOptions {
  registryDir: string;
  outDir: string;
  quiet?: boolean;
  /** Fetch downloads and stars from GitHub; without it they show "—". */
  github?: GitHubAccess;
  /** Hears the start of each stage (the benchmark attributes memory to stages). */
  onStage?: (stage: string) => void;
}

export async function buildSite(options: BuildOptions): Promise<BuildResult> {
  const timings: StageTiming[] = [];
  const time = timer(timings, options.onStage);
  const warnings: string[] = [];
  const site = await loadSite({ ...options, warn: (message) => warnings.push(message) }, time);
  const manifests = await time('manifests', () => toManifests(site));
  if (manifests.problems.length > 0) throw new InputError(manifests.problems);
  const api = toApi(site);

  const staging = await makeStagingDir(options.outDir);
  try {
    await time('pages', () => renderPages(site, staging, { quiet: options.quiet }));
    const counts = await time('write', async () => ({
      manifests: await writeFiles(staging, manifests.files.map((m) => ({ path: m.path, text: `${JSON.stringify(m.manifest)}\n` }))),
      api: await writeFiles(staging, [
        ...api.map((a) => ({ path: a.path, text: toJsonText(a.json) })),
        ...Object.entries(apiJsonSchemas()).map(([name, schema]) => ({ path: apiPath.schema(name).slice(1), text: toJsonText(schema) })),
      ]),
    }));
    const search = await time('search index', () => writeSearchIndex(toSearchRecords(site), staging));
    await replaceDir(staging, options.outDir);
    return { site, files: { ...counts, search: search.files }, searchBytes: search.bytes, timings, warnings };
  } catch (error) {
    await removeDir(staging);
    throw error;
  }
}
