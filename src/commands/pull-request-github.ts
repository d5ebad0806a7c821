import { makeOctokit, type GitHubAccess } from '../github/octokit.ts';
import { parseRepositoryUrl } from '../github/urls.ts';
import { githubRemote, type RegistryRepository } from '../git/registry-repository.ts';
import { SubmitError } from '../errors.ts';
import type { SiteConfig } from '../schema/site-config.ts';

// Opening a pull request on the registry's GitHub repository from a pushed branch: what submit
// and mirror do after committing records on a branch of their own. The branch may live in the
// person's fork (their remote is not the registry's repository).

export interface GitHubTarget {
  octokit: ReturnType<typeof makeOctokit>;
  owner: string;
  repo: string;
  /** The person's fork, when the remote is not the registry's repository. */
  fork?: { owner: string; repo: string };
}

/** The registry's repository (registry.yml's `repository`, else the remote) and the person's fork. `why` names what needs the token. */
export async function githubTarget(github: GitHubAccess, repository: RegistryRepository, remote: string, config: SiteConfig | undefined, why: string, configFile: string): Promise<GitHubTarget> {
  if (!github.token) throw new SubmitError(`${why} needs a GitHub token in GITHUB_TOKEN (e.g. GITHUB_TOKEN=$(gh auth token)); or pass --no-pr to stop after the push`);
  const serverHost = new URL(github.serverUrl).host;
  const pushedTo = await githubRemote(repository, remote, serverHost);
  const upstream = (config?.repository && parseRepositoryUrl(config.repository, github.serverUrl)) ?? pushedTo;
  if (!upstream) throw new SubmitError(`cannot tell which GitHub repository the registry lives in: set repository in ${configFile} (e.g. ${github.serverUrl}/lab/registry)`);
  const fork = pushedTo && (pushedTo.owner.toLowerCase() !== upstream.owner.toLowerCase() || pushedTo.repo.toLowerCase() !== upstream.repo.toLowerCase()) ? pushedTo : undefined;
  return { octokit: makeOctokit(github), ...upstream, fork };
}

/** Opens the pull request from `branch`; its web address. A failure says how to open it by hand. */
export async function openPullRequest(target: GitHubTarget, repository: RegistryRepository, branch: string, pullRequest: { title: string; body: string }, serverUrl: string): Promise<string> {
  const head = target.fork ? `${target.fork.owner}:${branch}` : branch;
  const base = repository.baseBranch ?? (await target.octokit.repos.get({ owner: target.owner, repo: target.repo }).then((r) => r.data.default_branch, () => 'main'));
  const opened = await target.octokit.pulls.create({ owner: target.owner, repo: target.repo, title: pullRequest.title, body: pullRequest.body, head, base }).catch((error: { status?: number; message?: string }) => {
    throw new SubmitError(
      `the branch is pushed, but opening the pull request failed (${error.status ? `HTTP ${error.status} ` : ''}${error.message ?? error}). ` +
        `Open it by hand: ${serverUrl}/${target.owner}/${target.repo}/compare/${base}...${encodeURIComponent(head)}`,
    );
  });
  return opened.data.html_url;
}
