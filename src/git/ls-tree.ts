import { git } from './run-git.ts';

export interface TreeEntry {
  /** Path relative to the repository. */
  path: string;
  blob: string;
  /** git's file mode: "100644", "100755", "120000" (a symbolic link), "160000" (a submodule). */
  mode: string;
}

/** Every file under `folder` at `commit`: its path (relative to the repository), id and mode. */
export async function listBlobs(repoDir: string, commit: string, folder: string): Promise<TreeEntry[]> {
  const listing = await git(repoDir, ['ls-tree', '-r', '-z', '--full-tree', commit, '--', folder === '' ? '.' : folder]);
  const entries: TreeEntry[] = [];
  for (const line of listing.split('\0')) {
    // "<mode> <type> <id>\t<path>"; a submodule is a "commit" entry, kept so it can be refused.
    const match = /^(\d+) (?:blob|commit) ([0-9a-f]{40,64})\t(.*)$/s.exec(line);
    if (match) entries.push({ mode: match[1]!, blob: match[2]!, path: match[3]! });
  }
  return entries;
}
