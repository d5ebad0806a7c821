import { EnvironmentError } from '../errors.ts';
import { listBlobs } from '../git/ls-tree.ts';
import { findRepository, pathPrefix, resolveCommit } from '../git/repository.ts';
import { catFileBatch } from '../git/run-git.ts';
import type { RegistryFile } from './types.ts';

// The registry as it is at a git revision (the base of a pull request): the same files
// read-registry-fs.ts reads from disk, read with one `git ls-tree` and one `git cat-file --batch`.

export async function readRegistryFilesAt(registryDir: string, ref: string): Promise<RegistryFile[]> {
  const location = await findRepository(registryDir).catch(() => undefined);
  if (!location) throw new EnvironmentError(`${registryDir} is not inside a git repository, so there is no ${ref} to compare with`);
  const commit = await resolveCommit(location.top, ref, '--base');
  const prefix = pathPrefix(location.relative);
  const entries: { path: string; blob: string }[] = [];
  for (const entry of await listBlobs(location.top, commit, location.relative)) {
    if (!entry.path.startsWith(prefix)) continue;
    const inside = entry.path.slice(prefix.length);
    if (inside.startsWith('.')) continue; // registry/.schema/ and the like, as reading from disk skips them
    entries.push({ path: inside, blob: entry.blob });
  }
  const texts = await catFileBatch(location.top, new Set(entries.map((e) => e.blob)));
  return entries.map((e) => ({ path: e.path, blob: e.blob, text: texts.get(e.blob) ?? '', display: `${prefix}${e.path}` }));
}
