import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// GitHub's REST API cannot be reached from here, so the tests talk to this stand-in on
// 127.0.0.1. Its answers copy the real ones field for field (docs.github.com REST reference:
// "List releases", "Get an issue"; pagination by Link header, rate limits by 403 +
// x-ratelimit-remaining: 0), so Octokit parses them exactly as it parses GitHub's.

interface FakeAsset {
  name: string;
  downloads: number;
  size?: number;
}
interface FakeRelease {
  tag: string;
  assets: FakeAsset[];
}

type FakeMode = 'ok' | 'outage' | 'rate-limited' | 'hang';

export interface FakeGitHub {
  /** GITHUB_API_URL for the program under test. */
  apiUrl: string;
  /** Every request: method, path with query, Authorization header. */
  requests: { method: string; path: string; authorization?: string }[];
  writes: FakeWrites;
  mode: FakeMode;
  close(): Promise<void>;
}

export interface FakeGitHubData {
  /** "owner/repo" (canonical case, as GitHub answers) → releases, newest first. */
  releases?: Record<string, FakeRelease[]>;
  /** "owner/repo#number" → 👍 count. */
  issues?: Record<string, number>;
  /** Releases per page when the client asks for more (GitHub's cap is 100). */
  pageSize?: number;
  /** Repositories that take writes (releases, uploads, pull requests): "owner/repo" → default branch. */
  repos?: Record<string, string>;
  /** The token's user, for GET /user. */
  login?: string;
  /** Open pull requests, "owner/repo#number" → what GitHub knows of them. */
  pulls?: Record<string, FakePull>;
  /** Branch tips, "owner/repo:branch" → commit id ("Get a branch"). */
  branches?: Record<string, string>;
}

interface FakePull {
  head: string;
  author: string;
  /** The base branch's name. */
  base: string;
  /** The repository's default branch (main when not given). */
  defaultBranch?: string;
  state?: 'open' | 'closed';
  /** False: a required review or check is missing (GitHub answers 405). */
  mergeable?: boolean;
}

/** What clients wrote: uploaded assets (with the sha256 of the bytes received) and pull requests. */
interface FakeWrites {
  uploads: { repo: string; tag: string; name: string; size: number; sha256: string }[];
  pulls: { repo: string; number: number; title: string; body: string; head: string; base: string }[];
  merges: { repo: string; number: number; sha: string; method: string }[];
  dispatches: { repo: string; workflow: string; ref: string }[];
}

const SERVER = 'https://github.com';
const API = 'https://api.github.com';

