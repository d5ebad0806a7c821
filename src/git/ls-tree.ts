import { git } from './run-git.ts';

/** Every blob under `folder` at `commit`: its path (relative to the repository) and id. */
export async function listBlobs(repoDir: string, commit: string, folder: string): Promise<{ path: string; blob: string }[]> {
  const listing = await git(repoDir, ['ls-tree', '-r', '-z', '--full-tree', commit, '--', folder === '' ? '.' : folder]);
  const entries: { path: string; blob: string }[] = [];
  for (const line of listing.split('\0')) {
    // "<mode> blob <id>\t<path>"
    const match = /^\d+ blob ([0-9a-f]{40,64})\t(.*)$/s.exec(line);
    if (match) entries.push({ path: match[2]!, blob: match[1]! });
  }
  return entries;
}
