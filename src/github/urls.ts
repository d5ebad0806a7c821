// GitHub's web addresses, parsed without talking to GitHub.

/** `https://github.com/OWNER/REPO` (optionally `.git` or a trailing slash) → its parts. */
export function parseRepositoryUrl(url: string, serverUrl: string): { owner: string; repo: string } | undefined {
  const prefix = `${serverUrl}/`;
  if (!url.startsWith(prefix)) return undefined;
  const match = /^([A-Za-z0-9-]{1,39})\/([A-Za-z0-9._-]{1,100}?)(?:\.git)?\/?$/.exec(url.slice(prefix.length));
  return match ? { owner: match[1]!, repo: match[2]! } : undefined;
}

/** `https://github.com/OWNER/REPO/releases/download/TAG/ASSET` → the repository it lives in. */
export function parseReleaseAssetUrl(url: string, serverUrl: string): { owner: string; repo: string } | undefined {
  const prefix = `${serverUrl}/`;
  if (!url.startsWith(prefix)) return undefined;
  const match = /^([A-Za-z0-9-]{1,39})\/([A-Za-z0-9._-]{1,100})\/releases\/download\/[^/]+\/[^/]+$/.exec(url.slice(prefix.length));
  return match ? { owner: match[1]!, repo: match[2]! } : undefined;
}
