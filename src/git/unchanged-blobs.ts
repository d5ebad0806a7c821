import { findRepository, pathPrefix } from './repository.ts';
import { git } from './run-git.ts';

// Which files of the working tree git already knows by content: tracked, and the same as in the
// index by git's own check (`git status`, which compares what it recorded of each file, and reads
// only files whose stat changed). A rebuild then takes their blob ids from git instead of reading
// and hashing every record.

/**
 * Path inside the registry folder → blob id, for each regular file git says is unchanged. Empty
 * when the folder is in no repository or git fails: the caller then reads every file.
 */
export async function unchangedBlobs(registryDir: string): Promise<Map<string, string>> {
  const unchanged = new Map<string, string>();
  const location = await findRepository(registryDir).catch(() => undefined);
  if (!location) return unchanged;
  const { top, relative } = location;
  const prefix = pathPrefix(relative);
  const scope = ['--', relative === '' ? '.' : relative];
  const outputs = await Promise.all([
    git(top, ['ls-files', '--stage', '-v', '--full-name', '-z', ...scope]),
    git(top, ['status', '--porcelain=v1', '-z', '--untracked-files=no', '--ignore-submodules=all', ...scope]),
  ]).catch(() => undefined);
  if (!outputs) return unchanged;
  const [staged, status] = outputs;
  // "TAG MODE BLOB STAGE\tPATH": regular files at stage 0 (not a conflict, a link or a submodule),
  // tagged H. A file marked assume-unchanged (h) or skip-worktree (S) is one git status does not
  // look at: its working copy may differ, so it is read.
  for (const entry of staged.split('\0')) {
    const match = /^H (100644|100755) ([0-9a-f]{40,64}) 0\t(.*)$/s.exec(entry);
    if (match && match[3]!.startsWith(prefix)) unchanged.set(match[3]!.slice(prefix.length), match[2]!);
  }
  // "XY PATH", and after a rename or copy the source path as the next entry: both differ.
  const entries = status.split('\0');
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.length < 4) continue;
    unchanged.delete(entry.slice(3).slice(prefix.length));
    if (entry[0] === 'R' || entry[0] === 'C') unchanged.delete((entries[++i] ?? '').slice(prefix.length));
  }
  return unchanged;
}
