import { git } from './run-git.ts';

// Which files a change touches, anywhere in the repository: between two commits (a pull
// request's base and head), or between a commit and the working tree, untracked files included.

/** Paths relative to the repository, "/"-separated, sorted; a rename counts as a delete and an add. */
export async function changedPaths(repoDir: string, base: string, head?: string): Promise<string[]> {
  const diff = await git(repoDir, ['diff', '--name-only', '-z', '--no-renames', base, ...(head === undefined ? [] : [head]), '--']);
  const paths = diff.split('\0').filter(Boolean);
  if (head === undefined) paths.push(...(await git(repoDir, ['ls-files', '-z', '--others', '--exclude-standard'])).split('\0').filter(Boolean));
  return [...new Set(paths)].sort();
}