export async function startFakeGitHub(data: FakeGitHubData): Promise<FakeGitHub> {
  const requests: FakeGitHub['requests'] = [];
  const writes: FakeWrites = { uploads: [], pulls: [], merges: [], dispatches: [] };
  const hanging = new Set<ServerResponse>();
  const state = { mode: 'ok' as FakeMode };
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization });
    if (state.mode === 'hang') {
      hanging.add(res);
      return;
    }
    if (state.mode === 'outage') return send(res, 503, { message: 'Service Unavailable' });
    if (state.mode === 'rate-limited') {
      return send(
        res,
        403,
        { message: 'API rate limit exceeded for installation ID 1.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api' },
        { 'x-ratelimit-limit': '1000', 'x-ratelimit-remaining': '0', 'x-ratelimit-used': '1000', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600), 'x-ratelimit-resource': 'core' },
      );
    }
    route(req, res, data, apiUrl, writes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    apiUrl,
    requests,
    writes,
    get mode() {
      return state.mode;
    },
    set mode(mode: FakeMode) {
      state.mode = mode;
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function route(req: IncomingMessage, res: ServerResponse, data: FakeGitHubData, apiUrl: string, writes: FakeWrites): void {
  const url = new URL(req.url ?? '/', apiUrl);
  if (req.method !== 'GET' || url.pathname === '/user' || /^\/repos\/[^/]+\/[^/]+(\/releases\/tags\/[^/]+)?$/.test(url.pathname)) {
    return routeWrite(req, res, url, data, apiUrl, writes);
  }
  const releases = /^\/repos\/([^/]+)\/([^/]+)\/releases$/.exec(url.pathname);
  if (releases) {
    // GitHub's names are case-insensitive; its answers use the canonical case.
    const key = Object.keys(data.releases ?? {}).find((k) => k.toLowerCase() === `${releases[1]}/${releases[2]}`.toLowerCase());
    if (!key) return notFound(res, 'repos/releases#list-releases');
    const all = data.releases![key]!;
    const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), data.pageSize ?? 100);
    const page = Number(url.searchParams.get('page') ?? 1);
    const last = Math.max(1, Math.ceil(all.length / perPage));
    const links: string[] = [];
    const pageUrl = (n: number) => `${apiUrl}/repositories/${repoId(key)}/releases?per_page=${perPage}&page=${n}`;
    if (page < last) links.push(`<${pageUrl(page + 1)}>; rel="next"`, `<${pageUrl(last)}>; rel="last"`);
    if (page > 1) links.unshift(`<${pageUrl(page - 1)}>; rel="prev"`, `<${pageUrl(1)}>; rel="first"`);
    const body = all.slice((page - 1) * perPage, page * perPage).map((r, i) => releaseJson(key, r, (page - 1) * perPage + i));
    return send(res, 200, body, links.length > 0 ? { link: links.join(', ') } : {});
  }
  // Octokit follows the Link header, which names the repository by id.
  const byId = /^\/repositories\/(\d+)\/releases$/.exec(url.pathname);
  if (byId) {
    const key = Object.keys(data.releases ?? {}).find((k) => String(repoId(k)) === byId[1]);
    if (!key) return notFound(res, 'repos/releases#list-releases');
    const [owner, repo] = key.split('/');
    req.url = `/repos/${owner}/${repo}/releases${url.search}`;
    return route(req, res, data, apiUrl, writes);
  }
  const pull = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/.exec(url.pathname);
  if (pull) {
    const key = `${pull[1]}/${pull[2]}`;
    const found = data.pulls?.[`${key}#${pull[3]}`];
    if (!found) return notFound(res, 'pulls/pulls#get-a-pull-request');
    return send(res, 200, pullJson(key, Number(pull[3]), found));
  }
  // "Get a branch", the fields a client reads.
  const branch = /^\/repos\/([^/]+)\/([^/]+)\/branches\/([^/]+)$/.exec(url.pathname);
  if (branch) {
    const key = `${branch[1]}/${branch[2]}`;
    const name = decodeURIComponent(branch[3]!);
    const sha = data.branches?.[`${key}:${name}`];
    if (!sha) return notFound(res, 'branches/branches#get-a-branch');
    return send(res, 200, {
      name, protected: true, protection_url: `${API}/repos/${key}/branches/${name}/protection`,
      commit: { sha, node_id: 'C_kwDOAAAAAdoAKAAAAAA', url: `${API}/repos/${key}/commits/${sha}`, html_url: `${SERVER}/${key}/commit/${sha}`, commit: { message: 'A change', tree: { sha: '0'.repeat(40) } }, parents: [] },
      _links: { self: `${API}/repos/${key}/branches/${name}`, html: `${SERVER}/${key}/tree/${name}` },
    });
  }
  const issue = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)$/.exec(url.pathname);
  if (issue) {
    const key = Object.keys(data.issues ?? {}).find((k) => k.toLowerCase() === `${issue[1]}/${issue[2]}#${issue[3]}`.toLowerCase());
    if (!key) return notFound(res, 'issues/issues#get-an-issue');
    return send(res, 200, issueJson(key.split('#')[0]!, Number(issue[3]), data.issues![key]!));
  }
  notFound(res, 'rest');
}

