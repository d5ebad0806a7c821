import { mapConcurrent } from '../concurrency.ts';
import type { Octokit } from '@octokit/rest';
import { makeOctokit, type GitHubAccess } from '../github/octokit.ts';
import { parseReleaseAssetUrl, parseRepositoryUrl } from '../github/urls.ts';
import { plural } from '../site/format.ts';
import { NO_USAGE, type Usage } from '../model/types.ts';

// Usage counts live on GitHub and are fetched at build time, never committed (DESIGN §4):
// downloads are release assets' `download_count`, stars are the 👍 reactions on the issue a
// collection names. Unknown stays unknown: an outage must never read as "0 downloads".

export interface UsageRequest {
  /** Every image URL the site shows; those on GitHub releases get a download count. */
  imageUrls: Iterable<string>;
  /** Collection → the issue whose 👍 reactions are its stars. */
  starsIssues: ReadonlyMap<string, number>;
  /** registry.yml `repository`: where the stars issues live. */
  repository?: string;
}

export interface UsageResult {
  usage: Usage;
  /** One warning for the whole stage when anything stayed unknown, else undefined. */
  warning?: string;
}

const JOBS = 6;
const LISTED_PROBLEMS = 5;

export async function fetchUsage(request: UsageRequest, access: GitHubAccess, octokit: Octokit = makeOctokit(access)): Promise<UsageResult> {
  const assetsByRepo = new Map<string, { owner: string; repo: string; urls: string[] }>();
  for (const url of new Set(request.imageUrls)) {
    const repo = parseReleaseAssetUrl(url, access.serverUrl);
    if (!repo) continue;
    const key = repoKey(repo);
    const entry = assetsByRepo.get(key) ?? { ...repo, urls: [] };
    entry.urls.push(url);
    assetsByRepo.set(key, entry);
  }
  const starsRepo = request.repository === undefined ? undefined : parseRepositoryUrl(request.repository, access.serverUrl);
  const wanted = [
    assetsByRepo.size > 0 ? `downloads of ${plural([...assetsByRepo.values()].reduce((n, r) => n + r.urls.length, 0), 'image')} on GitHub releases` : '',
    request.starsIssues.size > 0 ? `stars of ${plural(request.starsIssues.size, 'collection')}` : '',
  ].filter(Boolean);
  if (wanted.length === 0) return { usage: NO_USAGE };
  if (!access.token) return { usage: NO_USAGE, warning: `GITHUB_TOKEN is not set, so ${wanted.join(' and ')} show "—".` };

  const downloads = new Map<string, number>();
  const stars = new Map<string, number>();
  const problems: string[] = [];
  // The first sign of an outage (no answer, 5xx, rate limit) stops the rest: each would wait too.
  let outage: string | undefined;

  const tasks: { label: string; run: () => Promise<void> }[] = [];
  for (const { owner, repo, urls } of assetsByRepo.values()) {
    const run = async () => {
      const counts = new Map<string, number>();
      for await (const page of octokit.paginate.iterator(octokit.rest.repos.listReleases, { owner, repo, per_page: 100 })) {
        for (const release of page.data) {
          for (const asset of release.assets) {
            counts.set(canonicalAssetUrl(asset.browser_download_url, access.serverUrl), asset.download_count);
            // Older versions of a tag may point at other assets of the same repository.
            downloads.set(asset.browser_download_url, asset.download_count);
          }
        }
      }
      let missing = 0;
      for (const url of urls) {
        const count = counts.get(canonicalAssetUrl(url, access.serverUrl));
        if (count === undefined) missing += 1;
        else downloads.set(url, count);
      }
      if (missing > 0) problems.push(`${owner}/${repo}: ${plural(missing, 'image URL')} ${missing === 1 ? 'is' : 'are'} not an asset of any of its releases`);
    };
    tasks.push({ label: `${owner}/${repo} releases`, run });
  }
  if (request.starsIssues.size > 0 && !starsRepo) {
    problems.push(`registry.yml \`repository\` (${request.repository ?? 'not set'}) is not a repository on ${access.serverUrl}, so stars are unknown`);
  }
  if (starsRepo) {
    for (const [collection, issue] of request.starsIssues) {
      const run = async () => {
        const { data } = await octokit.rest.issues.get({ ...starsRepo, issue_number: issue });
        const count = data.reactions?.['+1'];
        if (typeof count === 'number') stars.set(collection, count);
        else problems.push(`${collection}: issue #${issue} came without reaction counts`);
      };
      tasks.push({ label: `${collection}: issue #${issue} in ${starsRepo.owner}/${starsRepo.repo}`, run });
    }
  }

  let skipped = 0;
  await mapConcurrent(tasks, JOBS, async (task) => {
    if (outage !== undefined) {
      skipped += 1;
      return;
    }
    try {
      await task.run();
    } catch (error) {
      const { message, isOutage } = describeFailure(error);
      if (isOutage) outage ??= message;
      problems.push(`${task.label}: ${message}`);
    }
  });

  if (problems.length === 0) return { usage: { downloads, stars } };
  const listed = problems.slice(0, LISTED_PROBLEMS).map((p) => `\n  ${p}`).join('');
  const more = problems.length > LISTED_PROBLEMS ? `\n  … and ${problems.length - LISTED_PROBLEMS} more` : '';
  const rest = skipped > 0 ? `\n  ${plural(skipped, 'other request')} skipped after GitHub failed` : '';
  return { usage: { downloads, stars }, warning: `Some usage counts from GitHub are unknown and show "—":${listed}${more}${rest}` };
}

/** GitHub names are case-insensitive; the API answers with their canonical case. */
function canonicalAssetUrl(url: string, serverUrl: string): string {
  const rest = url.slice(serverUrl.length + 1);
  const [owner = '', repo = '', ...path] = rest.split('/');
  return [owner.toLowerCase(), repo.toLowerCase(), ...path].join('/');
}

function repoKey({ owner, repo }: { owner: string; repo: string }): string {
  return `${owner}/${repo}`.toLowerCase();
}

function describeFailure(error: unknown): { message: string; isOutage: boolean } {
  const failure = (typeof error === 'object' && error !== null ? error : {}) as { status?: number; response?: unknown; message?: string };
  const message = (failure.message ?? String(error)).split('\n')[0]!.slice(0, 200);
  // Octokit reports a request that got no answer as status 500 without a response.
  if (failure.response === undefined) return { message: `no answer from GitHub: ${message}`, isOutage: true };
  const status = failure.status ?? 0;
  if (status === 404) return { message: 'not found (or not visible to this token)', isOutage: false };
  const outage = status === 401 || status === 403 || status === 429 || status >= 500;
  return { message: `GitHub answered ${status}: ${message}`, isOutage: outage };
}
