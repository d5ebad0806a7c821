import { InputError } from '../problems.ts';
import { apiJsonSchemas, toJsonText } from '../schema/json-schema.ts';
import { toSite, type Site } from './enrich.ts';
import { loadRegistry } from './load-registry-fs.ts';
import { readHistory } from './read-history-git.ts';
import { renderPages } from './render-pages-astro.ts';
import { toApi } from './to-api.ts';
import { toManifests } from './to-manifests.ts';
import { validateRegistry } from './validate-records.ts';
import { makeStagingDir, removeDir, replaceDir, writeFiles } from './write-output-fs.ts';

// The one place the stages are ordered (DESIGN §2).

export interface StageTiming {
  stage: string;
  seconds: number;
}

export interface BuildResult {
  site: Site;
  files: { manifests: number; api: number };
  timings: StageTiming[];
}

export interface BuildOptions {
  registryDir: string;
  outDir: string;
  /** Skip Astro (stage 7); for tests of the data outputs only. */
  pages?: boolean;
  quiet?: boolean;
}

type Timer = <T>(stage: string, run: () => Promise<T> | T) => Promise<T>;

function timer(timings: StageTiming[]): Timer {
  return async (stage, run) => {
    const start = performance.now();
    try {
      return await run();
    } finally {
      timings.push({ stage, seconds: (performance.now() - start) / 1000 });
    }
  };
}

/** Stages 1–5: records on disk and in git → the site model. Throws InputError on bad records. */
export async function loadSite(options: { registryDir: string }, time: Timer = (_, run) => Promise.resolve(run())): Promise<Site> {
  const loaded = await time('load', () => loadRegistry(options.registryDir));
  const validated = await time('validate', () => validateRegistry(loaded.files, loaded.problems, loaded.display));
  if (!validated.ok) throw new InputError(validated.problems);
  const history = await time('history', () => readHistory(loaded.root, new Set(loaded.files.map((f) => f.blob))));
  return time('enrich', () => toSite(validated.registry, history));
}

export async function buildSite(options: BuildOptions): Promise<BuildResult> {
  const timings: StageTiming[] = [];
  const time = timer(timings);
  const site = await loadSite(options, time);
  const manifests = await time('manifests', () => toManifests(site));
  if (manifests.problems.length > 0) throw new InputError(manifests.problems);
  const api = toApi(site);

  const staging = await makeStagingDir(options.outDir);
  try {
    if (options.pages !== false) await time('pages', () => renderPages(site, staging, { quiet: options.quiet }));
    const counts = await time('write', async () => ({
      manifests: await writeFiles(staging, manifests.files.map((m) => ({ path: m.path, text: `${JSON.stringify(m.manifest)}\n` }))),
      api: await writeFiles(staging, [
        ...api.map((a) => ({ path: a.path, text: toJsonText(a.json) })),
        ...Object.entries(apiJsonSchemas()).map(([name, schema]) => ({ path: `api/v1/schema/${name}`, text: toJsonText(schema) })),
      ]),
    }));
    await replaceDir(staging, options.outDir);
    return { site, files: counts, timings };
  } catch (error) {
    await removeDir(staging);
    throw error;
  }
}