/** The endpoints `sifhub submit` uses, in GitHub's answer shapes ("Get a release by tag name", "Create a release", "Upload a release asset", "Create a pull request", "Get a repository", "Get the authenticated user"). */
function routeWrite(req: IncomingMessage, res: ServerResponse, url: URL, data: FakeGitHubData, apiUrl: string, writes: FakeWrites): void {
  const repoKey = (owner: string, repo: string) => Object.keys(data.repos ?? {}).find((k) => k.toLowerCase() === `${owner}/${repo}`.toLowerCase());
  if (url.pathname === '/user') {
    if (!req.headers.authorization) return send(res, 401, { message: 'Requires authentication', documentation_url: 'https://docs.github.com/rest/users/users#get-the-authenticated-user', status: '401' });
    return send(res, 200, { ...user(data.login ?? 'octocat', 583231), name: data.login ?? 'octocat', company: null, blog: '', location: null, email: null, hireable: null, bio: null, twitter_username: null, public_repos: 8, public_gists: 8, followers: 1, following: 9, created_at: '2011-01-25T18:44:36Z', updated_at: '2024-06-01T09:00:00Z' });
  }
  const repoPath = /^\/repos\/([^/]+)\/([^/]+)$/.exec(url.pathname);
  if (repoPath && req.method === 'GET') {
    const key = repoKey(repoPath[1]!, repoPath[2]!);
    if (!key) return notFound(res, 'repos/repos#get-a-repository');
    return send(res, 200, { id: repoId(key), node_id: 'R_kgDOAAAAAQ', name: key.split('/')[1], full_name: key, private: false, owner: user(key.split('/')[0]!, 9), html_url: `${SERVER}/${key}`, description: null, fork: false, url: `${API}/repos/${key}`, default_branch: data.repos![key], visibility: 'public' });
  }
  const byTag = /^\/repos\/([^/]+)\/([^/]+)\/releases\/tags\/([^/]+)$/.exec(url.pathname);
  if (byTag && req.method === 'GET') {
    const key = Object.keys(data.releases ?? {}).find((k) => k.toLowerCase() === `${byTag[1]}/${byTag[2]}`.toLowerCase());
    const index = key ? data.releases![key]!.findIndex((r) => r.tag === decodeURIComponent(byTag[3]!)) : -1;
    if (!key || index === -1) return notFound(res, 'releases/releases#get-a-release-by-tag-name');
    return send(res, 200, { ...releaseJson(key, data.releases![key]![index]!, index), upload_url: `${apiUrl}/api/uploads/repos/${key}/releases/${1000 + index}/assets{?name,label}` });
  }
  void readBody(req).then((body) => {
    const createRelease = /^\/repos\/([^/]+)\/([^/]+)\/releases$/.exec(url.pathname);
    if (createRelease && req.method === 'POST') {
      const key = repoKey(createRelease[1]!, createRelease[2]!);
      if (!key || !req.headers.authorization) return notFound(res, 'releases/releases#create-a-release');
      const input = JSON.parse(body.toString()) as { tag_name: string };
      data.releases ??= {};
      const list = (data.releases[key] ??= []);
      list.push({ tag: input.tag_name, assets: [] });
      const index = list.length - 1;
      return send(res, 201, { ...releaseJson(key, list[index]!, index), upload_url: `${apiUrl}/api/uploads/repos/${key}/releases/${1000 + index}/assets{?name,label}` });
    }
    // GitHub Enterprise's upload host form: https://HOST/api/uploads/repos/…
    const upload = /^\/api\/uploads\/repos\/([^/]+)\/([^/]+)\/releases\/(\d+)\/assets$/.exec(url.pathname);
    if (upload && req.method === 'POST') {
      const key = repoKey(upload[1]!, upload[2]!);
      const release = key ? data.releases?.[key]?.[Number(upload[3]) - 1000] : undefined;
      const name = url.searchParams.get('name');
      if (!key || !release || !name) return notFound(res, 'releases/assets#upload-a-release-asset');
      if (release.assets.some((a) => a.name === name)) return send(res, 422, { message: 'Validation Failed', errors: [{ resource: 'ReleaseAsset', code: 'already_exists', field: 'name' }], status: '422' });
      release.assets.push({ name, downloads: 0, size: body.length });
      writes.uploads.push({ repo: key, tag: release.tag, name, size: body.length, sha256: createHash('sha256').update(body).digest('hex') });
      const id = Number(upload[3]) * 100 + release.assets.length - 1;
      return send(res, 201, {
        url: `${API}/repos/${key}/releases/assets/${id}`, id, node_id: 'RA_kwDOAAAAAc4AAAAA', name, label: '', uploader: user(data.login ?? 'octocat', 583231),
        content_type: req.headers['content-type'], state: 'uploaded', size: body.length, digest: `sha256:${createHash('sha256').update(body).digest('hex')}`, download_count: 0,
        created_at: '2024-05-01T10:02:00Z', updated_at: '2024-05-01T10:03:00Z', browser_download_url: `${SERVER}/${key}/releases/download/${release.tag}/${name}`,
      });
    }
    // "Merge a pull request": 200, or 405 when not mergeable, 409 when the head moved.
    const merge = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)\/merge$/.exec(url.pathname);
    if (merge && req.method === 'PUT') {
      const key = `${merge[1]}/${merge[2]}`;
      const found = data.pulls?.[`${key}#${merge[3]}`];
      if (!found || !req.headers.authorization) return notFound(res, 'pulls/pulls#merge-a-pull-request');
      const input = JSON.parse(body.toString()) as { sha?: string; merge_method?: string };
      if (found.mergeable === false) return send(res, 405, { message: 'Pull Request is not mergeable', documentation_url: 'https://docs.github.com/rest/pulls/pulls#merge-a-pull-request', status: '405' });
      if (input.sha !== undefined && input.sha !== found.head) return send(res, 409, { message: 'Head branch was modified. Review and try the merge again.', documentation_url: 'https://docs.github.com/rest/pulls/pulls#merge-a-pull-request', status: '409' });
      found.state = 'closed';
      writes.merges.push({ repo: key, number: Number(merge[3]), sha: input.sha ?? '', method: input.merge_method ?? 'merge' });
      return send(res, 200, { sha: 'c0ffee'.padEnd(40, '0'), merged: true, message: 'Pull Request successfully merged' });
    }
    // "Create a workflow dispatch event": 204, no body.
    const dispatch = /^\/repos\/([^/]+)\/([^/]+)\/actions\/workflows\/([^/]+)\/dispatches$/.exec(url.pathname);
    if (dispatch && req.method === 'POST') {
      if (!req.headers.authorization) return notFound(res, 'actions/workflows#create-a-workflow-dispatch-event');
      writes.dispatches.push({ repo: `${dispatch[1]}/${dispatch[2]}`, workflow: decodeURIComponent(dispatch[3]!), ref: (JSON.parse(body.toString()) as { ref: string }).ref });
      res.writeHead(204);
      return void res.end();
    }
    const pulls = /^\/repos\/([^/]+)\/([^/]+)\/pulls$/.exec(url.pathname);
    if (pulls && req.method === 'POST') {
      const key = repoKey(pulls[1]!, pulls[2]!);
      if (!key || !req.headers.authorization) return notFound(res, 'pulls/pulls#create-a-pull-request');
      const input = JSON.parse(body.toString()) as { title: string; body: string; head: string; base: string };
      const number = 40 + writes.pulls.length + 1;
      writes.pulls.push({ repo: key, number, ...input });
      return send(res, 201, {
        url: `${API}/repos/${key}/pulls/${number}`, id: 3_000_000 + number, node_id: 'PR_kwDOAAAAAc4AAAAA', html_url: `${SERVER}/${key}/pull/${number}`,
        diff_url: `${SERVER}/${key}/pull/${number}.diff`, patch_url: `${SERVER}/${key}/pull/${number}.patch`, issue_url: `${API}/repos/${key}/issues/${number}`,
        number, state: 'open', locked: false, title: input.title, user: user(data.login ?? 'octocat', 583231), body: input.body,
        created_at: '2024-06-01T09:00:00Z', updated_at: '2024-06-01T09:00:00Z', closed_at: null, merged_at: null, merge_commit_sha: null, draft: false,
        head: { label: input.head.includes(':') ? input.head : `${key.split('/')[0]}:${input.head}`, ref: input.head.split(':').at(-1), sha: '0'.repeat(40) },
        base: { label: `${key.split('/')[0]}:${input.base}`, ref: input.base, sha: '0'.repeat(40) },
        author_association: 'CONTRIBUTOR', merged: false, mergeable: null, comments: 0, commits: 1, additions: 40, deletions: 0, changed_files: 3,
      });
    }
    notFound(res, 'rest');
  });
}

