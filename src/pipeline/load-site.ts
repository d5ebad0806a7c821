import type { GitHubAccess } from '../github/octokit.ts';
import { InputError } from '../errors.ts';
import type { ContentCache } from './content-cache-fs.ts';
import { NO_USAGE, toSite, type Site } from '../model/to-site.ts';
import { fetchUsage } from './fetch-usage-github.ts';
import { loadRegistry, type LoadedRegistry } from '../records/read-registry-fs.ts';
import { readHistory } from '../git/read-history.ts';
import { validateRegistry } from '../records/check-registry.ts';

// Stages 1–5, records on disk and in git → the site model. build.ts continues from here; the
// Astro dev server calls this alone, so it must not import the page renderer.

export interface StageTiming {
  stage: string;
  seconds: number;
}

export type Timer = <T>(stage: string, run: () => Promise<T> | T) => Promise<T>;

/** Times each stage into `timings`; `onStage` hears each start (the benchmark's memory probe). */
export function timer(timings: StageTiming[], onStage?: (stage: string) => void): Timer {
  return async (stage, run) => {
    onStage?.(stage);
    const start = performance.now();
    try {
      return await run();
    } finally {
      timings.push({ stage, seconds: (performance.now() - start) / 1000 });
    }
  };
}

/** Stages 1–5: records on disk and in git → the site model. Throws InputError on bad records. */
export interface LoadSiteOptions {
  registryDir: string;
  /** Already read by the caller, so it is not read twice. */
  loaded?: LoadedRegistry;
  /** Fetch downloads and stars from GitHub (the build does; validate and the dev server do not). */
  github?: GitHubAccess;
  /** Told what the build could not do but went on without (unknown usage counts). */
  warn?: (message: string) => void;
  /** Parses and renders kept from earlier builds (the build's; validate and the dev server start afresh). */
  cache?: ContentCache;
}

export async function loadSite(options: LoadSiteOptions, time: Timer = (_, run) => Promise.resolve(run())): Promise<Site> {
  const loaded = options.loaded ?? (await time('load', () => loadRegistry(options.registryDir)));
  const validated = await time('validate', () => validateRegistry(loaded.files, loaded.problems, loaded.display, options.cache));
  if (!validated.ok) throw new InputError(validated.problems);
  const { registry } = validated;
  const history = await time('history', () => readHistory(loaded.root, new Set(loaded.files.map((f) => f.blob))));
  const github = options.github;
  const usage = github
    ? await time('usage', async () => {
        const result = await fetchUsage(
          {
            imageUrls: registry.tags.map((t) => t.record.url),
            starsIssues: new Map(registry.collections.flatMap((c) => (c.record.starsIssue === undefined ? [] : [[c.name, c.record.starsIssue] as const]))),
            repository: registry.config.repository,
          },
          github,
        );
        if (result.warning) options.warn?.(result.warning);
        return result.usage;
      })
    : NO_USAGE;
  return time('enrich', () => toSite(registry, history, usage, options.cache));
}

