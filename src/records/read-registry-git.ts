import { EnvironmentError, type Problem } from '../errors.ts';
import { changedPaths } from '../git/diff.ts';
import { listBlobs } from '../git/ls-tree.ts';
import { findRepository, pathPrefix, resolveCommit, type RegistryLocation } from '../git/repository.ts';
import { catFileBatch } from '../git/run-git.ts';
import { isRecordPath, MAX_RECORD_BYTES, SCHEMA_FOLDER, NO_SYMLINKS, tooLarge, UNEXPECTED_FOLDER } from './layout.ts';
import type { RegistryFile, RegistryFiles } from './types.ts';

// The registry as it is at a git revision (a pull request's base or head): the same files
// read-registry-fs.ts reads from disk, refused for the same reasons, read with one `git ls-tree`
// and one `git cat-file --batch`. Nothing is checked out: a pull request's files stay data.

/** The registry folder's files at `ref`; `what` names the ref in messages ("--head"). */
export async function readRegistryAt(registryDir: string, ref: string, what: string): Promise<RegistryFiles> {
  const location = await locate(registryDir, ref);
  const commit = await resolveCommit(location.top, ref, what);
  const prefix = pathPrefix(location.relative);
  const files: RegistryFile[] = [];
  const problems: Problem[] = [];
  const entries: { path: string; blob: string; mode: string }[] = [];
  const schemaEntries: { path: string; blob: string }[] = [];
  for (const entry of await listBlobs(location.top, commit, location.relative)) {
    if (!entry.path.startsWith(prefix)) continue;
    const inside = entry.path.slice(prefix.length);
    if (inside.startsWith(`${SCHEMA_FOLDER}/`)) schemaEntries.push({ path: inside, blob: entry.mode === '100644' || entry.mode === '100755' ? entry.blob : '' });
    if (!isRecordPath(inside)) continue;
    const display = `${prefix}${inside}`;
    const depth = inside.split('/').length;
    if (entry.mode === '120000') problems.push({ file: display, message: NO_SYMLINKS });
    else if (entry.mode === '160000' || depth > 3) problems.push({ file: display, message: UNEXPECTED_FOLDER });
    else entries.push({ path: inside, blob: entry.blob, mode: entry.mode });
  }
  const texts = await catFileBatch(location.top, new Set([...entries, ...schemaEntries].map((e) => e.blob).filter((b) => b !== '')));
  for (const e of entries) {
    const text = texts.get(e.blob) ?? '';
    const size = Buffer.byteLength(text);
    if (size > MAX_RECORD_BYTES) problems.push({ file: `${prefix}${e.path}`, message: tooLarge(size) });
    else files.push({ path: e.path, blob: e.blob, mode: e.mode, text, display: `${prefix}${e.path}` });
  }
  const schemaFiles = schemaEntries.length === 0 ? undefined : schemaEntries.map((e) => ({ path: e.path, blob: e.blob, text: texts.get(e.blob) ?? '', display: `${prefix}${e.path}` }));
  return { root: location.top + (location.relative ? `/${location.relative}` : ''), display: prefix.replace(/\/$/, '') || '.', files, problems, commit, schemaFiles };
}

/** The full commit id `ref` names in the repository holding the registry. */
export async function resolveCommitOf(registryDir: string, ref: string): Promise<string> {
  return resolveCommit((await locate(registryDir, ref)).top, ref, ref);
}

/** The files of the registry at `ref`, for comparing with (a base: its problems are not this change's). */
export async function readRegistryFilesAt(registryDir: string, ref: string): Promise<RegistryFile[]> {
  return (await readRegistryAt(registryDir, ref, '--base')).files;
}

/**
 * The files a change touches outside the records, relative to the repository: code, workflows,
 * package files, registry/.schema/. Between `base` and `head`, or `base` and the working tree.
 */
export async function changesOutsideRecords(registryDir: string, base: string, head?: string): Promise<string[]> {
  const location = await locate(registryDir, base);
  const commits = [await resolveCommit(location.top, base, '--base')];
  if (head !== undefined) commits.push(await resolveCommit(location.top, head, '--head'));
  const prefix = pathPrefix(location.relative);
  return (await changedPaths(location.top, commits[0]!, commits[1])).filter((p) => !(p.startsWith(prefix) && isRecordPath(p.slice(prefix.length))));
}

async function locate(registryDir: string, ref: string): Promise<RegistryLocation> {
  const location = await findRepository(registryDir).catch(() => undefined);
  if (!location) throw new EnvironmentError(`${registryDir} is not inside a git repository, so there is no ${ref} to read`);
  return location;
}