/** "Get a pull request", the fields a client reads. */
function pullJson(key: string, number: number, pull: FakePull) {
  const owner = key.split('/')[0]!;
  return {
    url: `${API}/repos/${key}/pulls/${number}`, id: 3_000_000 + number, node_id: 'PR_kwDOAAAAAc4AAAAA', html_url: `${SERVER}/${key}/pull/${number}`,
    number, state: pull.state ?? 'open', locked: false, title: 'Add an image', user: user(pull.author, 1000 + number), body: '',
    created_at: '2024-06-01T09:00:00Z', updated_at: '2024-06-01T09:00:00Z', closed_at: null, merged_at: null, merge_commit_sha: null, draft: false,
    head: { label: `${pull.author}:add-image`, ref: 'add-image', sha: pull.head, user: user(pull.author, 1000 + number) },
    base: {
      label: `${owner}:${pull.base}`, ref: pull.base, sha: '0'.repeat(40), user: user(owner, 9),
      repo: { id: repoId(key), node_id: 'R_kgDOAAAAAQ', name: key.split('/')[1], full_name: key, private: false, owner: user(owner, 9), html_url: `${SERVER}/${key}`, url: `${API}/repos/${key}`, default_branch: pull.defaultBranch ?? 'main' },
    },
    author_association: 'CONTRIBUTOR', merged: false, mergeable: pull.mergeable ?? true, mergeable_state: pull.mergeable === false ? 'blocked' : 'clean',
    comments: 0, commits: 1, additions: 7, deletions: 0, changed_files: 1,
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'x-github-media-type': 'github.v3; format=json',
    'x-github-api-version-selected': '2022-11-28',
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '4999',
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
    'x-ratelimit-used': '1',
    'x-ratelimit-resource': 'core',
    ...headers,
  });
  res.end(JSON.stringify(body));
}

