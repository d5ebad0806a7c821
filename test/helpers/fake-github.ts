import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// GitHub's REST API cannot be reached from here, so the tests talk to this stand-in on
// 127.0.0.1. Its answers copy the real ones field for field (docs.github.com REST reference:
// "List releases", "Get an issue"; pagination by Link header, rate limits by 403 +
// x-ratelimit-remaining: 0), so Octokit parses them exactly as it parses GitHub's.

export interface FakeAsset {
  name: string;
  downloads: number;
}
export interface FakeRelease {
  tag: string;
  assets: FakeAsset[];
}

export type FakeMode = 'ok' | 'outage' | 'rate-limited' | 'hang';

export interface FakeGitHub {
  /** GITHUB_API_URL for the program under test. */
  apiUrl: string;
  /** Every request: method, path with query, Authorization header. */
  requests: { method: string; path: string; authorization?: string }[];
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
}

const SERVER = 'https://github.com';
const API = 'https://api.github.com';

export async function startFakeGitHub(data: FakeGitHubData): Promise<FakeGitHub> {
  const requests: FakeGitHub['requests'] = [];
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
    route(req, res, data, apiUrl);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    apiUrl,
    requests,
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

function route(req: IncomingMessage, res: ServerResponse, data: FakeGitHubData, apiUrl: string): void {
  const url = new URL(req.url ?? '/', apiUrl);
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
    return route(req, res, data, apiUrl);
  }
  const issue = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)$/.exec(url.pathname);
  if (issue) {
    const key = Object.keys(data.issues ?? {}).find((k) => k.toLowerCase() === `${issue[1]}/${issue[2]}#${issue[3]}`.toLowerCase());
    if (!key) return notFound(res, 'issues/issues#get-an-issue');
    return send(res, 200, issueJson(key.split('#')[0]!, Number(issue[3]), data.issues![key]!));
  }
  notFound(res, 'rest');
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
      size: 2_048_000,
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
