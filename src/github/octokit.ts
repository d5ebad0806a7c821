import { Octokit } from '@octokit/rest';

// The one place Octokit is built (STYLE.md). Everything that talks to GitHub gets its client
// from here, so the tests point the whole program at a fake API with GITHUB_API_URL alone.

export interface GitHubAccess {
  /** REST API root: GITHUB_API_URL in Actions (GitHub Enterprise has its own). */
  apiUrl: string;
  /** Web root: GITHUB_SERVER_URL in Actions; release download URLs start with it. */
  serverUrl: string;
  token?: string;
}

/** A request that hangs would hold the whole build: each one gets this long. */
const REQUEST_TIMEOUT_MS = 30_000;

export function githubAccessFromEnv(env: NodeJS.ProcessEnv = process.env): GitHubAccess {
  return {
    apiUrl: (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''),
    serverUrl: (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, ''),
    token: env.GITHUB_TOKEN || undefined,
  };
}

const ignore = () => {};

export function makeOctokit(access: GitHubAccess, options: { timeoutMs?: number } = {}): Octokit {
  const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  return new Octokit({
    auth: access.token,
    baseUrl: access.apiUrl,
    userAgent: 'sifhub',
    // Octokit logs every failed request; callers report failures their own way, once.
    log: { debug: ignore, info: ignore, warn: ignore, error: ignore },
    request: {
      fetch: (url: string | URL, init: RequestInit = {}) =>
        fetch(url, { ...init, signal: init.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs) }),
    },
  });
}
