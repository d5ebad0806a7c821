import { EnvironmentError } from '../errors.ts';

// The few calls of GitLab's REST API (v4) sifhub makes, in GitLab's shapes, with plain fetch:
// open merge requests, the commit statuses sifhub set, setting one, and a comment. The token is
// a project access token with the `api` scope, kept as a protected CI/CD variable, so only
// pipelines of protected branches (never a merge request's) can read it.

export interface GitLabAccess {
  /** The API root: CI_API_V4_URL, https://gitlab.example.edu/api/v4. */
  api: string;
  /** The project's numeric ID or its path, group/project (CI_PROJECT_ID). */
  project: string;
  /** Empty: read as anyone may (a public project's issues). */
  token: string;
}

/** An open merge request, as GET /projects/:id/merge_requests lists it (the fields sifhub reads). */
export interface MergeRequest {
  iid: number;
  /** The head commit. */
  sha: string;
  source_branch: string;
  source_project_id: number;
  target_branch: string;
  draft?: boolean;
  web_url: string;
  author: { username: string };
}

/** A commit status, as GET /projects/:id/repository/commits/:sha/statuses lists it. */
export interface CommitStatus {
  id: number;
  sha: string;
  name: string;
  status: 'pending' | 'running' | 'success' | 'failed' | 'canceled' | 'skipped';
  description: string | null;
  created_at: string;
}

export type StatusState = 'pending' | 'running' | 'success' | 'failed';

async function call<T>(access: GitLabAccess, method: 'GET' | 'POST' | 'PUT', path: string, body?: Record<string, string | boolean>): Promise<{ data: T; nextPage?: string }> {
  const url = `${access.api.replace(/\/+$/, '')}/projects/${encodeURIComponent(access.project)}${path}`;
  const response = await fetch(url, {
    method,
    headers: { ...(access.token ? { 'PRIVATE-TOKEN': access.token } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(30_000),
  }).catch((error: unknown) => {
    throw new EnvironmentError(`GitLab's API at ${access.api} did not answer ${method} ${path}: ${(error as Error).message}`);
  });
  if (!response.ok) {
    const text = (await response.text().catch(() => '')).slice(0, 300);
    const hint = response.status === 401 || response.status === 403 ? ' (is SIFHUB_GITLAB_TOKEN a project access token with the api scope, and the variable protected and available to this branch?)' : '';
    throw new EnvironmentError(`GitLab's API answered ${method} ${path} with ${response.status}${hint}: ${text}`);
  }
  return { data: (await response.json()) as T, nextPage: response.headers.get('x-next-page') || undefined };
}

/** Every open merge request into `target`, page after page. */
export async function openMergeRequests(access: GitLabAccess, target: string): Promise<MergeRequest[]> {
  const all: MergeRequest[] = [];
  for (let page: string | undefined = '1'; page !== undefined; ) {
    const answer: { data: MergeRequest[]; nextPage?: string } = await call<MergeRequest[]>(access, 'GET', `/merge_requests?state=opened&target_branch=${encodeURIComponent(target)}&per_page=100&page=${page}`);
    all.push(...answer.data);
    page = answer.nextPage;
  }
  return all;
}

/** The statuses named `name` on a commit, newest first. */
export async function statusesOf(access: GitLabAccess, sha: string, name: string): Promise<CommitStatus[]> {
  const { data } = await call<CommitStatus[]>(access, 'GET', `/repository/commits/${sha}/statuses?name=${encodeURIComponent(name)}&all=true&per_page=100`);
  return data.filter((s) => s.name === name).sort((a, b) => b.id - a.id);
}

export async function setStatus(access: GitLabAccess, sha: string, status: { state: StatusState; name: string; description: string; targetUrl?: string }): Promise<void> {
  await call(access, 'POST', `/statuses/${sha}`, {
    state: status.state,
    name: status.name,
    // GitLab keeps at most 255 characters of a description.
    description: status.description.length > 255 ? `${status.description.slice(0, 254)}…` : status.description,
    ...(status.targetUrl ? { target_url: status.targetUrl } : {}),
  });
}

export async function addNote(access: GitLabAccess, iid: number, body: string): Promise<void> {
  await call(access, 'POST', `/merge_requests/${iid}/notes`, { body });
}

/** The commit a branch's tip is at (GET /projects/:id/repository/branches/:branch). */
export async function branchTip(access: GitLabAccess, branch: string): Promise<string> {
  const { data } = await call<{ commit: { id: string } }>(access, 'GET', `/repository/branches/${encodeURIComponent(branch)}`);
  return data.commit.id;
}

/**
 * Merges a merge request at exactly `sha` (PUT /projects/:id/merge_requests/:iid/merge): GitLab
 * refuses when the head has moved since. Undefined when merged, else GitLab's reason.
 */
export async function mergeAt(access: GitLabAccess, iid: number, sha: string): Promise<string | undefined> {
  try {
    await call(access, 'PUT', `/merge_requests/${iid}/merge`, { sha, squash: true, should_remove_source_branch: false });
    return undefined;
  } catch (error) {
    if (error instanceof EnvironmentError && / with (405|406|409|422) /.test(error.message)) return error.message;
    throw error;
  }
}

/** How many of an issue's award emoji are `name` (👍 is thumbsup), page after page. */
export async function awardCount(access: GitLabAccess, issue: number, name: string): Promise<number> {
  let count = 0;
  for (let page: string | undefined = '1'; page !== undefined; ) {
    const answer: { data: { name: string }[]; nextPage?: string } = await call<{ name: string }[]>(access, 'GET', `/issues/${issue}/award_emoji?per_page=100&page=${page}`);
    count += answer.data.filter((award) => award.name === name).length;
    page = answer.nextPage;
  }
  return count;
}