function notFound(res: ServerResponse, doc: string): void {
  send(res, 404, { message: 'Not Found', documentation_url: `https://docs.github.com/rest/${doc}`, status: '404' });
}

function repoId(key: string): number {
  let hash = 7;
  for (const c of key.toLowerCase()) hash = (hash * 31 + c.charCodeAt(0)) % 1_000_000_007;
  return hash;
}

const user = (login: string, id: number) => ({
  login,
  id,
  node_id: 'MDQ6VXNlcjE=',
  avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
  gravatar_id: '',
  url: `${API}/users/${login}`,
  html_url: `${SERVER}/${login}`,
  followers_url: `${API}/users/${login}/followers`,
  following_url: `${API}/users/${login}/following{/other_user}`,
  gists_url: `${API}/users/${login}/gists{/gist_id}`,
  starred_url: `${API}/users/${login}/starred{/owner}{/repo}`,
  subscriptions_url: `${API}/users/${login}/subscriptions`,
  organizations_url: `${API}/users/${login}/orgs`,
  repos_url: `${API}/users/${login}/repos`,
  events_url: `${API}/users/${login}/events{/privacy}`,
  received_events_url: `${API}/users/${login}/received_events`,
  type: 'User',
  user_view_type: 'public',
  site_admin: false,
});

function releaseJson(key: string, release: FakeRelease, index: number) {
  const id = 1000 + index;
  const base = `${API}/repos/${key}/releases/${id}`;
  return {
    url: base,
    assets_url: `${base}/assets`,
    upload_url: `https://uploads.github.com/repos/${key}/releases/${id}/assets{?name,label}`,
    html_url: `${SERVER}/${key}/releases/tag/${release.tag}`,
    id,
    author: user('github-actions[bot]', 41898282),
    node_id: 'RE_kwDOAAAAAc4AAAAA',
    tag_name: release.tag,
    target_commitish: 'main',
    name: release.tag,
    draft: false,
    immutable: false,
    prerelease: false,
    created_at: '2024-05-01T10:00:00Z',
    updated_at: '2024-05-01T10:05:00Z',
    published_at: '2024-05-01T10:05:00Z',
    assets: release.assets.map((asset, i) => ({
      url: `${API}/repos/${key}/releases/assets/${id * 100 + i}`,
      id: id * 100 + i,
      node_id: 'RA_kwDOAAAAAc4AAAAA',
      name: asset.name,
      label: '',
      uploader: user('github-actions[bot]', 41898282),
      content_type: 'application/octet-stream',
      state: 'uploaded',
      size: asset.size ?? 2_048_000,
      digest: null,
      download_count: asset.downloads,
      created_at: '2024-05-01T10:02:00Z',
      updated_at: '2024-05-01T10:03:00Z',
      browser_download_url: `${SERVER}/${key}/releases/download/${release.tag}/${asset.name}`,
    })),
    tarball_url: `${API}/repos/${key}/tarball/${release.tag}`,
    zipball_url: `${API}/repos/${key}/zipball/${release.tag}`,
    body: 'Images built by CI.',
  };
}

function issueJson(key: string, number: number, plusOne: number) {
  const url = `${API}/repos/${key}/issues/${number}`;
  return {
    url,
    repository_url: `${API}/repos/${key}`,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: `${SERVER}/${key}/issues/${number}`,
    id: 2_000_000 + number,
    node_id: 'I_kwDOAAAAAc4AAAAA',
    number,
    title: 'Star this collection',
    user: user('octocat', 1),
    labels: [],
    state: 'open',
    locked: true,
    assignee: null,
    assignees: [],
    milestone: null,
    comments: 0,
    created_at: '2024-04-01T09:00:00Z',
    updated_at: '2024-06-01T09:00:00Z',
    closed_at: null,
    author_association: 'OWNER',
    type: null,
    active_lock_reason: null,
    sub_issues_summary: { total: 0, completed: 0, percent_completed: 0 },
    body: 'Add a 👍 reaction to star this collection.',
    closed_by: null,
    reactions: { url: `${url}/reactions`, total_count: plusOne + 1, '+1': plusOne, '-1': 0, laugh: 0, hooray: 1, confused: 0, heart: 0, rocket: 0, eyes: 0 },
    timeline_url: `${url}/timeline`,
    performed_via_github_app: null,
    state_reason: null,
  };
}
