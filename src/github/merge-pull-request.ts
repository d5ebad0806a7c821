import { makeOctokit, type GitHubAccess } from './octokit.ts';

// Merging a pull request that the trusted workflow judged an owner's own change, then starting
// the publish workflow: a merge made with the workflow's token starts no `push` workflow
// (GitHub's rule against loops), but a workflow_dispatch it sends does.

export interface MergeRequest {
  /** "owner/repo": GITHUB_REPOSITORY. */
  repository: string;
  number: number;
  /** The head commit that was judged: GitHub refuses the merge if the pull request moved since. */
  head: string;
  /** The base branch's tip the judged merge was made onto: no merge once the branch moved on. */
  base: string;
  /** Who the check judged as the author; the pull request must still say so. */
  author: string;
  method: 'merge' | 'squash' | 'rebase';
  /** The workflow file to start on the base branch after the merge ("publish.yml"), or none. */
  publishWorkflow?: string;
}

export type MergeOutcome = { merged: true; sha: string; published: boolean } | { merged: false; reason: string };

export async function mergePullRequest(request: MergeRequest, access: GitHubAccess): Promise<MergeOutcome> {
  const octokit = makeOctokit(access);
  const [owner, repo] = request.repository.split('/') as [string, string];
  const { data: pull } = await octokit.rest.pulls.get({ owner, repo, pull_number: request.number });
  if (pull.state !== 'open') return { merged: false, reason: `pull request #${request.number} is ${pull.state}` };
  if (pull.head.sha !== request.head) return { merged: false, reason: `pull request #${request.number} moved to ${pull.head.sha.slice(0, 12)} after ${request.head.slice(0, 12)} was checked` };
  if (pull.user?.login.toLowerCase() !== request.author.toLowerCase()) return { merged: false, reason: `pull request #${request.number} is by ${pull.user?.login}, not ${request.author}` };
  // The check protects the default branch alone; one retargeted since it ran is judged again first.
  const defaultBranch = pull.base.repo.default_branch;
  if (pull.base.ref !== defaultBranch) return { merged: false, reason: `pull request #${request.number} is into ${pull.base.ref}, not the default branch ${defaultBranch}: only changes to ${defaultBranch} are merged automatically` };
  // GitHub merges into the branch as it is now: if it moved since the check merged onto it, the
  // tree that would land was never judged (a key added twice, a tag frozen meanwhile).
  const { data: branch } = await octokit.rest.repos.getBranch({ owner, repo, branch: defaultBranch });
  if (branch.commit.sha !== request.base) return { merged: false, reason: `${defaultBranch} moved to ${branch.commit.sha.slice(0, 12)} after the check judged the merge onto ${request.base.slice(0, 12)}; the pull request is judged again when it is updated (merge ${defaultBranch} into it, or re-run its check)` };
  let sha: string;
  try {
    ({ data: { sha } } = await octokit.rest.pulls.merge({ owner, repo, pull_number: request.number, sha: request.head, merge_method: request.method }));
  } catch (error) {
    // 405: not mergeable (a required review or check, a conflict); 409: the head moved.
    const e = error as { status?: number; message?: string };
    if (e.status === 405 || e.status === 409) return { merged: false, reason: `GitHub did not merge it: ${e.message}` };
    throw error;
  }
  if (!request.publishWorkflow) return { merged: true, sha, published: false };
  await octokit.rest.actions.createWorkflowDispatch({ owner, repo, workflow_id: request.publishWorkflow, ref: defaultBranch });
  return { merged: true, sha, published: true };
}
