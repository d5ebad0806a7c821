import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { simpleGit } from 'simple-git';
import { EnvironmentError } from '../errors.ts';
import type { RegistryFile } from './read-registry-fs.ts';
import { readBlobs } from '../git/read-history.ts';

// The registry as it is at a git revision (the base of a pull request): the same files stage 1
// reads from disk, read with one `git ls-tree` and one `git cat-file --batch`.

export async function readRegistryAt(registryDir: string, ref: string): Promise<RegistryFile[]> {
  const root = await realpath(path.resolve(registryDir));
  const git = simpleGit(root);
  const top = await realpath((await git.revparse(['--show-toplevel'])).trim());
  const relative = path.relative(top, root).split(path.sep).join('/');
  let commit: string;
  try {
    commit = (await git.raw(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim();
  } catch (error) {
    throw new EnvironmentError(`--base ${ref}: no such commit in this repository; fetch it first (in GitHub Actions: actions/checkout with fetch-depth: 0)`, { cause: error });
  }
  if (!commit) throw new EnvironmentError(`--base ${ref}: no such commit in this repository; fetch it first (in GitHub Actions: actions/checkout with fetch-depth: 0)`);
  const listing = await simpleGit(top).raw(['ls-tree', '-r', '-z', '--full-tree', commit, '--', relative === '' ? '.' : relative]);
  const prefix = relative === '' ? '' : `${relative}/`;
  const entries: { path: string; blob: string }[] = [];
  for (const line of listing.split('\0')) {
    // "<mode> blob <id>\t<path>"
    const match = /^\d+ blob ([0-9a-f]{40,64})\t(.*)$/s.exec(line);
    if (!match || !match[2]!.startsWith(prefix)) continue;
    const inside = match[2]!.slice(prefix.length);
    if (inside.startsWith('.')) continue; // registry/.schema/ and the like, as stage 1 skips them
    entries.push({ path: inside, blob: match[1]! });
  }
  const texts = await readBlobs(top, new Set(entries.map((e) => e.blob)));
  return entries.map((e) => ({ path: e.path, blob: e.blob, text: texts.get(e.blob) ?? '', display: `${prefix}${e.path}` }));
}
