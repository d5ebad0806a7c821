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
  await octokit.rest.actions.createWorkflowDispatch({ owner, repo, workflow_id: request.publishWorkflow, ref: pull.base.ref });
  return { merged: true, sha, published: true };
}
