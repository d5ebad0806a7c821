import { git } from '../../git/run-git.ts';

// What a registry's settings probably are, from the git remote "origin" of the folder it is
// created in (a fresh clone of github.com/OWNER/REPO): its name, Pages URL and web address.

export interface Defaults {
  name?: string;
  url?: string;
  repository?: string;
  maintainers?: string;
}

export async function defaultsFromRemote(dir: string): Promise<Defaults> {
  const remote = await git(dir, ['remote', 'get-url', 'origin']).then((out) => out.trim(), () => '');
  return defaultsFromRemoteUrl(remote);
}

/** https://github.com/OWNER/REPO(.git) or git@github.com:OWNER/REPO(.git); others give nothing. */
function defaultsFromRemoteUrl(remote: string): Defaults {
  const match = /^(?:https:\/\/github\.com\/|git@github\.com:|ssh:\/\/git@github\.com\/)([A-Za-z0-9-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(remote);
  if (!match) return {};
  const [, owner, repo] = match as unknown as [string, string, string];
  const pagesHost = `${owner.toLowerCase()}.github.io`;
  return {
    name: repo,
    // A repository named OWNER.github.io is served at the root of that host.
    url: repo.toLowerCase() === pagesHost ? `https://${pagesHost}` : `https://${pagesHost}/${repo}`,
    repository: `https://github.com/${owner}/${repo}`,
  };
}
