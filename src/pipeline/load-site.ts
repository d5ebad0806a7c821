import { InputError } from '../errors.ts';
import { fetchGitLabUsage, gitlabAccessFor, type GitLabEnv } from './fetch-usage-gitlab.ts';
import { forgeOf } from '../schema/site-config.ts';
import { readHistory } from '../git/read-history.ts';
import type { GitHubAccess } from '../github/octokit.ts';
import { NO_USAGE, type Site } from '../model/types.ts';
import { hasVersionsThatMatter } from '../records/layout.ts';
import { loadRecords, type LoadedRecords } from '../records/load-records-fs.ts';
import type { ContentCache } from '../records/types.ts';
import { untimed, type Timer } from '../timer.ts';
import { enrich, isHistoryParseKept } from './enrich.ts';
import type { HistoryStore } from '../output/history-cache-fs.ts';
import { fetchUsage } from './fetch-usage-github.ts';
import { toTagSignatures } from './tag-signatures.ts';
import { armoredKeyring } from '../sif/sif-signatures-node.ts';

// Stages 1–5, records on disk and in git → the site model. build.ts continues from here; the
// Astro dev server calls this alone, so it must not import the page renderer.

/** Stages 1–5: records on disk and in git → the site model. Throws InputError on bad records. */
export interface LoadSiteOptions {
  registryDir: string;
  /** Already read and checked by the caller, so it is not done twice. */
  loaded?: LoadedRecords;
  /** Fetch downloads and stars from GitHub (the build does; validate and the dev server do not). */
  github?: GitHubAccess;
  /** On GitLab: its CI's API root and the token for a private project's issues (stars). */
  gitlab?: GitLabEnv;
  /** Told what the build could not do but went on without (unknown usage counts). */
  warn?: (message: string) => void;
  /** Parses and renders kept from earlier builds (the build's; validate and the dev server start afresh). */
  cache?: ContentCache;
  /** The history an earlier build read, and where this one's is kept (the build's). */
  keptHistory?: HistoryStore;
}

export async function loadSite(options: LoadSiteOptions, time: Timer = untimed): Promise<Site> {
  const { files, checked, keys } = options.loaded ?? (await loadRecords(options.registryDir, { cache: options.cache, time }));
  if (!checked.ok) throw new InputError(checked.problems);
  const { registry } = checked;
  const history = await time('history', async () => {
    const current = new Set(files.files.map((f) => f.blob));
    const { cache } = options;
    const read = await readHistory(files.root, (blob, path) => current.has(blob) || (cache !== undefined && isHistoryParseKept(cache, path, blob)), hasVersionsThatMatter, files.commit, await options.keptHistory?.read());
    if (read.kept && files.commit === undefined) await options.keptHistory?.write(read.kept);
    return read;
  });
  const github = options.github;
  const starsIssues = new Map(registry.collections.flatMap((c) => (c.record.starsIssue === undefined ? [] : [[c.name, c.record.starsIssue] as const])));
  const usage = forgeOf(registry.config) === 'gitlab'
    ? await time('usage', async () => {
        const gitlab = options.gitlab;
        if (!gitlab?.CI_API_V4_URL && !gitlab?.SIFHUB_GITLAB_TOKEN) {
          if (starsIssues.size > 0) options.warn?.('Neither in GitLab CI (CI_API_V4_URL) nor given SIFHUB_GITLAB_TOKEN, so stars show "—".');
          return NO_USAGE;
        }
        const access = gitlabAccessFor(registry.config.repository, gitlab);
        const result = await fetchGitLabUsage({ imageUrls: [], starsIssues, repository: registry.config.repository }, access);
        if (result.warning) options.warn?.(result.warning);
        return result.usage;
      })
    : github
    ? await time('usage', async () => {
        const result = await fetchUsage(
          {
            imageUrls: registry.tags.map((t) => t.record.url),
            starsIssues,
            repository: registry.config.repository,
          },
          github,
        );
        if (result.warning) options.warn?.(result.warning);
        return result.usage;
      })
    : NO_USAGE;
  const signatures = await time('signatures', () => toTagSignatures(registry, keys, options.cache));
  const siteKeys = [...keys.byId.values()].map(({ id, kind, name, text }) => ({ id, kind, name, text }));
  const keyring = await armoredKeyring(siteKeys.filter((k) => k.kind === 'pgp').map((k) => k.text));
  return time('enrich', () => enrich(registry, history, usage, options.cache, { signatures, keys: siteKeys, keyring }));
}

